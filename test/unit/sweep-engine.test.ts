// The sweep engine with in-memory ports on a fake clock: no sockets, so the passes' timing can be stepped
// through exactly. What the engine does with real DynamoDB, HTTP and SNS is in test/integration/sweep-*.test.ts.
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/log';
import { runSweep } from '../../lib/sweep/engine';
import { type SweepSettings, stopReserveMs } from '../../lib/sweep/run-inputs';
import { newTask } from '../../lib/task/task';
import type { DescribeResult, ListedTask } from '../../lib/zego/types';
import { FakeClock } from '../support/fake-clock';
import { MemoryPublisher, MemoryStore, memoryLease, ScriptedZego } from '../support/memory-ports';

const START = 1_800_000_000_000;
const settings: SweepSettings = {
  appId: 1234567890,
  rateLimit: 10,
  concurrency: 4,
  zegoTimeoutMs: 1_000,
  policy: { checkIntervalMs: 30_000, checkIntervalMaxMs: 300_000 },
  triage: true,
  listRateLimit: 10,
  discover: false,
  keepChecking: true,
};
const running = (): DescribeResult => ({ kind: 'ok', recording: { status: 2, files: [] }, attempts: 1 });
const ended = (): DescribeResult => ({
  kind: 'ok',
  recording: { status: 3, files: [{ status: 3, fileId: 'f.mp4' }] },
  attempts: 1,
});
const listed = (taskId: string): ListedTask => ({
  taskId,
  status: 2,
  roomId: `room-${taskId}`,
  recordBeginTimestamp: START - 60_000,
});

function setup(endsAt: Record<string, number>) {
  const clock = new FakeClock(START);
  const store = new MemoryStore();
  const publisher = new MemoryPublisher();
  const zego = new ScriptedZego(
    () => clock.now(),
    (taskId, now) => (now >= (endsAt[taskId] ?? Infinity) ? ended() : running()),
    (now) =>
      Object.keys(endsAt)
        .filter((id) => now < endsAt[id]!)
        .map(listed),
  );
  const deps = {
    store,
    lease: memoryLease(),
    zego,
    publishers: [publisher],
    clock,
    random: () => 0.5,
    logger: createLogger({ level: 'SILENT' }),
  };
  return { clock, store, publisher, zego, deps };
}

/** Runs a sweep with `ms` of invocation time, stepping the fake clock through it. */
async function runFor(env: ReturnType<typeof setup>, ms: number, overrides: Partial<SweepSettings> = {}) {
  const running = runSweep(env.deps, { ...settings, ...overrides }, { runId: 'run', deadline: env.clock.now() + ms });
  let done = false;
  void running.finally(() => (done = true));
  const end = env.clock.now() + ms;
  while (!done && env.clock.now() < end) await env.clock.runUntil(env.clock.now() + 500);
  return running;
}

