// One budget: ZEGO's limits are per AppId, and every process that asks ZEGO counts against them together.
// Only the sweep asks ZEGO; callbacks are hints it serves. Here callbacks for 200 recordings arrive within
// 2 s while one sweep process is running and stopping, and the run they start (a second process, through the
// local Lambda endpoint at the wire) takes over: the simulator, which counts arrivals in every rolling second
// of each action, sees the limits held with no refusal, and every recording is announced once.
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { zegoFile } from '../../infra/local/zego-simulator';
import type { ApiHandler } from '../../lib/http/http-handler';
import type { SweepSummary } from '../../lib/sweep/summary';
import type { OutcomeEvent } from '../../lib/task/outcome-event';
import { postCallback, signedCallback } from '../support/callbacks';
import { type LocalStack, SWEEP_FUNCTION, sleep, startLocalStack } from '../support/local-stack';
import { runSweepInProcess } from '../support/sweep-process';

const RATE = 20;
let stack: LocalStack;
let callback: ApiHandler;

beforeAll(async () => {
  stack = await startLocalStack({ rateLimit: RATE, describeTasksRateLimit: RATE });
  Object.assign(process.env, stack.sweepEnv());
  vi.resetModules();
  callback = (await import('../../functions/callback')).handler;
});
afterAll(async () => {
  await stack.close();
});

it('holds both actions’ limits in every rolling second, with no refusal, and announces each recording once', async () => {
  // Prepare: 200 recordings that have ended, tracked, each next due in an hour: only their callbacks bring them forward.
  const ids = Array.from({ length: 200 }, (_, i) => `limits-${i}`);
  const begin = Date.now() - 600_000;
  stack.zego.setTasks(
    ids.map(
      (id) =>
        [
          id,
          {
            Status: 3,
            RoomId: `room-${id}`,
            RecordBeginTimestamp: begin,
            RecordEndTimestamp: Date.now() - 1_000,
            RecordFiles: [zegoFile({ status: 3, FileId: `${id}.mp4` })],
          },
        ] as const,
    ),
  );
  for (const id of ids) await stack.track(id, { dueAt: Date.now() + 3_600_000, recordBeginTimestamp: begin });
  const env = {
    ...process.env,
    ...stack.sweepEnv({
      ZEGO_RATE_LIMIT: String(RATE),
      ZEGO_DESCRIBE_TASKS_RATE_LIMIT: String(RATE),
      SWEEP_TRIAGE: 'on',
      SWEEP_KEEP_CHECKING: 'on',
      CHECK_INTERVAL_SECONDS: '30',
      CHECK_INTERVAL_MAX_SECONDS: '300',
    }),
  };
  // The run a callback starts is a second process, as a second Lambda container would be.
  const started: Promise<SweepSummary>[] = [];
  stack.lambda.define(SWEEP_FUNCTION, async (event) => {
    const run = runSweepInProcess(env, 20_000, event);
    started.push(run);
    return run;
  });
  stack.zego.resetStats();

  // Act: a scheduled run that stops taking work about 5 s in, and 200 callbacks from 3.5 s to 5.5 s.
  const scheduled = runSweepInProcess(env, 8_000);
  await sleep(3_500);
  const sending = ids.map(async (taskId, i) => {
    await sleep((i / ids.length) * 2_000);
    return postCallback(callback, signedCallback({ taskId, eventType: 1 }));
  });
  const answers = await Promise.all(sending);
  const first = await scheduled;
  await stack.lambda.settled();
  const others = await Promise.all(started);

  // Assess
  expect(answers.every((a) => a.statusCode === 200)).toBe(true);
  expect(others.length).toBeGreaterThanOrEqual(1); // a run was started for the hints that came while the first stopped
  const worked = [first, ...others].filter((s) => s.skipped === undefined);
  expect(worked.length).toBeGreaterThanOrEqual(2);
  const stats = stack.zego.stats();
  expect(stats.refusals).toBe(0);
  expect(stats.listRefusals).toBe(0);
  expect(stats.maxInAnyWindow).toBeLessThanOrEqual(RATE);
  expect(stats.maxListInAnyWindow).toBeLessThanOrEqual(RATE);
  const announced = stack.sns
    .published()
    .map((p) => (JSON.parse(p.parsedMessage!.default as string) as OutcomeEvent).recording.taskId);
  expect(announced.sort()).toEqual([...ids].sort());
  expect(new Set(announced).size).toBe(announced.length);
}, 60_000);
