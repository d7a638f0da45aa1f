import { DUE_INDEX } from '../../lib/store/task-item';
import { stopReserveMs } from '../../lib/sweep/run-inputs';
import type { SweepSummary } from '../../lib/sweep/summary';
import type { Builds } from '../build';
import type { InvokeReport } from '../lambda-runtime';
import { runOnSchedule } from '../schedule';
import { type BenchStack, finished, firstPublishTimes, openTask, recording } from '../stack';

export interface CapacityOptions {
  /** Open recordings per run; each is run with triage on (and with triage off: see offSizes). */
  sizes: number[];
  /** The sizes also run with triage off (all of them unless given). */
  offSizes?: number[];
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
  /**
   * A pass's own cost, measured (not compressed: milliseconds are milliseconds here and deployed), each
   * the run's total ÷ its passes: the function process's CPU (the run's fixed work, lease, hint-feed looks
   * and summary, included), the time DynamoDB (dynalite) took to answer the pass's reads of the due index
   * (its 100-item pages, one after another), and their sum: the wall time a pass spends in its own work if
   * none of it overlapped. Beside it, what a pass spends of ZEGO's listing budget (DescribeTasks ÷ limit).
   */
  passCost: PassCost;
  /** p95 in real-time equivalents, with each pass's own cost counted once instead of × compression (the model). */
  p95ModelS: number;
}

export interface PassCost {
  cpuMs: number;
  /** The due index's pages (Query, limit 100): requests and time a pass. */
  duePages: number;
  dueReadMs: number;
  /** cpuMs + dueReadMs. */
  ownMs: number;
  /** Every DynamoDB request's time, summed, ÷ passes (the checks' writes included; they overlap). */
  dynamoMs: number;
  dynamoRequests: number;
  itemsRead: number;
  itemsWritten: number;
  listRequests: number;
  /** Compressed ms of the listing budget a pass spends (listRequests ÷ the compressed limit); × compression deployed. */
  listBudgetMs: number;
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
  const offSizes = options.offSizes ?? options.sizes;
  for (const open of options.sizes)
    for (const triage of [true, false])
      if (triage || offSizes.includes(open)) runs.push(await runOne(stack, builds, options, open, triage));
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
  let reports: InvokeReport[];
  try {
    ({ summaries, reports } = await runOnSchedule({
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
  const p95S = at(0.95);
  const cpuMs = reports.reduce((n, r) => n + r.cpuMs, 0) / passes;
  const dueReads = dynamo.queries[`${DUE_INDEX} limit 100`] ?? { requests: 0, busyMs: 0 };
  const passCost: PassCost = {
    cpuMs,
    duePages: dueReads.requests / passes,
    dueReadMs: dueReads.busyMs / passes,
    ownMs: cpuMs + dueReads.busyMs / passes,
    dynamoMs: dynamo.busyMs / passes,
    dynamoRequests: dynamo.requests / passes,
    itemsRead: dynamo.itemsRead / passes,
    itemsWritten: dynamo.itemsWritten / passes,
    listRequests: stats.listRequests / passes,
    listBudgetMs: ((stats.listRequests / passes) * 1000) / listRateLimit,
  };
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
    passCost,
    p95ModelS: p95Model(p95S, passCost, k, intervalMs),
  };
}

/**
 * The model the capacity figure rests on. A completion waits for the next pass to start, then for that
 * pass, then for one status request and its writes and publish. A pass's listing (ZEGO's DescribeTasks
 * budget, compressed with the rest) and its own work (reading the due tasks, planning: DynamoDB and CPU,
 * which the compression does not shrink) go on side by side, so a pass takes D = max(listing, own); passes
 * start an interval apart, or back to back once D exceeds the interval, and then the wait for the next one
 * stretches by D − interval. Reported × k, the measured latency counts k·D and k·max(0, D − interval);
 * deployed, they are max(k·listing, own) and max(0, that − k·interval). The p95 less the difference is the
 * model's estimate of what a deployed stack would see. An estimate, not a bound: the CPU a pass is charged
 * includes the run's fixed work (lease, hint-feed looks, summary), and Lambda's 256 MB share of a vCPU runs
 * CPU-bound work several times slower than this machine does.
 */
export function p95Model(p95S: number, cost: PassCost, k: number, intervalMs: number): number {
  const measured = Math.max(cost.listBudgetMs, cost.ownMs);
  const deployed = Math.max(k * cost.listBudgetMs, cost.ownMs);
  const stretch = (d: number, interval: number) => Math.max(0, d - interval);
  const over = k * measured - deployed + (k * stretch(measured, intervalMs) - stretch(deployed, k * intervalMs));
  return p95S - over / 1000;
}
