// The sweep engine with hints, candidates and the run's timing, with in-memory ports on a fake clock: no
// sockets, so when each request leaves can be stepped through exactly. The same paths through dynalite, the
// simulator and SNS at the wire are in test/integration/callback*.test.ts.
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/log';
import type { LeaseState, SweepLease } from '../../lib/store/task-store';
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
const uploading = (): DescribeResult => ({ kind: 'ok', recording: { status: 3, files: [{ status: 2 }] }, attempts: 1 });
const ended = (roomId?: string): DescribeResult => ({
  kind: 'ok',
  recording: { status: 3, files: [{ status: 3, fileId: 'f.mp4' }], ...(roomId ? { roomId } : {}) },
  attempts: 1,
});
const unknown = (): DescribeResult => ({ kind: 'task', code: 300001000, message: 'task does not exist', attempts: 1 });
const listed = (taskId: string): ListedTask => ({ taskId, status: 2, recordBeginTimestamp: START - 60_000 });

/** ZEGO as a script: each task's answer from a function of the fake time; the listing shows whoever is live. */
function setup(answers: Record<string, (now: number) => DescribeResult>) {
  const clock = new FakeClock(START);
  const store = new MemoryStore();
  const publisher = new MemoryPublisher();
  const publishedAt = new Map<string, number>();
  const publish = publisher.publish.bind(publisher);
  publisher.publish = async (event) => {
    publishedAt.set(event.recording.taskId, clock.now());
    return publish(event);
  };
  const zego = new ScriptedZego(
    () => clock.now(),
    (taskId, now) => (answers[taskId] ?? unknown)(now),
    (now) =>
      Object.keys(answers)
        .filter(
          (id) =>
            answers[id]!(now).kind === 'ok' &&
            (answers[id]!(now) as { recording: { status: number } }).recording.status === 2,
        )
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
  return { clock, store, publisher, publishedAt, zego, deps };
}
type Env = ReturnType<typeof setup>;

/** Starts a run of `ms`, stepping the fake clock 100 ms at a time; `during` may act at the given times. */
async function runFor(
  env: Env,
  ms: number,
  options: { overrides?: Partial<SweepSettings>; during?: Array<[number, () => unknown]>; run?: object } = {},
) {
  const deadline = env.clock.now() + ms;
  const run = runSweep(env.deps, { ...settings, ...options.overrides }, { runId: 'run', deadline, ...options.run });
  let done = false;
  let returnedAt = Number.NaN;
  void run.finally(() => {
    done = true;
    returnedAt = env.clock.now();
  });
  const actions = [...(options.during ?? [])].sort((a, b) => a[0] - b[0]);
  while (!done && env.clock.now() < deadline) {
    while (actions.length > 0 && actions[0]![0] <= env.clock.now()) await actions.shift()![1]();
    await env.clock.runUntil(env.clock.now() + 100);
  }
  return { summary: await run, returnedAt };
}

describe('hints', () => {
  it('asks about a hinted task within about a second, while the run sleeps between passes', async () => {
    // Prepare: "live" keeps the run checking; "done" ended, but is not due for 5 minutes.
    const env = setup({ live: running, done: () => ended() });
    await env.store.create(newTask('live', START));
    await env.store.create(newTask('done', START, { dueAt: START + 300_000 }));

    // Act: the callback's hint lands 10 s in, between the passes at 0 s and 30 s.
    await runFor(env, 60_000, { during: [[START + 10_000, () => env.store.hint('done', env.clock.now())]] });

    // Assess
    expect(env.publishedAt.get('done')! - (START + 10_000)).toBeLessThanOrEqual(1_100);
    expect(env.publisher.events[0]!.recording).toMatchObject({ taskId: 'done', closedBy: 'callback' });
  });

  it('looks again 1, 2, 4 s later while ZEGO shows the files uploading after a hint, then closes it', async () => {
    // Prepare: uploading until 5 s after the hint.
    const env = setup({ live: running, up: (now) => (now < START + 15_000 ? uploading() : ended()) });
    await env.store.create(newTask('live', START));
    await env.store.create(newTask('up', START, { dueAt: START + 300_000 }));

    // Act
    await runFor(env, 60_000, { during: [[START + 10_000, () => env.store.hint('up', env.clock.now())]] });

    // Assess: checked at the hint (10 s), then 1, 2 and 4 s after each look (11, 13, 17 s: ended since 15 s),
    // well before the 30 s interval; the hint feed looks once a second.
    expect(env.zego.statusRequests.filter((id) => id === 'up')).toHaveLength(4);
    expect(env.publishedAt.get('up')! - START).toBeLessThanOrEqual(18_100);
  });

  it('a hint for a recording in progress never pushes its next check out, nor advances its backoff', async () => {
    // Prepare
    const env = setup({ live: running });
    await env.store.create(newTask('live', START, { quietChecks: 2 }));

    // Act
    await runFor(env, 20_000, {
      overrides: { triage: false },
      during: [[START + 5_000, () => env.store.hint('live', env.clock.now())]],
    });

    // Assess: due again within one interval of the hinted check, backoff where it was before the hint's check.
    const task = env.store.tasks.get('live')!;
    expect(task.hinted).toBeUndefined();
    expect(task.dueAt! - task.lastCheckedAt!).toBeLessThanOrEqual(settings.policy.checkIntervalMs);
  });

  it('takes hinted work first but keeps half the status budget for polling while both wait', async () => {
    // Prepare: 20 tasks due, then 20 hinted at once; 4 requests a second, one at a time.
    const answers: Record<string, () => DescribeResult> = {};
    for (let i = 0; i < 20; i++) answers[`due-${i}`] = running;
    for (let i = 0; i < 20; i++) answers[`hint-${i}`] = running;
    const env = setup(answers);
    for (let i = 0; i < 20; i++) await env.store.create(newTask(`due-${i}`, START));
    for (let i = 0; i < 20; i++) {
      await env.store.create(newTask(`hint-${i}`, START, { dueAt: START + 300_000 }));
      env.store.hint(`hint-${i}`, START);
    }

    // Act: 6 s of requests.
    await runFor(env, 6_000 + stopReserveMs(settings.zegoTimeoutMs), {
      overrides: { triage: false, rateLimit: 4, concurrency: 1 },
    });

    // Assess: hinted ones first, then alternating with due ones at the cap (2 of every 4 a second).
    const asked = env.zego.statusRequests;
    expect(asked[0]).toMatch(/^hint-/);
    const firstTwenty = asked.slice(0, 20);
    expect(firstTwenty.filter((id) => id.startsWith('due-')).length).toBeGreaterThanOrEqual(8);
    expect(firstTwenty.filter((id) => id.startsWith('hint-')).length).toBeGreaterThanOrEqual(8);
  });
});

describe('candidates', () => {
  it('tracks a candidate ZEGO knows, with ZEGO’s room, and drops one it does not, without an event', async () => {
    // Prepare
    const env = setup({ real: () => ended('room-from-zego') });
    for (const taskId of ['real', 'made-up'])
      env.store.candidates.set(taskId, { taskId, hintedAt: START, dueAt: START, attempts: 0, version: 0 });

    // Act
    const { summary } = await runFor(env, 20_000);

    // Assess
    expect(summary.candidates).toEqual({ checked: 2, tracked: 1, dropped: 1 });
    expect(env.store.tasks.get('real')).toMatchObject({
      roomId: 'room-from-zego',
      trackedBy: 'callback',
      state: 'COMPLETED',
    });
    expect(env.store.tasks.has('made-up')).toBe(false);
    expect(env.store.candidates.size).toBe(0);
    expect(env.publisher.events.map((e) => e.recording.taskId)).toEqual(['real']);
  });

  it('works candidates after every due task', async () => {
    // Prepare
    const env = setup({ a: running, b: running, c: () => ended() });
    for (const id of ['a', 'b']) await env.store.create(newTask(id, START));
    env.store.candidates.set('c', { taskId: 'c', hintedAt: START, dueAt: START, attempts: 0, version: 0 });

    // Act
    await runFor(env, 10_000, { overrides: { triage: false, concurrency: 1 } });

    // Assess
    expect(env.zego.statusRequests).toEqual(['a', 'b', 'c']);
  });
});

describe('when a run returns', () => {
  it('keeps checking until its stop time while anything is open, even when the next pass would come after it', async () => {
    // Prepare: a recording in progress all along; passes at 0 s and 30 s, the next would be at 60 s.
    const env = setup({ live: running });
    await env.store.create(newTask('live', START));

    // Act
    const { returnedAt } = await runFor(env, 60_000);

    // Assess: it stays for hints until its stop time (60 s less the reserve), not until the 30 s pass ends.
    expect(returnedAt - START).toBeGreaterThanOrEqual(60_000 - stopReserveMs(settings.zegoTimeoutMs) - 100);
  });

  it('announces, in the same run, six recordings that end 6 s into a 25 s run, whatever writer holds a claim', async () => {
    // Prepare: intervals of 1 s and 2 s; six recordings end 6 s in and finish uploading between 7 and 9 s; a
    // seventh task's outcome is claimed by another writer (its publish claim due far past the stop time).
    const answers: Record<string, (now: number) => DescribeResult> = {};
    const ids = ['r0', 'r1', 'r2', 'r3', 'r4', 'r5'];
    ids.forEach((id, i) => {
      answers[id] = (now) => (now < START + 6_000 ? running() : now < START + 7_000 + i * 400 ? uploading() : ended());
    });
    const env = setup(answers);
    for (const id of ids) await env.store.create(newTask(id, START));
    await env.store.create(newTask('claimed', START, { state: 'COMPLETED', closedAt: START, dueAt: START + 40_000 }));

    // Act
    const { summary, returnedAt } = await runFor(env, 25_000, {
      overrides: { policy: { checkIntervalMs: 1_000, checkIntervalMaxMs: 2_000 } },
    });

    // Assess
    expect([...env.publishedAt.keys()].sort()).toEqual(ids);
    expect(summary.published).toBe(6);
    expect(returnedAt - START).toBeGreaterThanOrEqual(25_000 - stopReserveMs(settings.zegoTimeoutMs) - 100);
  });

  it('returns at once with nothing open, but a run a callback started stays a few seconds for later hints', async () => {
    // Prepare: nothing open; 3 s in, a callback names a task ZEGO knows (a candidate).
    const env = setup({ late: () => ended() });
    const idle = setup({});
    const name = () =>
      env.store.candidates.set('late', {
        taskId: 'late',
        hintedAt: env.clock.now(),
        dueAt: env.clock.now(),
        attempts: 0,
        version: 0,
      });

    // Act
    const plain = await runFor(idle, 60_000);
    const started = await runFor(env, 60_000, {
      run: { startedByHint: { waitForLeaseMs: 0, lingerMs: 5_000 } },
      during: [[START + 3_000, name]],
    });

    // Assess: the plain run returned at once; the started one served the late candidate, then stayed 5 s more.
    expect(plain.returnedAt - START).toBeLessThanOrEqual(200);
    expect(env.publisher.events.map((e) => e.recording.taskId)).toEqual(['late']);
    const announcedAt = env.publishedAt.get('late')!;
    expect(started.returnedAt - announcedAt).toBeGreaterThanOrEqual(5_000);
    expect(started.returnedAt - announcedAt).toBeLessThanOrEqual(6_500);
  });

  it('a run a callback started leaves the hint to a holder still taking work, and waits for one that is stopping', async () => {
    // Prepare: a lease held by another run, taking work until `stopsAt`, given back at `freeAt`.
    const scripted = (stopsAt: number, freeAt: number, clock: FakeClock): SweepLease => ({
      acquire: async () => (clock.now() >= freeAt ? { carriedOver: [], carriedOverListing: [] } : undefined),
      release: async () => undefined,
      stopping: async () => undefined,
      state: async (): Promise<LeaseState> => (clock.now() >= freeAt ? {} : { heldUntil: freeAt + 5_000, stopsAt }),
    });
    const busy = setup({ x: () => ended() });
    busy.deps.lease = scripted(START + 40_000, START + 42_000, busy.clock);
    const stopping = setup({ x: () => ended() });
    stopping.deps.lease = scripted(START + 1_000, START + 3_000, stopping.clock);
    for (const env of [busy, stopping]) {
      await env.store.create(newTask('x', START, { dueAt: START + 300_000 }));
      env.store.hint('x', START);
    }
    const startedByHint = { waitForLeaseMs: 13_000, lingerMs: 5_000 };

    // Act
    const left = await runFor(busy, 60_000, { run: { startedByHint } });
    const waited = await runFor(stopping, 60_000, { run: { startedByHint } });

    // Assess
    expect(left.summary.skipped).toBeDefined();
    expect(left.returnedAt - START).toBeLessThanOrEqual(100);
    expect(waited.summary.skipped).toBeUndefined();
    expect(stopping.publishedAt.get('x')! - START).toBeGreaterThanOrEqual(3_000);
    expect(stopping.publishedAt.get('x')! - START).toBeLessThanOrEqual(5_000);
  });
});

describe('a flood of signed hints', () => {
  it('10,000 made-up task ids: a recording that ends is announced within its usual bound', async () => {
    // Prepare: 20 recordings in progress, "r0" ends 20 s in; 10,000 candidates ZEGO does not know, named
    // before the run starts (test/integration/callback-trust.test.ts sends 2,000 through the real callback).
    const ids = Array.from({ length: 20 }, (_, i) => `r${i}`);
    const answers: Record<string, (now: number) => DescribeResult> = {};
    for (const id of ids) answers[id] = running;
    answers.r0 = (now) => (now < START + 20_000 ? running() : ended());
    const env = setup(answers);
    for (const id of ids) await env.store.create(newTask(id, START));
    for (let i = 0; i < 10_000; i++) {
      const taskId = `made-up-${i}`;
      env.store.candidates.set(taskId, { taskId, hintedAt: START, dueAt: START, attempts: 0, version: 0 });
    }

    // Act
    const { summary } = await runFor(env, 60_000);

    // Assess: announced by the first pass after its end (30 s) and one request, as without the flood; the
    // candidates take what is left of the budget, never more than it.
    expect(env.publishedAt.get('r0')! - START).toBeLessThanOrEqual(32_000);
    expect(summary.candidates.dropped).toBeGreaterThan(0);
    expect(summary.candidates.tracked).toBe(0);
    expect(summary.peakRequestsPerSecond).toBeLessThanOrEqual(10);
    expect([...env.publishedAt.keys()]).toEqual(['r0']);
  });

  it('re-hinting 400 recordings in progress at 40 callbacks a second: one that ends is announced within its usual bound', async () => {
    // Prepare: 400 recordings in progress; "r0" ends 20 s in. Triage on, a pass every 30 s, ZEGO at 10/s.
    const ids = Array.from({ length: 400 }, (_, i) => `r${i}`);
    const answers: Record<string, (now: number) => DescribeResult> = {};
    for (const id of ids) answers[id] = running;
    answers.r0 = (now) => (now < START + 20_000 ? running() : ended());
    const env = setup(answers);
    for (const id of ids) await env.store.create(newTask(id, START));
    // The forger: 4 signed hints every 100 ms, round the tracked tasks, over and over.
    let next = 0;
    const hintFour = () => {
      for (let k = 0; k < 4; k++) {
        env.store.hint(ids[next]!, env.clock.now());
        next = (next + 1) % ids.length;
      }
    };
    const during: Array<[number, () => unknown]> = [];
    for (let t = 0; t < 56_000; t += 100) during.push([START + t, hintFour]);

    // Act
    const { summary } = await runFor(env, 60_000, { during });

    // Assess: announced by the first pass after its end (30 s) and one request, as without the flood.
    expect(env.publishedAt.get('r0')! - START).toBeLessThanOrEqual(32_000);
    expect(summary.hintsSuperseded).toBeGreaterThan(0);
    expect(summary.peakRequestsPerSecond).toBeLessThanOrEqual(10);
  });
});
