// The benchmark: builds the functions as serverless.yml does, starts the local stand-ins, runs the
// scenarios in turn (each a timed step) and turns what they measured into figures beside their targets.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAll } from './build';
import { evaluate, type Scenarios } from './evaluate';
import type { Figure } from './figures';
import { type BacklogOptions, runBacklog } from './scenarios/backlog';
import { type CallbackOptions, runCallbackLatency } from './scenarios/callback';
import { type CapacityOptions, runCapacity } from './scenarios/capacity';
import { runColdStarts } from './scenarios/cold-start';
import { type CostOptions, runCostCounts } from './scenarios/cost';
import { type HistoryOptions, runHistory } from './scenarios/history';
import { type LatencyOptions, runLatency } from './scenarios/latency';
import { type ListingOptions, runListing } from './scenarios/listing';
import { startBenchStack } from './stack';

export type SizeName = 'default' | 'full' | 'tiny';

export interface BenchSize {
  /** Scenarios 1 and 2 at a raised limit: one sweep of open checks, one of completing checks. */
  raised: Omit<BacklogOptions, 'label' | 'kind'>;
  /** Scenario 1 at ZEGO's real limit: half the tasks complete. */
  real: Omit<BacklogOptions, 'label' | 'kind'>;
  history: HistoryOptions;
  latency: LatencyOptions;
  callback: CallbackOptions;
  capacity: CapacityOptions;
  listing: ListingOptions;
  cost: CostOptions;
  coldStartRuns: number;
}

// The full size (`--full`) is what the default was until it took 13 minutes: the capacity table up to
// 10,000 open recordings with triage on and off at each size, 100,000-item tables, 75 s of steady callbacks.
// The default keeps every figure with a target and fits about 6 minutes on the 2-core machine; docs/benchmark.md
// says what each cut costs.
// Concurrency at 200 req/s: a check holds a worker for ZEGO's 20 ms plus its writes and, when it
// completes, a publish: about 100 ms here, so ≥ 20 workers keep 200 requests a second going; 40 leaves
// room for the 2-core machine's hiccups. At 10 req/s the deployed default (5) is ample.
const FULL: BenchSize = {
  raised: { tasks: 2_000, warmupTasks: 1_000, rateLimit: 200, latencyMs: 20, concurrency: 40 },
  real: { tasks: 150, warmupTasks: 0, rateLimit: 10, latencyMs: 20, concurrency: 5 },
  history: { closed: 100_000, open: 100 },
  // The deployed proportions, compressed 15 times: a schedule period of two intervals (1 minute and 30 s),
  // and a backlog that takes the budget 1.7 intervals to go round (500 tasks at 10 req/s: 50 s). A higher
  // limit would make the function process, not the schedule, the bottleneck on a 2-core machine.
  latency: {
    tasks: 500,
    rateLimit: 150,
    latencyMs: 20,
    intervalSeconds: 2,
    schedulePeriodMs: 4_000,
    finishWindowMs: 12_000,
  },
  // Real time: 75 s of callbacks at 5 a second spans a run's stop time and the gap before the next run.
  callback: { perSecond: 5, steadyMs: 75_000, burst: 400, openRecordings: 100, lone: 4 },
  // Time compressed 10 times: 100 requests/s of each action, a 3 s interval, a 6 s schedule; 60
  // recordings complete over 3 real minutes after a minute's warm-up, in each of the six runs.
  capacity: { sizes: [300, 3_000, 10_000], compression: 10, completions: 60, completionWindowS: 180, latencyMs: 20 },
  listing: { rooms: 1_000, perRoom: 100, limit: 25 },
  cost: { open: 300, completed: 30, compression: 10 },
  coldStartRuns: 7,
};

export const SIZES: Record<SizeName, BenchSize> = {
  full: FULL,
  default: {
    ...FULL,
    // 20,000 items instead of 100,000: 200 closed tasks per open one still, and 8 s of seeding instead of 40.
    // The listing keeps its 100,000 (the closedSince page is measured amid them).
    history: { closed: 20_000, open: 100 },
    // Real time still: 20 s of steady callbacks, then the 400 at once that the callbacks' target names (40 s
    // of budget), and the idle phase needs no second run; the between-runs figure is the full size's.
    callback: { perSecond: 5, steadyMs: 20_000, burst: 400, openRecordings: 100, lone: 2 },
    // 300 and 3,000 open with triage on, 3,000 also with triage off: at 3,000 the status budget takes the
    // backoff cap (300 s) to go round, so triage off is budget-bound there, as at 10,000 (--full), and the
    // off ÷ on ratio measures triage, not the cap. 60 recordings complete over 2 real minutes.
    capacity: {
      sizes: [300, 3_000],
      offSizes: [3_000],
      compression: 10,
      completions: 60,
      completionWindowS: 120,
      latencyMs: 20,
    },
  },
  tiny: {
    raised: { tasks: 60, warmupTasks: 20, rateLimit: 40, latencyMs: 20, concurrency: 10 },
    real: { tasks: 12, warmupTasks: 0, rateLimit: 10, latencyMs: 20, concurrency: 5 },
    history: { closed: 500, open: 10 },
    latency: {
      tasks: 20,
      rateLimit: 40,
      latencyMs: 20,
      intervalSeconds: 1,
      schedulePeriodMs: 2_000,
      finishWindowMs: 1_500,
    },
    // No recordings in progress: the idle phase would wait a deployed 30 s check interval for them to end.
    callback: { perSecond: 5, steadyMs: 4_000, burst: 20, openRecordings: 0, lone: 1 },
    capacity: { sizes: [40], compression: 30, completions: 6, completionWindowS: 30, latencyMs: 20 },
    listing: { rooms: 10, perRoom: 30, limit: 10 },
    cost: { open: 30, completed: 5, compression: 10 },
    coldStartRuns: 1,
  },
};

