// The sweep's worker pool on a fake clock, pure (no sockets), its lifecycle: lazy reading of async sources, errors,
// and what add(), has(), idle(), drained() and close() promise. Lane priority, the rolling hint cap and concurrency
// are in worker-pool.test.ts; setup() is in test/support/pool-harness.ts.
import { describe, expect, it } from 'vitest';
import { LANES, type PoolJob } from '../../lib/sweep/worker-pool';
import type { FakeClock } from '../support/fake-clock';
import { keysOf, setup } from '../support/pool-harness';

/** Tracks whether a promise has settled, how, and when on `clock`. */
function watch(promise: Promise<unknown>, clock?: FakeClock) {
  const state: { settled?: 'resolved' | 'rejected'; error?: unknown; at?: number } = {};
  const settle = (settled: 'resolved' | 'rejected'): void => {
    state.settled = settled;
    if (clock) state.at = clock.now();
  };
  void promise.then(
    () => settle('resolved'),
    (error: unknown) => {
      settle('rejected');
      state.error = error;
    },
  );
  return state;
}

describe('worker pool: concurrency and sources', () => {
  it('reads an async source only as fast as the workers take its jobs, at most `concurrency` ahead', async () => {
    // Prepare: two workers; a source of 10 jobs that counts what it has yielded.
    const env = setup({ concurrency: 2 });
    const { clock, job } = env;
    let yielded = 0;
    const ahead: number[] = [];
    const sample = (): void => {
      ahead.push(yielded - env.started.length);
    };
    async function* source(): AsyncGenerator<PoolJob> {
      for (let i = 1; i <= 10; i++) {
        yielded++;
        const base = job(`d${i}`);
        yield {
          ...base,
          run: async () => {
            const running = base.run();
            sample();
            await running;
          },
        };
      }
    }

    // Act: sampled as each job starts, and every 50 ms.
    const added = env.pool.add('due', source());
    await clock.runUntil(0);
    const atStart = { yielded, started: env.started.length, queued: env.pool.queued('due') };
    for (let t = 50; t <= 1_000; t += 50) {
      await clock.runUntil(t);
      sample();
    }
    await added;

    // Assess: two running and two queued at first; never more than two yielded beyond those started.
    expect(atStart).toEqual({ yielded: 4, started: 2, queued: 2 });
    expect(Math.max(...ahead)).toBeLessThanOrEqual(2);
    expect(yielded).toBe(10);
    expect(env.started.map((s) => s.at)).toEqual([0, 0, 100, 100, 200, 200, 300, 300, 400, 400]);
  });

  it('resolves add() once every job of it has run, calling onError for a job that throws while the others run', async () => {
    // Prepare: one worker; the second of three jobs throws.
    const env = setup({ concurrency: 1 });
    const boom = new Error('boom');
    const added = env.pool.add('due', [env.job('a'), env.job('b', 100, boom), env.job('c')]);
    const state = watch(added);

    // Act
    await env.clock.runUntil(299);
    const before = { ...state };
    await env.clock.runUntil(300);

    // Assess
    expect(before.settled).toBeUndefined();
    expect(state.settled).toBe('resolved');
    expect(env.finished).toEqual(['a', 'c']);
    expect(env.errors).toEqual([{ key: 'b', error: boom }]);
  });

  it('goes on when a job and then its onError both throw', async () => {
    // Prepare
    const env = setup({ concurrency: 1 });
    const bad: PoolJob = {
      key: 'bad',
      run: async () => {
        throw new Error('run failed');
      },
      onError: async () => {
        throw new Error('onError failed too');
      },
    };

    // Act
    const added = env.pool.add('due', [bad, env.job('after')]);
    await env.clock.runUntil(1_000);
    await added;

    // Assess
    expect(env.finished).toEqual(['after']);
    expect(env.pool.idle()).toBe(true);
  });

  it('rejects add() with the error of a failing source, after the jobs already taken from it have run', async () => {
    // Prepare: one worker; the source yields two jobs, then throws.
    const env = setup({ concurrency: 1 });
    const { clock, job } = env;
    const broken = new Error('the source broke');
    async function* source(): AsyncGenerator<PoolJob> {
      yield job('d1');
      yield job('d2');
      throw broken;
    }
    const state = watch(env.pool.add('due', source()), clock);

    // Act
    await clock.runUntil(150);
    const midway = { ...state };
    await clock.runUntil(1_000);

    // Assess
    expect(midway.settled).toBeUndefined();
    expect(state).toEqual({ settled: 'rejected', error: broken, at: 200 });
    expect(env.finished).toEqual(['d1', 'd2']);
    expect(env.pool.idle()).toBe(true);
  });

  it('keeps running the other lanes when one source fails', async () => {
    // Prepare
    const env = setup({ concurrency: 1 });
    async function* broken(): AsyncGenerator<PoolJob> {
      yield* [];
      throw new Error('broken');
    }

    // Act
    const failing = watch(env.pool.add('due', broken()));
    const fine = env.pool.add('candidate', env.jobs('c', 2));
    await env.clock.runUntil(1_000);
    await fine;

    // Assess
    expect(failing.settled).toBe('rejected');
    expect(env.finished).toEqual(['c1', 'c2']);
  });

  it('reads an async source in the hint lane past its first `concurrency` jobs', async () => {
    // Prepare: one worker; a hint source of four jobs.
    const env = setup({ concurrency: 1 });
    const { clock, job } = env;
    async function* hints(): AsyncGenerator<PoolJob> {
      for (let i = 1; i <= 4; i++) yield job(`h${i}`);
    }

    // Act
    const state = watch(env.pool.add('hint', hints()));
    await clock.runUntil(10_000);

    // Assess: today only h1 runs, add() never settles and the pool never becomes idle.
    expect(keysOf(env.started)).toEqual(['h1', 'h2', 'h3', 'h4']);
    expect(state.settled).toBe('resolved');
    expect(env.pool.idle()).toBe(true);
  });
});

