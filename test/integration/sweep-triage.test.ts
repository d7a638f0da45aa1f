// Triage, runs that keep checking, and discovery: the real sweep handler against dynalite, the ZEGO
// simulator's DescribeTasks and DescribeRecordStatus over HTTP, and SNS at the wire.

import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type SimulatedTask, zegoFile } from '../../infra/local/zego-simulator';
import type { SweepSummary } from '../../lib/sweep/summary';
import type { OutcomeEvent } from '../../lib/task/outcome-event';
import { type LocalStack, lambdaContext, sleep, startLocalStack } from '../support/local-stack';
import { runSweepInProcess } from '../support/sweep-process';

let stack: LocalStack;
let batch = 0;

beforeAll(async () => {
  stack = await startLocalStack({ rateLimit: 200, describeTasksRateLimit: 50 });
});
afterAll(async () => {
  await stack.close();
});
beforeEach(() => {
  stack.sns.clear();
  stack.zego.resetStats();
});

type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<SweepSummary>;
async function sweepWith(overrides: Record<string, string> = {}): Promise<Handler> {
  Object.assign(
    process.env,
    stack.sweepEnv({
      SWEEP_TRIAGE: 'on',
      ZEGO_RATE_LIMIT: '50',
      ZEGO_DESCRIBE_TASKS_RATE_LIMIT: '50',
      SWEEP_CONCURRENCY: '8',
      DISCOVER_TASKS: 'off',
      ...overrides,
    }),
  );
  vi.resetModules();
  return (await import('../../functions/sweep')).handler;
}

const begin = () => Date.now() - 120_000;
const recording = (name: string, at = begin()): SimulatedTask => ({
  Status: 2,
  RoomId: `room-${name}`,
  RecordBeginTimestamp: at,
  RecordFiles: [zegoFile({ status: 1, FileId: `${name}.mp4` })],
});
const ended = (name: string, at = begin()): SimulatedTask => ({
  Status: 3,
  RoomId: `room-${name}`,
  RecordBeginTimestamp: at,
  RecordEndTimestamp: Date.now() - 1_000,
  RecordFiles: [zegoFile({ status: 3, FileId: `${name}.mp4` })],
});
const events = () => stack.sns.published().map((p) => JSON.parse(p.parsedMessage!.default as string) as OutcomeEvent);

/** `n` recordings in progress, tracked as the API would track them. */
async function inProgress(n: number): Promise<string[]> {
  const prefix = `tr${++batch}`;
  const ids = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
  stack.zego.setTasks(ids.map((id) => [id, recording(id)] as const));
  for (const id of ids) await stack.track(id);
  return ids;
}

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem']);
const writesDuring = async <T>(act: () => Promise<T>): Promise<{ result: T; writes: number }> => {
  const before = stack.dynamo.operations().length;
  const result = await act();
  return {
    result,
    writes: stack.dynamo
      .operations()
      .slice(before)
      .filter((op) => WRITES.has(op)).length,
  };
};

