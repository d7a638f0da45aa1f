import type { SweepSummary } from '../../lib/sweep/summary';
import type { Builds } from '../build';
import { runOnSchedule } from '../schedule';
import { type BenchStack, finished, firstPublishTimes, openTask, recording } from '../stack';

export interface LatencyOptions {
  tasks: number;
  rateLimit: number;
  latencyMs: number;
  intervalSeconds: number;
  /** How often the schedule invokes the sweep (deployed: 1 minute, twice the default interval). */
  schedulePeriodMs: number;
  /** Recordings finish at uniformly random times over this span, which starts once the first backlog is worked off. */
  finishWindowMs: number;
}

export interface LatencyResult extends LatencyOptions {
  boundMs: number;
  published: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  invocations: number;
  /** Schedule ticks that found the previous run still going (a second container would have found the lease held). */
  skippedTicks: number;
  rateRefusals: number;
  maxInAnyWindow: number;
}

const ZEGO_TIMEOUT_MS = 1_000;
/** The compressed Lambda timeout: each run stops taking work 2 × ZEGO_TIMEOUT_MS + 2 s before it. */
const RUN_TIMEOUT_MS = 10_000;

export async function runLatency(stack: BenchStack, builds: Builds, options: LatencyOptions): Promise<LatencyResult> {
  const { tasks, rateLimit, intervalSeconds, schedulePeriodMs, finishWindowMs } = options;
  const boundMs = intervalSeconds * 1000 + (tasks / rateLimit) * 1000;
  const table = await stack.newTable();
  const zego = await stack.startZego({ rateLimit, latencyMs: options.latencyMs });
  const ids = Array.from({ length: tasks }, (_, i) => `live-${i}`);
  const now = Date.now();
  // The first finish comes after every task has been checked once (the first backlog) and settled into its interval.
  const settleMs = 2 * boundMs;
  const finishesAt = new Map<string, number>();
  for (const id of ids) {
    const afterMs = settleMs + Math.random() * finishWindowMs;
    zego.setScript(id, [
      { afterMs: 0, data: recording(id, now - 60_000) },
      { afterMs, data: finished(id, now - 60_000, now + afterMs) },
    ]);
    finishesAt.set(id, now + afterMs);
  }
  await stack.seed(
    table,
    ids.map((id, i) => openTask(id, now - tasks + i)),
  );
  const { publishedAt, unhook } = firstPublishTimes(stack.sns);

  const env = {
    ZEGO_RATE_LIMIT: String(rateLimit),
    SWEEP_CONCURRENCY: String(Math.max(5, Math.ceil(rateLimit / 5))),
    ZEGO_TIMEOUT_MS: String(ZEGO_TIMEOUT_MS),
    CHECK_INTERVAL_SECONDS: String(intervalSeconds),
    CHECK_INTERVAL_MAX_SECONDS: String(intervalSeconds),
  };
  const container = await stack.start(builds, 'sweep', { table, zego, env });
  let summaries: SweepSummary[];
  let skippedTicks: number;
  try {
    ({ summaries, skippedTicks } = await runOnSchedule({
      container,
      periodMs: schedulePeriodMs,
      remainingMs: RUN_TIMEOUT_MS,
      startedAt: now,
      hardStop: now + settleMs + finishWindowMs + 4 * boundMs + 10_000,
      done: () => publishedAt.size >= tasks,
      label: 'latency',
    }));
  } finally {
    unhook();
    await container.close();
  }
  const latencies = ids
    .filter((id) => publishedAt.has(id))
    .map((id) => publishedAt.get(id)! - finishesAt.get(id)!)
    .sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] ?? Number.NaN;
  const stats = zego.stats();
  return {
    ...options,
    boundMs,
    published: latencies.length,
    p50Ms: at(0.5),
    p95Ms: at(0.95),
    maxMs: latencies.at(-1) ?? Number.NaN,
    invocations: summaries.length,
    skippedTicks,
    rateRefusals: stats.refusals + summaries.reduce((n, s) => n + s.rateRefusals, 0),
    maxInAnyWindow: stats.maxInAnyWindow,
  };
}
