// Scenario 6: how long after ZEGO sends a callback its outcome is published, now that a callback is a hint:
// the time runs from the send, over real HTTP on loopback to the local API server and the bundled callback
// function, through the sweep's hint lane and its DescribeRecordStatus request to the simulator (at ZEGO's
// real 10 requests a second), to the moment the SNS endpoint accepts the event. Real time, as deployed: a
// scheduled sweep every minute with the deployed 60 s budget, 5 s ZEGO timeout and 30 s interval, the bundled
// functions in warm processes of their own, and the callback starting a sweep (through the local Lambda
// endpoint) when no run is taking work. Recordings in progress are polled meanwhile (triage), so runs keep
// checking until their stop time and the 12 s gap between two runs is real.
//   steady: `perSecond` callbacks a second for `steadyMs`, each for a recording that has just ended;
//   burst:  `burst` callbacks at once, above the budget, while a run is going;
//   idle:   then, with nothing open, `lone` callbacks 8 s apart for recordings nobody tracked: each finds no run
//           taking work and starts one (a warm container here; a cold start on Lambda adds its own).
import { performance } from 'node:perf_hooks';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { startApiServer } from '../../infra/local/api-server';
import { startLambdaEndpoint } from '../../infra/local/lambda-endpoint';
import { sendZegoCallback, zegoCallbackBody } from '../../infra/local/zego-callback';
import { createDynamoSweepLease } from '../../lib/store/dynamodb-sweep-lease';
import type { SweepSummary } from '../../lib/sweep/summary';
import type { Builds } from '../build';
import { type Container, startFunction } from '../container';
import { APP_ID, type BenchStack, CALLBACK_SECRET, finished, firstPublishTimes, openTask, recording } from '../stack';

export interface CallbackOptions {
  /** Callbacks a second in the steady phase (within the status budget of 10 a second). */
  perSecond: number;
  steadyMs: number;
  /** Callbacks sent at once after it. */
  burst: number;
  /** Recordings in progress meanwhile, which the sweep keeps watching with triage. */
  openRecordings: number;

  /** Callbacks into an idle stack, at the end. */
  lone: number;
}