describe('triage with DescribeTasks', () => {
  it('keeps 1,000 open recordings in steady state under 2% of them in status requests a pass, and rewrites none of them', async () => {
    // Prepare
    const ids = await inProgress(1_000);
    const sweep = await sweepWith({ SWEEP_KEEP_CHECKING: 'off' });
    const first = await sweep({}, lambdaContext()); // learns each task's room and begin time from the listing: one write each
    stack.zego.resetStats();

    // Act
    const { result: steady, writes } = await writesDuring(() => sweep({}, lambdaContext()));

    // Assess
    expect(first).toMatchObject({ inProgress: 1_000, requests: 0 });
    expect(steady).toMatchObject({ due: 1_000, inProgress: 1_000, listingFailures: 0 });
    expect(steady.requests).toBeLessThanOrEqual(ids.length * 0.02);
    expect(stack.zego.stats().requests).toBe(steady.requests);
    expect(stack.zego.stats().listRequests).toBe(20); // 1,000 in pages of 50
    expect(steady.listRequests).toBe(20);
    expect(writes).toBe(3); // the lease taken, marked stopping and given back; no task is rewritten
    expect(await stack.store.get(ids[0]!)).toMatchObject({ zegoStatus: 2, roomId: `room-${ids[0]}`, checks: 0 });

    // Act: recordings that end are announced within one pass.
    const ending = ids.slice(0, 25);
    stack.zego.setTasks(ending.map((id) => [id, ended(id)] as const));
    const next = await sweep({}, lambdaContext());

    // Assess
    expect(next.published).toBe(25);
    expect(next.requests).toBe(25);
    expect(
      events()
        .map((e) => e.recording.taskId)
        .sort(),
    ).toEqual([...ending].sort());

    // Clean up: the rest end, so later tests start from an empty due index.
    stack.zego.setTasks(ids.slice(25).map((id) => [id, ended(id)] as const));
    await (await sweepWith({ SWEEP_KEEP_CHECKING: 'off', ZEGO_RATE_LIMIT: '200', SWEEP_CONCURRENCY: '20' }))(
      {},
      lambdaContext(60_000),
    );
    expect(await stack.store.countDue()).toBe(0);
  }, 120_000);

  it('falls back to checking every due task when the listing fails', async () => {
    // Prepare
    const ids = await inProgress(12);
    const sweep = await sweepWith({ SWEEP_KEEP_CHECKING: 'off' });
    stack.zego.injectFault({ type: 'http', status: 503 }, { action: 'DescribeTasks', times: 1 });

    // Act
    const summary = await sweep({}, lambdaContext());

    // Assess
    expect(summary).toMatchObject({ listingFailures: 1, inProgress: 0, checked: 12, requests: 12 });
    for (const id of ids) expect(stack.zego.stats().byTask[id]).toBe(1);
    await finish(ids);
  });

  it('also works when the listing shows initialising and paused tasks as in progress', async () => {
    // Prepare: a stack whose listing shows statuses 1, 2 and 5 as in progress.
    const other = await startLocalStack({ inProgressListing: [1, 2, 5], rateLimit: 50, describeTasksRateLimit: 50 });
    try {
      Object.assign(
        process.env,
        other.sweepEnv({ SWEEP_TRIAGE: 'on', ZEGO_RATE_LIMIT: '50', ZEGO_DESCRIBE_TASKS_RATE_LIMIT: '50' }),
      );
      vi.resetModules();
      const { handler } = await import('../../functions/sweep');
      other.zego.setTask('init', { Status: 1, RecordBeginTimestamp: begin() });
      other.zego.setTask('paused', { Status: 5, RecordBeginTimestamp: begin() });
      other.zego.setTask('running', { Status: 2, RecordBeginTimestamp: begin() });
      for (const id of ['init', 'paused', 'running']) await other.track(id);

      // Act
      const summary = await handler({}, lambdaContext());

      // Assess
      expect(summary).toMatchObject({ inProgress: 3, requests: 0 });
      expect(await other.store.get('paused')).toMatchObject({ zegoStatus: 5 });
    } finally {
      await other.close();
    }
  });

  it('checks, with DescribeRecordStatus, the tasks a listing of status 2 leaves out (initialising, paused)', async () => {
    // Prepare
    const sweep = await sweepWith({ SWEEP_KEEP_CHECKING: 'off' });
    stack.zego.setTask('left-out-paused', { Status: 5, RoomId: 'r', RecordBeginTimestamp: begin() });
    await stack.track('left-out-paused');

    // Act
    const summary = await sweep({}, lambdaContext());

    // Assess
    expect(summary).toMatchObject({ inProgress: 0, checked: 1 });
    expect(await stack.store.get('left-out-paused')).toMatchObject({ state: 'OPEN', zegoStatus: 5 });
    await finish(['left-out-paused']);
  });
});

describe('runs that keep checking', () => {
  it('announces a recording that ends in the middle of a run, in that run, and returns at once when nothing is open', async () => {
    // Prepare: a recording that ends 2 s into the run; CHECK_INTERVAL_SECONDS is 1.
    const sweep = await sweepWith({ SWEEP_KEEP_CHECKING: 'on' });
    const startedAt = Date.now();
    stack.zego.setScript('mid-run', [
      { afterMs: 0, data: recording('mid-run') },
      { afterMs: 2_000, data: ended('mid-run') },
    ]);
    await stack.track('mid-run');

    // Act: 8 s of invocation; the run stops taking work 2.8 s before its end.
    const summary = await sweep({}, lambdaContext(8_000));
    const idle = await sweep({}, lambdaContext(8_000));

    // Assess
    expect(summary, JSON.stringify(summary)).toMatchObject({ published: 1 });
    expect(summary.passes).toBeGreaterThanOrEqual(3);
    expect(summary.requests).toBe(1); // listed in progress until it ended: one status request, for its files
    expect(events()).toMatchObject([{ recording: { taskId: 'mid-run', state: 'COMPLETED', closedBy: 'poll' } }]);
    expect(Date.now() - startedAt).toBeLessThan(8_000);
    expect(idle).toMatchObject({ passes: 0, due: 0 });
    expect(idle.durationMs).toBeLessThan(1_000);
  }, 20_000);

  it('checks a task again within the run each time it falls due', async () => {
    // Prepare: triage off, so each pass costs one status request for the one open task.
    const sweep = await sweepWith({ SWEEP_KEEP_CHECKING: 'on', SWEEP_TRIAGE: 'off', CHECK_INTERVAL_MAX_SECONDS: '1' });
    stack.zego.setTask('again', recording('again'));
    await stack.track('again');

    // Act
    const summary = await sweep({}, lambdaContext(6_500));

    // Assess: about one check a second over the ~3.7 s it works.
    expect(summary.checked).toBeGreaterThanOrEqual(3);
    expect(stack.zego.stats().byTask['again']).toBe(summary.checked);
    await finish(['again']);
  }, 20_000);
});

