// Scenario 6: how long after ZEGO sends an upload-finished callback its outcome is published. Each signed
// callback goes over real HTTP on loopback to the local API server (the stand-in for API Gateway, in the
// bench's process), which hands its REST event to functions/callback.ts, bundled as deployed and running in
// a warm function process of its own; the time runs from the send to the moment the SNS endpoint accepts the
// event (which the function publishes before it answers). Most tasks are tracked already; some are not, and
// their callback tracks them first. The callbacks go one after another, as one warm container takes them.
import { performance } from 'node:perf_hooks';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { startApiServer } from '../../infra/local/api-server';
import {
  callbackFile,
  sendZegoCallback,
  uploadFinishedDetail,
  zegoCallbackBody,
} from '../../infra/local/zego-callback';
import type { OutcomeEvent } from '../../lib/events/outcome-event';
import type { Builds } from '../build';
import { startContainer } from '../container';
import { APP_ID, type BenchStack, CALLBACK_SECRET, openTask } from '../stack';

export interface CallbackOptions {
  /** Measured callbacks, one per task. */
  callbacks: number;
  /** Every n-th task is not tracked before its callback. */
  untrackedEvery: number;
  /** Every n-th task has a file that failed to upload (recording.failed). */
  failedEvery: number;
  /** Callbacks sent first and not measured: the process's first requests open its connections and compile its code. */
  warmup: number;
}

interface Quantiles {
  count: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

export interface CallbackResult extends CallbackOptions {
  /** Send → the SNS endpoint accepts the event, over every measured callback. */
  latency: Quantiles;
  /** The same, for the tasks that were not tracked before their callback. */
  untracked: Quantiles;
  /** Send → the 200 answer is read. */
  answer: Quantiles;
  /** Measured callbacks whose event arrived; and of them, events whose recording says closedBy callback. */
  published: number;
  closedByCallback: number;
  /** Answers, warm-up included, by status. */
  statuses: Record<string, number>;
  /** CPU of the function process per measured callback. */
  cpuMsPerCallback: number;
}

const INVOKE_BUDGET_MS = 10_000; // serverless.yml: the callback function's timeout

export async function runCallbackLatency(
  stack: BenchStack,
  builds: Builds,
  options: CallbackOptions,
): Promise<CallbackResult> {
  const { callbacks, untrackedEvery, failedEvery, warmup } = options;
  const table = await stack.newTable();
  const ids = Array.from({ length: warmup + callbacks }, (_, i) =>
    i % untrackedEvery === untrackedEvery - 1 ? `cb-untracked-${i}` : `cb-tracked-${i}`,
  );
  // Tracked, and not due for an hour: no sweep runs here, and the callback alone decides them.
  await stack.seed(
    table,
    ids.filter((id) => id.startsWith('cb-tracked-')).map((id) => openTask(id, Date.now() + 3_600_000)),
  );

  const fn = builds.functions.find((f) => f.name === 'callback')!;
  const container = await startContainer(builds.runtime, fn.path, stack.env(table));
  let cpuMs = 0;
  let measuring = false;
  const api = await startApiServer({ host: '127.0.0.1', port: 0 });
  const unused = (): Promise<APIGatewayProxyResult> => Promise.reject(new Error('not part of this scenario'));
  api.use({
    track: unused,
    lookup: unused,
    list: unused,
    untrack: unused,
    callback: async (event) => {
      const report = await container.invoke(event, INVOKE_BUDGET_MS);
      if (measuring) cpuMs += report.cpuMs;
      if (report.error !== undefined) throw new Error(`callback: the function failed: ${report.error}`);
      return report.result as APIGatewayProxyResult;
    },
  });
  const url = `${api.url}/callbacks/zego`;

  const arrivedAt = new Map<string, { at: number; closedBy?: string }>();
  const unhook = stack.sns.onPublish((message) => {
    const event = JSON.parse(String(message.parsedMessage?.default ?? message.message)) as OutcomeEvent;
    const closedBy = event.recording.closedBy;
    if (!arrivedAt.has(event.recording.taskId))
      arrivedAt.set(event.recording.taskId, { at: performance.now(), ...(closedBy ? { closedBy } : {}) });
  });

  const sentAt = new Map<string, number>();
  const answeredIn: number[] = [];
  const statuses: Record<string, number> = {};
  try {
    for (const [i, taskId] of ids.entries()) {
      measuring = i >= warmup;
      const files = [
        callbackFile({ status: 3, file_id: `${taskId}_0.mp4` }),
        callbackFile({ status: i % failedEvery === failedEvery - 1 ? 5 : 3, file_id: `${taskId}_1.mp4` }),
      ];
      const body = zegoCallbackBody({
        appId: APP_ID,
        callbackSecret: CALLBACK_SECRET,
        taskId,
        roomId: `room-${taskId}`,
        eventType: 1,
        detail: uploadFinishedDetail(files),
      });
      const started = performance.now();
      const answer = await sendZegoCallback(url, body, { timeoutMs: INVOKE_BUDGET_MS });
      const answered = performance.now();
      statuses[answer.statusCode] = (statuses[answer.statusCode] ?? 0) + 1;
      if (!measuring) continue;
      sentAt.set(taskId, started);
      answeredIn.push(answered - started);
    }
  } finally {
    unhook();
    await api.close();
    await container.close();
  }

  const measured = [...sentAt.keys()];
  const latencyOf = (taskId: string): number | undefined => {
    const arrival = arrivedAt.get(taskId);
    return arrival === undefined ? undefined : arrival.at - sentAt.get(taskId)!;
  };
  const latencies = measured.map(latencyOf).filter((ms) => ms !== undefined);
  return {
    ...options,
    latency: quantiles(latencies),
    untracked: quantiles(
      measured
        .filter((id) => id.startsWith('cb-untracked-'))
        .map(latencyOf)
        .filter((ms) => ms !== undefined),
    ),
    answer: quantiles(answeredIn),
    published: latencies.length,
    closedByCallback: measured.filter((id) => arrivedAt.get(id)?.closedBy === 'callback').length,
    statuses,
    cpuMsPerCallback: cpuMs / Math.max(1, measured.length),
  };
}

function quantiles(values: number[]): Quantiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
  return { count: sorted.length, p50Ms: at(0.5), p95Ms: at(0.95), maxMs: sorted.at(-1) ?? Number.NaN };
}