export interface Quantiles {
  count: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

export interface CallbackResult extends CallbackOptions {
  /** Send → event at SNS, for the steady callbacks sent while a run held the lease and was taking work. */
  whileRunning: Quantiles;
  /** The same over every steady callback, those that landed between runs included. */
  all: Quantiles;
  /** Those that landed between runs (no run taking work): each starts one, or the one just started takes it. */
  betweenRuns: Quantiles;
  /** The burst's callbacks, sent at once. */
  burstLatency: Quantiles;
  /** Callbacks into an idle stack (nothing open, no run): each starts a run. */
  idleLatency: Quantiles;
  /** Send → the 200 answer is read, over the steady callbacks. */
  answer: Quantiles;
  /** Sweep invocations: by the schedule, and by callbacks that found no run taking work. */
  scheduledRuns: number;
  startedRuns: number;
  /** Steady and burst callbacks whose event arrived. */
  published: number;
  statuses: Record<string, number>;
  rateRefusals: number;
  maxInAnyWindow: number;
}

const RATE_LIMIT = 10; // ZEGO's
const FUNCTION_TIMEOUT_MS = 60_000; // serverless.yml: the sweep's timeout
const CALLBACK_TIMEOUT_MS = 10_000;
const SCHEDULE_PERIOD_MS = 60_000;

/** Lambda gives concurrent invocations containers of their own: a warm one if one is idle, else a new one. */
function sweepFleet(start: () => Promise<Container>) {
  const idle: Container[] = [];
  const all: Container[] = [];
  return {
    async invoke(event: unknown): Promise<SweepSummary> {
      let container = idle.pop();
      if (container === undefined) {
        container = await start();
        all.push(container);
      }
      try {
        const report = await container.invoke(event, FUNCTION_TIMEOUT_MS);
        if (report.error !== undefined) throw new Error(`scenario 6: a sweep failed: ${report.error}`);
        return report.result as SweepSummary;
      } finally {
        idle.push(container);
      }
    },
    async warm(n: number) {
      for (let i = 0; i < n; i++) {
        const container = await start();
        all.push(container);
        idle.push(container);
      }
    },
    close: () => Promise.all(all.map((c) => c.close())),
  };
}

export async function runCallbackLatency(
  stack: BenchStack,
  builds: Builds,
  options: CallbackOptions,
): Promise<CallbackResult> {
  const { perSecond, steadyMs, burst, openRecordings } = options;
  const table = await stack.newTable();
  const zego = await stack.startZego({ rateLimit: RATE_LIMIT, latencyMs: 20, listRateLimit: RATE_LIMIT });
  const now = Date.now();
  const beganAt = now - 600_000;
  const steadyIds = Array.from({ length: Math.round((perSecond * steadyMs) / 1000) }, (_, i) => `cb-steady-${i}`);
  const burstIds = Array.from({ length: burst }, (_, i) => `cb-burst-${i}`);
  const openIds = Array.from({ length: openRecordings }, (_, i) => `cb-open-${i}`);
  const loneIds = Array.from({ length: options.lone }, (_, i) => `cb-lone-${i}`);
  zego.setTasks([...steadyIds, ...burstIds, ...openIds, ...loneIds].map((id) => [id, recording(id, beganAt)] as const));
  // The callbacks' recordings are tracked and backed off (next check in an hour): only a hint brings them forward.
  await stack.seed(table, [
    ...[...steadyIds, ...burstIds].map((id) => ({ ...openTask(id, now + 3_600_000), recordBeginTimestamp: beganAt })),
    ...openIds.map((id) => ({ ...openTask(id, now), recordBeginTimestamp: beganAt })),
  ]);

  const lambda = await startLambdaEndpoint();
  const env = stack.env(table, zego, {
    SWEEP_TRIAGE: 'on',
    SWEEP_KEEP_CHECKING: 'on',
    ZEGO_RATE_LIMIT: String(RATE_LIMIT),
    ZEGO_DESCRIBE_TASKS_RATE_LIMIT: String(RATE_LIMIT),
    AWS_ENDPOINT_URL_LAMBDA: lambda.url,
    SWEEP_FUNCTION_NAME: 'recwatch-bench-sweep',
  });
  const fleet = sweepFleet(() => startFunction(builds, 'sweep', env));
  await fleet.warm(2);
  let startedRuns = 0;
  lambda.define('recwatch-bench-sweep', async (event) => {
    startedRuns++;
    return fleet.invoke(event);
  });
  // API Gateway spreads callbacks over as many containers as it needs; four warm ones here, in turn.
  const callbackContainers = await Promise.all(Array.from({ length: 4 }, () => startFunction(builds, 'callback', env)));
  let turn = 0;
  const api = await startApiServer({ host: '127.0.0.1', port: 0 });
  const unused = (): Promise<APIGatewayProxyResult> => Promise.reject(new Error('not part of this scenario'));
  api.use({
    track: unused,
    lookup: unused,
    list: unused,
    untrack: unused,
    callback: async (event) => {
      const report = await callbackContainers[turn++ % callbackContainers.length]!.invoke(event, CALLBACK_TIMEOUT_MS);
      if (report.error !== undefined) throw new Error(`scenario 6: the callback function failed: ${report.error}`);
      return report.result as APIGatewayProxyResult;
    },
  });
  const url = `${api.url}/callbacks/zego`;
  const lease = createDynamoSweepLease({ client: stack.dynamo.doc, table });
  const { publishedAt, unhook } = firstPublishTimes(stack.sns);
  const sentAt = new Map<string, number>();
  const whileRunning = new Set<string>();
  const answeredIn: number[] = [];
  const statuses: Record<string, number> = {};

  /**
   * The recording has just ended (ZEGO knows it: its files are uploaded); ZEGO sends its upload-finished
   * callback. `at`: when ZEGO sent it, for the latency (a burst counts from its start, however long this
   * process takes to put every request on the wire).
   */
  const send = async (taskId: string, at = Date.now()): Promise<void> => {
    zego.setTask(taskId, finished(taskId, beganAt, Date.now() - 1_000));
    const holder = await lease.state();
    if (holder.stopsAt !== undefined && holder.stopsAt > Date.now()) whileRunning.add(taskId);
    const started = performance.now();
    sentAt.set(taskId, at);
    const body = zegoCallbackBody({ appId: APP_ID, callbackSecret: CALLBACK_SECRET, taskId, eventType: 1 });
    let status = 'no answer';
    try {
      status = String((await sendZegoCallback(url, body, { timeoutMs: CALLBACK_TIMEOUT_MS })).statusCode);
    } catch (error) {
      status = (error as { code?: string }).code ?? 'error';
    }
    answeredIn.push(performance.now() - started);
    statuses[status] = (statuses[status] ?? 0) + 1;
  };

  let scheduledRuns = 0;
  let stopping = false;
  const schedule = (async () => {
    for (let tick = 0; !stopping; tick++) {
      scheduledRuns++;
      fleet.invoke({}).catch(() => undefined);
      const next = now + (tick + 1) * SCHEDULE_PERIOD_MS;
      while (!stopping && Date.now() < next) await sleep(Math.min(500, next - Date.now()));
    }
  })();

  try {
    // Steady: `perSecond` callbacks a second, whatever the runs do.
    await sleep(3_000); // the first run has taken the lease and made its first pass
    const steadyStart = Date.now();
    const sending: Promise<void>[] = [];
    for (const [i, taskId] of steadyIds.entries()) {
      await sleep(steadyStart + (i * 1000) / perSecond - Date.now());
      sending.push(send(taskId));
    }
    await Promise.all(sending);
    await waitFor(() => steadyIds.every((id) => publishedAt.has(id)), 30_000);
    // Burst: all at once, while a run is taking work with time to go (the burst needs burst ÷ 10 s of budget).
    const needMs = Math.min(30_000, (burst / RATE_LIMIT) * 1000 + 5_000);
    await waitFor(async () => ((await lease.state()).stopsAt ?? 0) > Date.now() + needMs, 70_000);
    const burstAt = Date.now();
    let nextBurst = 0;
    // As fast as this process can send them: 32 on the wire at a time.
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (nextBurst < burstIds.length) await send(burstIds[nextBurst++]!, burstAt);
      }),
    );
    await waitFor(() => burstIds.every((id) => publishedAt.has(id)), 20_000 + (burst / RATE_LIMIT) * 1000 * 2);
    // Idle: the recordings in progress end and are announced; then nothing is open, and no run is taking work.
    for (const id of openIds) zego.setTask(id, finished(id, beganAt, Date.now() - 1_000));
    await waitFor(() => openIds.every((id) => publishedAt.has(id)), 60_000);
    await waitFor(async () => ((await lease.state()).stopsAt ?? 0) < Date.now(), 70_000);
    for (const [i, taskId] of loneIds.entries()) {
      if (i > 0) await sleep(8_000); // past the started run's 5 s of staying on
      await send(taskId);
      await waitFor(() => publishedAt.has(taskId), 20_000);
    }
  } finally {
    stopping = true;
    await schedule;
    unhook();
    await api.close();
    await Promise.all(callbackContainers.map((c) => c.close()));
    await lambda.close();
    // The runs still keep checking the open recordings: their containers go, as Lambda's would at the deadline.
    await fleet.close();
  }

  const latency = (ids: string[]): Quantiles =>
    quantiles(ids.flatMap((id) => (publishedAt.has(id) ? [publishedAt.get(id)! - sentAt.get(id)!] : [])));
  const stats = zego.stats();
  return {
    ...options,
    whileRunning: latency(steadyIds.filter((id) => whileRunning.has(id))),
    all: latency(steadyIds),
    betweenRuns: latency(steadyIds.filter((id) => !whileRunning.has(id))),
    burstLatency: latency(burstIds),
    idleLatency: latency(loneIds),
    answer: quantiles(answeredIn.slice(0, steadyIds.length)),
    scheduledRuns,
    startedRuns,
    published: [...steadyIds, ...burstIds, ...loneIds].filter((id) => publishedAt.has(id)).length,
    statuses,
    rateRefusals: stats.refusals,
    maxInAnyWindow: stats.maxInAnyWindow,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

async function waitFor(done: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await done()) && Date.now() < until) await sleep(100);
}

function quantiles(values: number[]): Quantiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
  return { count: sorted.length, p50Ms: at(0.5), p95Ms: at(0.95), maxMs: sorted.at(-1) ?? Number.NaN };
}
