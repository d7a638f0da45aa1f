// The run's workers: `concurrency` of them take jobs from three lanes, in order of priority (contract:
// "Sweep"): hinted tasks first, then the other due tasks, then callback candidates. Hinted work is capped at
// `hintCap` job starts in any rolling second while other work waits, so that a flood of signed hints never
// stops polling; with nothing else to do, hints may take every worker. One job is one task's work (about one
// ZEGO request); its failure is its own.
import type { Clock } from '../clock';

export const LANES = ['hint', 'due', 'candidate'] as const;
export type Lane = (typeof LANES)[number];

export interface PoolJob {
  /** What the job is about (a task id, say): a key is queued or running at most once through `has`. */
  key: string;
  run(): Promise<void>;
  /** Called with what `run` threw; the pool goes on. */
  onError(error: unknown): Promise<void>;
}

export interface WorkerPoolOptions {
  concurrency: number;
  /** Hinted jobs started in any rolling window while other lanes have work. */
  hintCap: number;
  clock: Clock;
  /** Aborted: no job starts any more (those running finish). */
  signal: AbortSignal;
  windowMs?: number;
}

export interface WorkerPool {
  /**
   * Queues jobs in a lane, read from `jobs` only as fast as the workers take them (an async source is not
   * read ahead by more than `concurrency`). Resolves once every job of it has run, or was dropped because the
   * pool stopped; rejects, after the jobs already taken have run, if the source itself fails.
   */
  add(lane: Lane, jobs: Iterable<PoolJob> | AsyncIterable<PoolJob>): Promise<void>;
  /** Whether a job with this key is queued or running. */
  has(key: string): boolean;
  /** Jobs waiting in a lane. */
  queued(lane: Lane): number;
  /**
   * Says that jobs for `lane` are on their way (a pass reading what is due): until the returned function is
   * called, lower lanes wait and the hint lane's cap applies, as if the jobs were queued already.
   */
  expect(lane: Lane): () => void;
  /** Nothing queued, nothing running, no source left to read. */
  idle(): boolean;
  /** Resolves once the pool is idle (at once if it is). */
  drained(): Promise<void>;
  /** Takes no more jobs, drops the queued ones, and resolves once the running ones have finished. */
  close(): Promise<void>;
}

interface Batch {
  pending: number;
  source?: AsyncIterator<PoolJob>;
  reading: boolean;
  exhausted: boolean;
  failure?: { error: unknown };
  settle: () => void;
}