describe('worker pool: keys, idleness and stopping', () => {
  it('says it has a key while its job is queued or running, and not once it has run', async () => {
    // Prepare: one worker busy with "a"; "b" queued behind it.
    const env = setup({ concurrency: 1 });
    const added = env.pool.add('due', [env.job('a'), env.job('b')]);
    await env.clock.runUntil(0);

    // Act + Assess: "a" running, "b" queued.
    expect([env.pool.has('a'), env.pool.has('b'), env.pool.has('c')]).toEqual([true, true, false]);
    expect(env.pool.queued('due')).toBe(1);

    // Act: "a" has run; "b" runs.
    await env.clock.runUntil(100);

    // Assess
    expect([env.pool.has('a'), env.pool.has('b')]).toEqual([false, true]);
    expect(env.pool.queued('due')).toBe(0);

    // Act: "b" has run.
    await env.clock.runUntil(200);
    await added;

    // Assess
    expect([env.pool.has('a'), env.pool.has('b')]).toEqual([false, false]);
  });

  it('is idle only with nothing queued, nothing running and no source left to read; drained() resolves then', async () => {
    // Prepare: a due source that yields one job after 500 ms.
    const env = setup({ concurrency: 1 });
    const { clock, job } = env;
    async function* later(): AsyncGenerator<PoolJob> {
      await clock.sleep(500);
      yield job('d1');
    }

    // Act: with nothing to do, then with the due source added.
    const idleAtFirst = env.pool.idle();
    const drainedAtOnce = watch(env.pool.drained());
    await clock.runUntil(0);
    const added = env.pool.add('due', later());
    const drained = watch(env.pool.drained(), clock);
    await clock.runUntil(400);
    const whileReading = {
      idle: env.pool.idle(),
      queued: env.pool.queued('due'),
      started: env.started.length,
      drained: drained.settled,
    };
    await clock.runUntil(550);
    const whileRunning = env.pool.idle();
    await clock.runUntil(2_000);
    await added;

    // Assess
    expect(idleAtFirst).toBe(true);
    expect(drainedAtOnce.settled).toBe('resolved');
    expect(whileReading).toEqual({ idle: false, queued: 0, started: 0, drained: undefined });
    expect(whileRunning).toBe(false);
    expect(env.pool.idle()).toBe(true);
    expect(drained).toEqual({ settled: 'resolved', at: 600 });
  });

  it('on close(), drops the queued jobs, lets the running one finish, resolves add() and resolves after the running job', async () => {
    // Prepare: one worker running "a" (0–100 ms); "b" and "c" queued.
    const env = setup({ concurrency: 1 });
    const added = watch(env.pool.add('due', [env.job('a'), env.job('b'), env.job('c')]), env.clock);
    await env.clock.runUntil(50);

    // Act
    const closing = watch(env.pool.close(), env.clock);
    await env.clock.runUntil(60);
    const soon = {
      closed: closing.settled,
      queued: env.pool.queued('due'),
      hasB: env.pool.has('b'),
      idle: env.pool.idle(),
    };
    await env.clock.runUntil(1_000);

    // Assess
    expect(soon).toEqual({ closed: undefined, queued: 0, hasB: false, idle: false });
    expect(closing).toEqual({ settled: 'resolved', at: 100 });
    expect(keysOf(env.started)).toEqual(['a']);
    expect(env.finished).toEqual(['a']);
    expect(added).toEqual({ settled: 'resolved', at: 100 });
    expect(env.pool.idle()).toBe(true);
  });

  it('on abort of its signal, starts nothing more, stops reading sources, and resolves every add()', async () => {
    // Prepare: two workers; a due array and an endless candidate source.
    const env = setup({ concurrency: 2 });
    const { clock, job } = env;
    let yielded = 0;
    async function* endless(): AsyncGenerator<PoolJob> {
      for (let i = 1; ; i++) {
        yielded++;
        yield job(`c${i}`);
      }
    }
    const due = watch(env.pool.add('due', env.jobs('d', 4)));
    const candidates = watch(env.pool.add('candidate', endless()));
    await clock.runUntil(50);

    // Act
    env.stop.abort();
    const yieldedAtAbort = yielded;
    await clock.runUntil(1_000);
    const late = watch(env.pool.add('hint', [job('h1')]));
    await clock.runUntil(2_000);

    // Assess: d1 and d2 were running and finished; nothing else started.
    expect(keysOf(env.started)).toEqual(['d1', 'd2']);
    expect(env.finished).toEqual(['d1', 'd2']);
    expect(yielded).toBe(yieldedAtAbort);
    expect([due.settled, candidates.settled, late.settled]).toEqual(['resolved', 'resolved', 'resolved']);
    expect(LANES.map((lane) => env.pool.queued(lane))).toEqual([0, 0, 0]);
    expect(env.pool.idle()).toBe(true);

    // Act: drained() once stopped.
    const drained = watch(env.pool.drained());
    await clock.runUntil(2_000);

    // Assess
    expect(drained.settled).toBe('resolved');
  });

  it('resolves close() at once when nothing runs', async () => {
    // Prepare
    const env = setup({ concurrency: 2 });

    // Act
    const closing = watch(env.pool.close());
    await env.clock.runUntil(0);

    // Assess
    expect(closing.settled).toBe('resolved');
  });

  it('starts no job when its signal was aborted before the pool was made', async () => {
    // Prepare
    const stopped = new AbortController();
    stopped.abort();
    const env = setup({ concurrency: 1, signal: stopped.signal });

    // Act
    const added = env.pool.add('due', [env.job('a')]);
    await env.clock.runUntil(1_000);
    await added;

    // Assess: today "a" runs.
    expect(keysOf(env.started)).toEqual([]);
  });

  it('settles add() and forgets a job its source yields after close()', async () => {
    // Prepare: one worker running "a" (0–100 ms) while the source takes 50 ms to yield "late".
    const env = setup({ concurrency: 1 });
    const { clock, job } = env;
    async function* source(): AsyncGenerator<PoolJob> {
      yield job('a');
      await clock.sleep(50);
      yield job('late');
    }
    const added = watch(env.pool.add('due', source()));
    await clock.runUntil(10);

    // Act
    const closing = env.pool.close();
    await clock.runUntil(1_000);
    await closing;

    // Assess: today add() never settles, and "late" stays queued (has, queued, idle all say so).
    expect(keysOf(env.started)).toEqual(['a']);
    expect(added.settled).toBe('resolved');
    expect(env.pool.has('late')).toBe(false);
    expect(env.pool.queued('due')).toBe(0);
  });
});