describe('sweep engine on a fake clock', () => {
  it.each([
    ['a ZEGO_TIMEOUT_MS whose stop reserve exceeds the invocation', 60_000, { zegoTimeoutMs: 40_000 }],
    ['an invocation shorter than the stop reserve', 10_000, { zegoTimeoutMs: 5_000 }],
  ])('returns at once, taking nothing and asking ZEGO nothing, given %s', async (_name, ms, overrides) => {
    // Prepare
    const env = setup({ a: START });
    await env.store.create(newTask('a', START));

    // Act
    const summary = await runFor(env, ms, overrides);

    // Assess
    expect(summary.skipped).toMatch(/^no time to work/);
    expect(summary.durationMs).toBe(0);
    expect(env.zego.statusRequests).toEqual([]);
    expect(env.zego.listRequests).toEqual([]);
    expect((await env.store.get('a'))?.state).toBe('OPEN');
  });

  it('passes every check interval until its stop time, sending no status request for recordings listed in progress', async () => {
    // Prepare: a 60 s run; "b" ends 40 s in.
    const env = setup({ a: Infinity, b: START + 40_000 });
    for (const id of ['a', 'b']) await env.store.create(newTask(id, START));

    // Act
    const summary = await runFor(env, 60_000);

    // Assess: passes at 0 s and 30 s, both listing a and b in progress; the next would come at 60 s, past
    // the stop time (60 s − 4 s reserve), so the run returns and b is left for the next run.
    expect(stopReserveMs(1_000)).toBe(4_000);
    expect(summary.passes).toBe(2);
    expect(env.zego.statusRequests).toEqual([]);
    expect(summary.inProgress).toBe(4);
    expect(env.publisher.events).toEqual([]);
  });

  it('checks a task that ended in the next pass of the same run, with one status request', async () => {
    // Prepare
    const env = setup({ a: Infinity, b: START + 20_000 });
    for (const id of ['a', 'b']) await env.store.create(newTask(id, START));

    // Act
    const summary = await runFor(env, 60_000);

    // Assess
    expect(summary.published).toBe(1);
    expect(env.publisher.events.map((e) => e.recording.taskId)).toEqual(['b']);
    expect(env.zego.statusRequests).toEqual(['b']);
    expect(summary.passes).toBe(2);
  });

  it('writes an in-progress task once (its listing facts), then never again while it stays in progress', async () => {
    // Prepare
    const env = setup({ a: Infinity });
    await env.store.create(newTask('a', START));
    const before = env.store.writes;

    // Act: two runs.
    await runFor(env, 60_000);
    const afterFirstRun = env.store.writes;
    await runFor(env, 60_000);

    // Assess
    expect(afterFirstRun - before).toBe(1);
    expect(env.store.writes).toBe(afterFirstRun);
    expect(env.store.tasks.get('a')).toMatchObject({ zegoStatus: 2, roomId: 'room-a', checks: 0 });
  });

  it('returns at once when nothing is open', async () => {
    // Prepare
    const env = setup({});

    // Act
    const summary = await runFor(env, 60_000);

    // Assess
    expect(summary).toMatchObject({ passes: 0, due: 0 });
    expect(env.clock.now() - START).toBeLessThanOrEqual(500);
  });

  it('sleeps until the next task falls due when nothing is due now, then checks it', async () => {
    // Prepare: triage off; one task due 20 s into the run.
    const env = setup({ later: START });
    await env.store.create(newTask('later', START, { dueAt: START + 20_000 }));

    // Act
    const summary = await runFor(env, 60_000, { triage: false });

    // Assess
    expect(summary.published).toBe(1);
    expect(env.zego.statusRequests).toEqual(['later']);
  });

  it('falls back to a status request for every due task when the listing fails, and triages again in the next pass', async () => {
    // Prepare
    const env = setup({ a: Infinity, b: Infinity });
    for (const id of ['a', 'b']) await env.store.create(newTask(id, START));
    env.zego.listFails = 1;

    // Act
    const summary = await runFor(env, 60_000);

    // Assess
    expect(summary.listingFailures).toBe(1);
    expect(env.zego.statusRequests.sort()).toEqual(['a', 'b']);
    expect(summary.passes).toBeGreaterThanOrEqual(1);
  });

  it('hands a failed publish back for a later pass, and publishes it once', async () => {
    // Prepare
    const env = setup({ done: START });
    await env.store.create(newTask('done', START));
    env.publisher.failNext = 1;

    // Act
    const summary = await runFor(env, 60_000);

    // Assess
    expect(summary).toMatchObject({ publishFailures: 1, republished: 1 });
    expect(env.publisher.events).toHaveLength(1);
  });

  it('discovers a listed recording nobody tracked, once per run', async () => {
    // Prepare
    const env = setup({ stranger: Infinity });

    // Act
    const summary = await runFor(env, 60_000, { discover: true });

    // Assess
    expect(summary.discovered).toBe(1);
    expect(env.store.tasks.get('stranger')).toMatchObject({ trackedBy: 'discovery', zegoStatus: 2, state: 'OPEN' });
  });

  it('sets a task whose processing throws aside with backoff, reporting it once per step, while the others complete', async () => {
    // Prepare: triage off, so each pass would check the poison task again if it stayed due.
    const env = setup({ ok: START, poison: START });
    for (const id of ['ok', 'poison']) await env.store.create(newTask(id, START));
    env.store.poisoned.add('poison');

    // Act: ten minutes of runs, one a minute.
    const summaries = [];
    for (let minute = 0; minute < 10; minute++) {
      summaries.push(await runFor(env, 60_000, { triage: false }));
      await env.clock.runUntil(START + (minute + 1) * 60_000);
    }

    // Assess: ok was announced; poison was tried at growing intervals (30 s, 60 s, 120 s, 240 s…), not every pass.
    expect(env.publisher.events.map((e) => e.recording.taskId)).toEqual(['ok']);
    const failures = summaries.reduce((n, s) => n + s.errors, 0);
    expect(failures).toBeGreaterThanOrEqual(3);
    expect(failures).toBeLessThanOrEqual(6);
    expect(env.zego.statusRequests.filter((id) => id === 'poison')).toHaveLength(failures);
    expect(env.store.tasks.get('poison')).toMatchObject({
      state: 'OPEN',
      processingErrors: failures,
      lastError: { kind: 'processing' },
    });
  });
});