export function createWorkerPool(options: WorkerPoolOptions): WorkerPool {
  const { concurrency, hintCap, clock, signal } = options;
  const windowMs = options.windowMs ?? 1000;
  const queues: Record<Lane, Array<{ job: PoolJob; batch: Batch }>> = { hint: [], due: [], candidate: [] };
  const sources: Record<Lane, Batch[]> = { hint: [], due: [], candidate: [] };
  const keys = new Map<string, number>();
  const expected: Record<Lane, number> = { hint: 0, due: 0, candidate: 0 };
  const hintStarts: number[] = [];
  let running = 0;
  let closed = false;
  // Idle workers, each waiting to be told that there may be work: all of them are told, each looks again.
  const waiting = new Set<() => void>();
  const notify = (): void => {
    for (const wake of [...waiting]) wake();
  };
  signal.addEventListener('abort', () => stopTaking(), { once: true });
  if (signal.aborted) queueMicrotask(() => stopTaking()); // stopped before the pool was made

  const countKey = (key: string, by: number): void => {
    const count = (keys.get(key) ?? 0) + by;
    if (count <= 0) keys.delete(key);
    else keys.set(key, count);
  };

  const finish = (batch: Batch): void => {
    batch.pending--;
    if (batch.pending === 0 && batch.exhausted) batch.settle();
  };

  const push = (lane: Lane, job: PoolJob, batch: Batch): void => {
    batch.pending++;
    countKey(job.key, 1);
    queues[lane].push({ job, batch });
    notify();
  };

  // Reads an async source while its lane has room: requests start with the source's first items.
  const read = async (lane: Lane, batch: Batch): Promise<void> => {
    if (batch.reading || batch.exhausted || batch.source === undefined) return;
    batch.reading = true;
    try {
      while (!closed && !batch.exhausted && queues[lane].length < concurrency) {
        let next: IteratorResult<PoolJob>;
        try {
          next = await batch.source.next();
        } catch (error) {
          batch.failure = { error };
          next = { done: true, value: undefined };
        }
        if (closed) {
          // Read after the pool stopped: dropped, as a queued job would have been.
          void batch.source.return?.().catch(() => undefined);
          next = { done: true, value: undefined };
        }
        if (next.done) {
          batch.exhausted = true;
          sources[lane] = sources[lane].filter((b) => b !== batch);
          if (batch.pending === 0) batch.settle();
          notify();
          tellIdle();
        } else push(lane, next.value, batch);
      }
    } finally {
      batch.reading = false;
    }
  };

  const readMore = (lane: Lane): void => {
    for (const batch of sources[lane]) void read(lane, batch);
  };

  const hintsStartedRecently = (now: number): number => {
    while (hintStarts.length > 0 && hintStarts[0]! <= now - windowMs) hintStarts.shift();
    return hintStarts.length;
  };

  /** The next job by priority, or when the hint lane is capped, the time it frees up. */
  const take = (): { lane: Lane; entry: { job: PoolJob; batch: Batch } } | { retryAt: number } | undefined => {
    const now = clock.now();
    const waiting = (lane: Lane) => queues[lane].length > 0 || sources[lane].length > 0 || expected[lane] > 0;
    const othersWait = waiting('due') || waiting('candidate');
    if (queues.hint.length > 0) {
      if (hintsStartedRecently(now) < hintCap || !othersWait) {
        hintStarts.push(now);
        const entry = queues.hint.shift()!;
        readMore('hint');
        return { lane: 'hint', entry };
      }
    }
    for (const lane of ['due', 'candidate'] as const) {
      if (lane === 'candidate' && waiting('due')) break;
      const entry = queues[lane].shift();
      if (entry !== undefined) {
        readMore(lane);
        return { lane, entry };
      }
    }
    if (queues.hint.length > 0) return { retryAt: hintStarts[0]! + windowMs };
    return undefined;
  };

  const worker = async (): Promise<void> => {
    while (!closed) {
      const next = take();
      if (next === undefined || 'retryAt' in next) {
        await new Promise<void>((resolve) => {
          const wake = (): void => {
            waiting.delete(wake);
            resolve();
          };
          waiting.add(wake);
          if (next !== undefined) void clock.sleep(Math.max(1, next.retryAt - clock.now())).then(wake);
        });
        continue;
      }
      const { job, batch } = next.entry;
      running++;
      try {
        await job.run();
      } catch (error) {
        await job.onError(error).catch(() => undefined);
      } finally {
        running--;
        countKey(job.key, -1);
        finish(batch);
      }
      notify(); // a lane capped for hints may have work for another worker now
      tellIdle();
    }
  };

  const idleWaiters = new Set<() => void>();
  function isIdle(): boolean {
    return running === 0 && LANES.every((lane) => queues[lane].length === 0 && sources[lane].length === 0);
  }
  const tellIdle = (): void => {
    if (!isIdle() && !closed) return;
    for (const resolve of [...idleWaiters]) resolve();
    idleWaiters.clear();
  };

  let workers: Promise<unknown> | undefined;
  const start = (): void => {
    workers ??= Promise.all(Array.from({ length: concurrency }, () => worker()));
  };

  function stopTaking(): void {
    if (closed) return;
    closed = true;
    for (const lane of LANES) {
      for (const { job, batch } of queues[lane].splice(0)) {
        countKey(job.key, -1);
        finish(batch);
      }
      for (const batch of sources[lane].splice(0)) {
        batch.exhausted = true;
        void batch.source?.return?.().catch(() => undefined);
        if (batch.pending === 0) batch.settle();
      }
    }
    // Every worker waiting for work must see that there is none to come.
    notify();
    tellIdle();
  }

  return {
    add(lane, jobs) {
      return new Promise<void>((resolve, reject) => {
        const batch: Batch = {
          pending: 0,
          reading: false,
          exhausted: false,
          settle: () => (batch.failure === undefined ? resolve() : reject(batch.failure.error)),
        };
        if (closed) return resolve();
        start();
        if (Symbol.asyncIterator in jobs) {
          batch.source = jobs[Symbol.asyncIterator]();
          sources[lane].push(batch);
          void read(lane, batch);
          return;
        }
        try {
          for (const job of jobs) push(lane, job, batch);
        } catch (error) {
          batch.failure = { error }; // settled once the jobs already queued have run
        }
        batch.exhausted = true;
        if (batch.pending === 0) batch.settle();
      });
    },
    has: (key) => keys.has(key),
    expect(lane) {
      expected[lane]++;
      let done = false;
      return () => {
        if (done) return;
        done = true;
        expected[lane]--;
        notify();
      };
    },
    drained: async () => {
      while (!closed && !isIdle()) await new Promise<void>((resolve) => idleWaiters.add(resolve));
    },
    queued: (lane) => queues[lane].length,
    idle: isIdle,
    async close() {
      stopTaking();
      await workers;
    },
  };
}
