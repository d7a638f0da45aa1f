import { stopReserveMs } from '../../lib/sweep/run-inputs';
import type { SweepSummary } from '../../lib/sweep/summary';
import type { Builds } from '../build';
import { runOnSchedule } from '../schedule';
import { type BenchStack, finished, firstPublishTimes, openTask, recording } from '../stack';

export interface CapacityOptions {
  /** Open recordings per run; each is run with triage on and with triage off. */
  sizes: number[];
  /** Time compression: the deployed figures ÷ this. */
  compression: number;
  /** Recordings that complete during the measurement, per run. */
  completions: number;
  /** The span (real-time equivalent) over which they complete, after one schedule period of warm-up. */
  completionWindowS: number;
  latencyMs: number;
}

export interface CapacityRun {
  open: number;
  triage: boolean;
  /** Real-time equivalents (× compression). */
  p50S: number;
  p95S: number;
  maxS: number;
  published: number;
  completions: number;
  /** DescribeRecordStatus requests over the run ÷ recordings completed. */
  statusRequestsPerCompletion: number;
  listRequests: number;
  passes: number;
  /** DynamoDB at the wire, ÷ passes. */
  itemsReadPerPass: number;
  itemsWrittenPerPass: number;
  requestsPerPass: number;
  maxInAnyWindow: number;
  maxListInAnyWindow: number;
  refusals: number;
  invocations: number;
  /** Measured (compressed) seconds the run took. */
  wallS: number;
}

export interface CapacityResult extends CapacityOptions {
  /** The deployed settings the compressed ones stand for. */
  deployed: {
    rateLimit: number;
    listRateLimit: number;
    intervalS: number;
    intervalMaxS: number;
    schedulePeriodS: number;
    timeoutS: number;
    zegoTimeoutMs: number;
  };
  runs: CapacityRun[];
}

// serverless.yml and lib/config.ts: what the compressed run stands for.
const DEPLOYED = {
  rateLimit: 10,
  listRateLimit: 10,
  intervalS: 30,
  intervalMaxS: 300,
  schedulePeriodS: 60,
  timeoutS: 60,
  zegoTimeoutMs: 5_000,
};

export async function runCapacity(
  stack: BenchStack,
  builds: Builds,
  options: CapacityOptions,
): Promise<CapacityResult> {
  const runs: CapacityRun[] = [];
  for (const open of options.sizes)
    for (const triage of [true, false]) runs.push(await runOne(stack, builds, options, open, triage));
  return { ...options, deployed: DEPLOYED, runs };
}