export interface BenchResults {
  size: SizeName;
  startedAt: string;
  durationSeconds: number;
  /** Each step's wall time, in the order they ran: where a run's time goes. */
  steps: { label: string; seconds: number }[];
  figures: Figure[];
  scenarios: Scenarios;
}

export async function runBench(options: { size: SizeName; progress?: (line: string) => void }): Promise<BenchResults> {
  const size = SIZES[options.size];
  const progress = options.progress ?? (() => undefined);
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const steps: BenchResults['steps'] = [];
  const step = async <T>(label: string, run: () => Promise<T>): Promise<T> => {
    const at = performance.now();
    progress(`${label}…`);
    const result = await run();
    const seconds = (performance.now() - at) / 1000;
    steps.push({ label, seconds: Math.round(seconds * 10) / 10 });
    progress(`${label}: ${seconds.toFixed(1)} s`);
    return result;
  };
  const dir = await mkdtemp(join(tmpdir(), 'recwatch-bench-'));
  const stack = await startBenchStack();
  try {
    const builds = await step('building the functions as serverless.yml does', () => buildAll(dir));
    // Cold starts first, on a quiet machine; the 100,000-item table last, so that its memory weighs on nothing else.
    const coldStart = await step(`${builds.functions.length} cold starts, ${size.coldStartRuns} runs each`, () =>
      runColdStarts(stack, builds, size.coldStartRuns),
    );
    const raisedOpen = await step(`1-2 ${size.raised.tasks} open checks at ${size.raised.rateLimit} req/s`, () =>
      runBacklog(stack, builds, { ...size.raised, label: 'open', kind: 'open' }),
    );
    const raisedCompleting = await step(
      `1-2 ${size.raised.tasks} completing checks at ${size.raised.rateLimit} req/s`,
      () => runBacklog(stack, builds, { ...size.raised, label: 'completing', kind: 'completing' }),
    );
    const real = await step(`1 ${size.real.tasks} checks at ${size.real.rateLimit} req/s`, () =>
      runBacklog(stack, builds, { ...size.real, label: 'real', kind: 'mixed' }),
    );
    const latency = await step(`4 ${size.latency.tasks} recordings finishing while the sweep runs`, () =>
      runLatency(stack, builds, size.latency),
    );
    const callback = await step(
      `6 callbacks at ${size.callback.perSecond}/s for ${size.callback.steadyMs / 1000} s, then ${size.callback.burst} at once`,
      () => runCallbackLatency(stack, builds, size.callback),
    );
    const offSizes = size.capacity.offSizes ?? size.capacity.sizes;
    const capacity = await step(
      `7 capacity: ${size.capacity.sizes.join(', ')} open recordings, triage on; ${offSizes.join(', ')} also triage off`,
      () => runCapacity(stack, builds, size.capacity),
    );
    const listing = await step(
      `8 a listing page amid ${(size.listing.rooms * size.listing.perRoom).toLocaleString('en-US')} tasks in ${size.listing.rooms} rooms`,
      () => runListing(stack, builds, size.listing),
    );
    const cost = await step(
      `9 cost counts: an idle run, ${size.cost.open} in progress, ${size.cost.completed} completed`,
      () => runCostCounts(stack, builds, size.cost),
    );
    const history = await step(`3 ${size.history.open} open tasks amid ${size.history.closed} closed`, () =>
      runHistory(stack, builds, size.history),
    );
    const scenarios = {
      raisedOpen,
      raisedCompleting,
      real,
      history,
      latency,
      callback,
      capacity,
      listing,
      cost,
      coldStart,
    };
    return {
      size: options.size,
      startedAt,
      durationSeconds: (performance.now() - started) / 1000,
      steps,
      figures: evaluate(scenarios),
      scenarios,
    };
  } finally {
    await stack.close();
    await rm(dir, { recursive: true, force: true });
  }
}
