// A worker pool on a fake clock for the pool's unit tests (test/unit/worker-pool*.test.ts).
import { createWorkerPool, type PoolJob } from '../../lib/sweep/worker-pool';
import { FakeClock } from './fake-clock';

export interface Start {
  key: string;
  at: number;
  /** Due jobs waiting in their lane when this one started. */
  dueWaiting: number;
}

/** A pool on a fake clock at 0, with jobs that record when they start and take `ms` of fake time. */
export function setup(options: { concurrency?: number; hintCap?: number; signal?: AbortSignal } = {}) {
  const clock = new FakeClock(0);
  const stop = new AbortController();
  const pool = createWorkerPool({
    concurrency: options.concurrency ?? 1,
    hintCap: options.hintCap ?? 100,
    clock,
    signal: options.signal ?? stop.signal,
  });
  const started: Start[] = [];
  const finished: string[] = [];
  const errors: Array<{ key: string; error: unknown }> = [];
  const counts = { running: 0, maxRunning: 0 };
  const job = (key: string, ms = 100, fail?: Error): PoolJob => ({
    key,
    run: async () => {
      started.push({ key, at: clock.now(), dueWaiting: pool.queued('due') });
      counts.running++;
      counts.maxRunning = Math.max(counts.maxRunning, counts.running);
      try {
        await clock.sleep(ms);
      } finally {
        counts.running--;
      }
      if (fail) throw fail;
      finished.push(key);
    },
    onError: async (error) => {
      errors.push({ key, error });
    },
  });
  const jobs = (prefix: string, n: number, ms = 100): PoolJob[] =>
    Array.from({ length: n }, (_, i) => job(`${prefix}${i + 1}`, ms));
  return { clock, stop, pool, started, finished, errors, counts, job, jobs };
}

export const keysOf = (started: Start[]): string[] => started.map((s) => s.key);