async function runOne(
  stack: BenchStack,
  builds: Builds,
  options: CapacityOptions,
  open: number,
  triage: boolean,
): Promise<CapacityRun> {
  const k = options.compression;
  const rateLimit = DEPLOYED.rateLimit * k;
  const listRateLimit = DEPLOYED.listRateLimit * k;
  const intervalMs = (DEPLOYED.intervalS * 1000) / k;
  const intervalMaxMs = (DEPLOYED.intervalMaxS * 1000) / k;
  const schedulePeriodMs = (DEPLOYED.schedulePeriodS * 1000) / k;
  const zegoTimeoutMs = Math.round(DEPLOYED.zegoTimeoutMs / k);
  // A deployed run works for its timeout less the stop reserve; compressed, it works that ÷ K, and keeps the
  // (compressed) reserve on top so that it still returns in time.
  const workMs = (DEPLOYED.timeoutS * 1000 - stopReserveMs(DEPLOYED.zegoTimeoutMs)) / k;
  const remainingMs = workMs + stopReserveMs(zegoTimeoutMs);

  const table = await stack.newTable();
  const zego = await stack.startZego({ rateLimit, listRateLimit, latencyMs: options.latencyMs });
  const now = Date.now();
  const beganAt = now - 3_600_000;
  const ids = Array.from({ length: open }, (_, i) => `cap-${open}-${triage ? 'on' : 'off'}-${i}`);
  const completions = Math.min(options.completions, open);
  const warmupMs = schedulePeriodMs;
  const windowMs = (options.completionWindowS * 1000) / k;
  // Every (open ÷ completions)-th recording completes (ends, its files in storage) at a random moment of
  // the window; the others record on.
  const completing = new Map<string, number>();
  const step = open / completions;
  for (let n = 0; n < completions; n++) completing.set(ids[Math.floor(n * step)]!, warmupMs + Math.random() * windowMs);
  zego.setTasks(ids.filter((id) => !completing.has(id)).map((id) => [id, recording(id, beganAt)] as const));
  const scriptedAt = Date.now();
  for (const [id, afterMs] of completing) {
    zego.setScript(id, [
      { afterMs: 0, data: recording(id, beganAt) },
      { afterMs, data: finished(id, beganAt, scriptedAt + afterMs) },
    ]);
    completing.set(id, scriptedAt + afterMs); // from here on: the epoch ms of its completion
  }
  // The budget goes round every open ÷ rate seconds when it cannot keep up with the backoff cap.
  const spreadMs = Math.max(intervalMaxMs, (open / rateLimit) * 1000);
  await stack.seed(
    table,
    ids.map((id) => {
      const task = { ...openTask(id, now), zegoStatus: 2, recordBeginTimestamp: beganAt };
      return triage
        ? { ...task, dueAt: now - Math.random() * intervalMs }
        : {
            ...task,
            checks: 10,
            quietChecks: 10,
            lastCheckedAt: now - intervalMaxMs,
            dueAt: now + Math.random() * spreadMs,
          };
    }),
  );

  const { publishedAt, unhook } = firstPublishTimes(stack.sns);
  const env = {
    ZEGO_RATE_LIMIT: String(rateLimit),
    ZEGO_DESCRIBE_TASKS_RATE_LIMIT: String(listRateLimit),
    SWEEP_TRIAGE: triage ? 'on' : 'off',
    SWEEP_KEEP_CHECKING: 'on',
    SWEEP_CONCURRENCY: '10',
    ZEGO_TIMEOUT_MS: String(zegoTimeoutMs),
    CHECK_INTERVAL_SECONDS: String(intervalMs / 1000),
    CHECK_INTERVAL_MAX_SECONDS: String(intervalMaxMs / 1000),
  };
  const container = await stack.start(builds, 'sweep', { table, zego, env });
  zego.resetStats();
  stack.meter.reset();
  const startedAt = Date.now();
  let summaries: SweepSummary[];
  try {
    ({ summaries } = await runOnSchedule({
      container,
      periodMs: schedulePeriodMs,
      remainingMs,
      startedAt,
      hardStop: now + warmupMs + windowMs + 1.5 * spreadMs + 4 * schedulePeriodMs,
      done: () => publishedAt.size >= completions,
      label: 'capacity',
    }));
  } finally {
    unhook();
    await container.close();
  }
  const wallS = (Date.now() - startedAt) / 1000;
  const latencies = [...completing]
    .filter(([id]) => publishedAt.has(id))
    .map(([id, at]) => ((publishedAt.get(id)! - at) * k) / 1000)
    .sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] ?? Number.NaN;
  const stats = zego.stats();
  const dynamo = stack.meter.tally();
  const passes = Math.max(
    1,
    summaries.reduce((n, s) => n + s.passes, 0),
  );
  await zego.close();
  return {
    open,
    triage,
    p50S: at(0.5),
    p95S: at(0.95),
    maxS: latencies.at(-1) ?? Number.NaN,
    published: latencies.length,
    completions,
    statusRequestsPerCompletion: stats.requests / Math.max(1, latencies.length),
    listRequests: stats.listRequests,
    passes,
    itemsReadPerPass: dynamo.itemsRead / passes,
    itemsWrittenPerPass: dynamo.itemsWritten / passes,
    requestsPerPass: dynamo.requests / passes,
    maxInAnyWindow: stats.maxInAnyWindow,
    maxListInAnyWindow: stats.maxListInAnyWindow,
    refusals: stats.refusals + stats.listRefusals,
    invocations: summaries.length,
    wallS,
  };
}