describe('discovery', () => {
  it('tracks a listed recording nobody tracked, says so in its view, and announces it when it ends', async () => {
    // Prepare
    const sweep = await sweepWith({ SWEEP_KEEP_CHECKING: 'off', DISCOVER_TASKS: 'on' });
    stack.zego.setTask('stranger', recording('stranger'));

    // Act
    const first = await sweep({}, lambdaContext());
    const tracked = await stack.store.get('stranger');
    stack.zego.setTask('stranger', ended('stranger'));
    const second = await sweep({}, lambdaContext());

    // Assess
    expect(first.discovered).toBe(1);
    expect(tracked).toMatchObject({ state: 'OPEN', trackedBy: 'discovery', roomId: 'room-stranger', zegoStatus: 2 });
    expect(second.published).toBe(1);
    expect(events()).toMatchObject([{ recording: { taskId: 'stranger', trackedBy: 'discovery', state: 'COMPLETED' } }]);
  });

  it('tracks nothing it was not asked to when discovery is off', async () => {
    // Prepare
    const sweep = await sweepWith({ SWEEP_KEEP_CHECKING: 'off' });
    stack.zego.setTask('ignored-stranger', recording('ignored-stranger'));
    await stack.track('someone-else'); // something due, so that the pass lists
    stack.zego.setTask('someone-else', recording('someone-else'));

    // Act
    const summary = await sweep({}, lambdaContext());

    // Assess
    expect(summary.discovered).toBe(0);
    expect(await stack.store.get('ignored-stranger')).toBeUndefined();
    stack.zego.setTask('ignored-stranger', 'missing');
    await finish(['someone-else']);
  });
});

describe('each action’s rate limit holds across two processes', () => {
  it('keeps DescribeTasks and DescribeRecordStatus under their own limits when two sweeps start at once and a third takes over', async () => {
    // Prepare: 400 recordings in progress (8 pages a listing) and 30 that ended; low limits for both actions.
    const limited = await startLocalStack({ rateLimit: 6, describeTasksRateLimit: 4 });
    try {
      const running = Array.from({ length: 400 }, (_, i) => `lim-run-${i}`);
      const done = Array.from({ length: 30 }, (_, i) => `lim-done-${i}`);
      limited.zego.setTasks([
        ...running.map((id) => [id, recording(id)] as const),
        ...done.map((id) => [id, ended(id)] as const),
      ]);
      for (const id of [...running, ...done]) await limited.track(id);
      const env = {
        ...process.env,
        ...limited.sweepEnv({
          SWEEP_TRIAGE: 'on',
          SWEEP_KEEP_CHECKING: 'on',
          ZEGO_RATE_LIMIT: '6',
          ZEGO_DESCRIBE_TASKS_RATE_LIMIT: '4',
          SWEEP_CONCURRENCY: '4',
        }),
      };
      const runInProcess = (remainingMs: number) => runSweepInProcess(env, remainingMs);

      // Act
      const together = await Promise.all([runInProcess(10_000), runInProcess(10_000)]);
      const next = await runInProcess(10_000);

      // Assess
      expect(together.filter((s) => s.skipped !== undefined)).toHaveLength(1);
      expect(next.skipped).toBeUndefined();
      const stats = limited.zego.stats();
      expect(stats.listRefusals).toBe(0);
      expect(stats.refusals).toBe(0);
      expect(stats.maxListInAnyWindow).toBeLessThanOrEqual(4);
      expect(stats.maxInAnyWindow).toBeLessThanOrEqual(6);
      expect(stats.listRequests).toBeGreaterThanOrEqual(8 * 2); // it did page, more than once
      const announced = limited.sns
        .published()
        .map((p) => (JSON.parse(p.parsedMessage!.default as string) as OutcomeEvent).recording.taskId);
      expect(announced.sort()).toEqual([...done].sort());
    } finally {
      await limited.close();
    }
  }, 90_000);
});

/** Ends the given recordings and sweeps once, so that they leave the due index for the next test. */
async function finish(ids: string[]): Promise<void> {
  for (const id of ids) stack.zego.setTask(id, ended(id));
  const sweep = await sweepWith({ SWEEP_KEEP_CHECKING: 'off', SWEEP_TRIAGE: 'off' });
  await sleep(2_100); // CHECK_INTERVAL_MAX_SECONDS is 2: whatever was checked just now is due again
  await sweep({}, lambdaContext());
  stack.sns.clear();
}
