// The sweep's worker pool on a fake clock, pure (no sockets): lane priority, the rolling hint cap, concurrency.
// Lazy reading of async sources, and what add(), has(), idle(), drained() and close() promise, are in
// worker-pool-lifecycle.test.ts; both use setup() from test/support/pool-harness.ts.
import { describe, expect, it } from 'vitest';
import type { PoolJob } from '../../lib/sweep/worker-pool';
import { keysOf, setup } from '../support/pool-harness';

/** The most of `times` within any rolling window (t − windowMs, t]. */
function mostInAnyWindow(times: number[], windowMs = 1000): number {
  return Math.max(0, ...times.map((t) => times.filter((s) => s > t - windowMs && s <= t).length));
}

describe('worker pool: lanes and the hint cap', () => {
  it('takes hinted jobs before due ones, and due ones before candidates, whatever the order they were queued in', async () => {
    // Prepare: one worker; all three lanes queued in the same tick, the hint lane last.
    const env = setup({ concurrency: 1 });
    const adds = [
      env.pool.add('due', env.jobs('d', 2)),
      env.pool.add('candidate', env.jobs('c', 2)),
      env.pool.add('hint', env.jobs('h', 2)),
    ];

    // Act
    await env.clock.runUntil(10_000);
    await Promise.all(adds);

    // Assess
    expect(keysOf(env.started)).toEqual(['h1', 'h2', 'd1', 'd2', 'c1', 'c2']);
    expect(env.started.map((s) => s.at)).toEqual([0, 100, 200, 300, 400, 500]);
  });

  it('starts at most `hintCap` hinted jobs in any rolling second while due jobs wait, and lets the due jobs through in between', async () => {
    // Prepare: one worker, hintCap 2, 6 hints and 20 due jobs of 100 ms each.
    const env = setup({ concurrency: 1, hintCap: 2 });
    const adds = [env.pool.add('hint', env.jobs('h', 6)), env.pool.add('due', env.jobs('d', 20))];

    // Act
    await env.clock.runUntil(10_000);
    await Promise.all(adds);

    // Assess: two hints a second, the due jobs in the gaps; nothing is starved, every job ran once.
    const hints = env.started.filter((s) => s.key.startsWith('h'));
    const due = env.started.filter((s) => s.key.startsWith('d'));
    expect(hints.map((s) => s.at)).toEqual([0, 100, 1000, 1100, 2000, 2100]);
    expect(mostInAnyWindow(hints.map((s) => s.at))).toBe(2);
    expect(due.map((s) => s.at)).toEqual([
      ...[200, 300, 400, 500, 600, 700, 800, 900],
      ...[1200, 1300, 1400, 1500, 1600, 1700, 1800, 1900],
      ...[2200, 2300, 2400, 2500],
    ]);
    expect(env.started).toHaveLength(26);
    expect(new Set(keysOf(env.started)).size).toBe(26);
  });

  it('runs hints back to back once no other work waits (the cap only applies while others wait)', async () => {
    // Prepare: hintCap 2; 6 hints and only 6 due jobs, so the due lane empties before the hints are done.
    const env = setup({ concurrency: 1, hintCap: 2 });
    const adds = [env.pool.add('hint', env.jobs('h', 6)), env.pool.add('due', env.jobs('d', 6))];

    // Act
    await env.clock.runUntil(10_000);
    await Promise.all(adds);

    // Assess: the cap held while due jobs waited; after the last due job, the hints went on without a pause.
    expect(keysOf(env.started)).toEqual(['h1', 'h2', 'd1', 'd2', 'd3', 'd4', 'd5', 'd6', 'h3', 'h4', 'h5', 'h6']);
    expect(env.started.map((s) => s.at)).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1100]);
    const cappedHints = env.started.filter((s) => s.key.startsWith('h') && s.dueWaiting > 0).map((s) => s.at);
    expect(cappedHints).toEqual([0, 100]);
    expect(mostInAnyWindow(cappedHints)).toBeLessThanOrEqual(2);
  });

  it('lets hints take every worker when there is nothing else to do', async () => {
    // Prepare: hintCap 1, three workers, 9 hints alone.
    const env = setup({ concurrency: 3, hintCap: 1 });

    // Act
    const added = env.pool.add('hint', env.jobs('h', 9));
    await env.clock.runUntil(10_000);
    await added;

    // Assess: three at a time, back to back.
    expect(env.started.map((s) => s.at)).toEqual([0, 0, 0, 100, 100, 100, 200, 200, 200]);
    expect(env.counts.maxRunning).toBe(3);
  });

  it('holds a capped hint until the window frees up while a due source is still being read', async () => {
    // Prepare: hintCap 1; the due lane has a source that yields its one job only after 2,500 ms.
    const env = setup({ concurrency: 1, hintCap: 1 });
    const { clock, job } = env;
    async function* slowDue(): AsyncGenerator<PoolJob> {
      await clock.sleep(2_500);
      yield job('d1');
    }
    const adds = [env.pool.add('due', slowDue()), env.pool.add('hint', env.jobs('h', 3))];

    // Act
    await clock.runUntil(10_000);
    await Promise.all(adds);

    // Assess: one hint a second while the due source might still bring work, then the due job.
    expect(env.started.map((s) => [s.key, s.at])).toEqual([
      ['h1', 0],
      ['h2', 1000],
      ['h3', 2000],
      ['d1', 2500],
    ]);
  });
});

describe('worker pool: concurrency and sources', () => {
  it('never runs more than `concurrency` jobs at once, and keeps that many busy while work waits', async () => {
    // Prepare: three workers, jobs of uneven length over two lanes.
    const env = setup({ concurrency: 3 });
    const lengths = [300, 100, 200, 50, 400, 100, 100, 250, 80, 120];
    const adds = [
      env.pool.add(
        'due',
        lengths.slice(0, 6).map((ms, i) => env.job(`d${i + 1}`, ms)),
      ),
      env.pool.add(
        'candidate',
        lengths.slice(6).map((ms, i) => env.job(`c${i + 1}`, ms)),
      ),
    ];

    // Act
    await env.clock.runUntil(10_000);
    await Promise.all(adds);

    // Assess
    expect(env.counts.maxRunning).toBe(3);
    expect(env.finished).toHaveLength(10);
    expect(env.started.filter((s) => s.at === 0).map((s) => s.key)).toEqual(['d1', 'd2', 'd3']);
    // d2 (100 ms) is the first to finish: d4 takes its worker at once.
    expect(env.started[3]).toMatchObject({ key: 'd4', at: 100 });
  });
});
