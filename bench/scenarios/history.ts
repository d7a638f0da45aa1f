// Scenario 3: a sweep's DynamoDB reads must follow the due tasks, not the table. The same sweep (the same
// open tasks, the same simulator) runs against a table holding only them and against one that also holds a
// long history of closed, announced tasks.
import type { SweepSummary } from '../../lib/sweep/summary';
import type { Builds } from '../build';
import type { DynamoTally } from '../dynamo-meter';
import { type BenchStack, closedTask, openTask, recording } from '../stack';

export interface HistoryOptions {
  closed: number;
  open: number;
}

export interface HistorySweep {
  checked: number;
  durationMs: number;
  dynamo: DynamoTally;
}

export interface HistoryResult extends HistoryOptions {
  seedMs: number;
  withoutHistory: HistorySweep;
  withHistory: HistorySweep;
  /** Items read with history ÷ without. */
  readRatio: number;
  /**
   * What the ratio counts: every item read (the periodic COUNT of open tasks included) when both sweeps
   * counted or neither did; otherwise only the listing, so that the clock's choice does not decide it.
   */
  ratioBasis: 'all reads' | 'listing reads';
}

export async function runHistory(stack: BenchStack, builds: Builds, options: HistoryOptions): Promise<HistoryResult> {
  const zego = await stack.startZego({ rateLimit: 200, latencyMs: 20 });
  const sweepOf = async (table: string, prefix: string): Promise<HistorySweep> => {
    const now = Date.now();
    const ids = Array.from({ length: options.open }, (_, i) => `${prefix}-${i}`);
    for (const id of ids) zego.setTask(id, recording(id, now - 60_000));
    await stack.seed(
      table,
      ids.map((id, i) => openTask(id, now - options.open + i)),
    );
    const container = await stack.start(builds, 'sweep', {
      table,
      zego,
      env: { ZEGO_RATE_LIMIT: '200', SWEEP_CONCURRENCY: '40' },
    });
    try {
      stack.meter.reset();
      const report = await container.invoke({}, 60_000);
      if (report.error) throw new Error(`history: the sweep failed: ${report.error}`);
      const summary = report.result as SweepSummary;
      return { checked: summary.checked, durationMs: summary.durationMs, dynamo: stack.meter.tally() };
    } finally {
      await container.close();
    }
  };

  const full = await stack.newTable();
  const seeding = performance.now();
  const now = Date.now();
  await stack.seed(
    full,
    (function* () {
      for (let i = 0; i < options.closed; i++) yield closedTask(`closed-${i}`, now);
    })(),
  );
  const seedMs = performance.now() - seeding;
  // Back to back, so that both fall on the same side of the sweep's every-5-minutes COUNT (it goes by the clock).
  const withoutHistory = await sweepOf(await stack.newTable(), 'fresh');
  const withHistory = await sweepOf(full, 'amid-history');
  const allReads = withHistory.dynamo.countPages > 0 === withoutHistory.dynamo.countPages > 0;
  const reads = (sweep: HistorySweep) => (allReads ? sweep.dynamo.itemsScanned : sweep.dynamo.itemsRead);
  return {
    ...options,
    seedMs,
    withoutHistory,
    withHistory,
    readRatio: reads(withHistory) / Math.max(1, reads(withoutHistory)),
    ratioBasis: allReads ? 'all reads' : 'listing reads',
  };
}
