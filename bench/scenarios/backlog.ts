// Scenarios 1 and 2: one sweep through a backlog of due tasks, in a warm function process, against a
// simulator with a given limit and latency. Gives both the rate figures (from the simulator's arrival log)
// and the cost figures (the function process's CPU and heap, DynamoDB at the wire).
import type { SweepSummary } from '../../lib/sweep/summary';
import type { Builds } from '../build';
import type { DynamoTally } from '../dynamo-meter';
import { meanInWindow } from '../rolling-window';
import { type BenchStack, finished, openTask, recording } from '../stack';

export interface BacklogOptions {
  label: string;
  tasks: number;
  /**
   * 'open': every check finds the recording still running (one write each); 'completing': every check
   * closes the task and publishes (two writes and a publish); 'mixed': every other task completes.
   */
  kind: 'open' | 'completing' | 'mixed';
  rateLimit: number;
  latencyMs: number;
  concurrency: number;
  /**
   * Tasks of a first, unmeasured sweep in the same process. A deployed sweep runs every minute in a warm
   * container, so its steady cost is that of a process whose code V8 has already compiled and optimised;
   * the first sweep of a fresh process pays for that compilation (reported as `firstSweep`).
   */
  warmupTasks: number;
}

export interface BacklogResult extends BacklogOptions {
  summary: SweepSummary;
  /** Mean arrivals in a rolling second ÷ limit (see rolling-window.ts). */
  utilisation: number;
  maxInAnyWindow: number;
  simulatorRefusals: number;
  requests: number;
  published: number;
  cpuMs: number;
  cpuSystemMs: number;
  /** CPU of the bench's own process (dynalite, simulator, SNS) meanwhile: the stand-ins' load, not the function's. */
  stackCpuMs: number;
  wallMs: number;
  heapBeforeBytes: number;
  peakHeapBytes: number;
  maxRssBytes: number;
  dynamo: DynamoTally;
  /** Items read: the due-index pages the checks came from (the periodic COUNT is in dynamo.itemsCounted). */
  perTask: { cpuMs: number; dynamoRequests: number; itemsRead: number; itemsWritten: number };
  /** The warm-up sweep, in a fresh process: CPU per checked task. */
  firstSweep?: { checked: number; cpuMsPerTask: number };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const LAMBDA_TIMEOUT_MS = 60_000; // serverless.yml: the sweep's timeout
const ZEGO_TIMEOUT_MS = 2_000;

export async function runBacklog(stack: BenchStack, builds: Builds, options: BacklogOptions): Promise<BacklogResult> {
  const table = await stack.newTable();
  const zego = await stack.startZego({ rateLimit: options.rateLimit, latencyMs: options.latencyMs });
  const dueNow = async (prefix: string, count: number) => {
    const now = Date.now();
    const ids = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
    const completes = (i: number) => options.kind === 'completing' || (options.kind === 'mixed' && i % 2 === 1);
    for (const [i, id] of ids.entries()) {
      zego.setTask(id, completes(i) ? finished(id, now - 3_600_000, now - 1_000) : recording(id, now - 60_000));
    }
    await stack.seed(
      table,
      ids.map((id, i) => openTask(id, now - count + i)),
    );
  };
  const container = await stack.start(builds, 'sweep', {
    table,
    zego,
    env: {
      ZEGO_RATE_LIMIT: String(options.rateLimit),
      SWEEP_CONCURRENCY: String(options.concurrency),
      ZEGO_TIMEOUT_MS: String(ZEGO_TIMEOUT_MS),
    },
  });
  try {
    let firstSweep: BacklogResult['firstSweep'];
    if (options.warmupTasks > 0) {
      await dueNow(`warmup-${options.kind}`, options.warmupTasks);
      const warm = await container.invoke({}, LAMBDA_TIMEOUT_MS);
      if (warm.error) throw new Error(`${options.label}: the warm-up sweep failed: ${warm.error}`);
      const checked = (warm.result as SweepSummary).checked;
      firstSweep = { checked, cpuMsPerTask: warm.cpuMs / Math.max(1, checked) };
      await sleep(1_100); // its rate window ends before the measured run starts: each run is measured alone
    }
    await dueNow(options.kind, options.tasks);
    zego.resetStats();
    stack.meter.reset();
    stack.sns.clear();
    const stackCpu = process.cpuUsage();
    const report = await container.invoke({}, LAMBDA_TIMEOUT_MS);
    const stackCpuUsed = process.cpuUsage(stackCpu);
    const dynamo = stack.meter.tally();
    if (report.error) throw new Error(`${options.label}: the sweep failed: ${report.error}`);
    const summary = report.result as SweepSummary;
    const stats = zego.stats();
    const checked = Math.max(1, summary.checked);
    return {
      ...options,
      summary,
      utilisation: (meanInWindow(zego.arrivals()) ?? stats.requests) / options.rateLimit,
      maxInAnyWindow: stats.maxInAnyWindow,
      simulatorRefusals: stats.refusals,
      requests: stats.requests,
      published: stack.sns.published().length,
      cpuMs: report.cpuMs,
      cpuSystemMs: report.cpuSystemMs,
      stackCpuMs: (stackCpuUsed.user + stackCpuUsed.system) / 1000,
      wallMs: report.wallMs,
      heapBeforeBytes: report.heapBeforeBytes,
      peakHeapBytes: report.peakHeapBytes,
      maxRssBytes: report.maxRssBytes,
      dynamo,
      perTask: {
        cpuMs: report.cpuMs / checked,
        dynamoRequests: dynamo.requests / checked,
        itemsRead: dynamo.itemsRead / checked,
        itemsWritten: dynamo.itemsWritten / checked,
      },
      ...(firstSweep ? { firstSweep } : {}),
    };
  } finally {
    await container.close();
  }
}
