// While a run goes, it looks every second for what callbacks asked about: the hinted tasks (first in line)
// and the candidates (last), each read from its own partition of the due index, so a look costs what is
// there. This is how a hint is asked about within about a second, however long the run sleeps between
// passes. A failed read is tried again a second later; it never ends the run.
import { type Clock, sleepUnless } from '../clock';
import type { Logger } from '../log';
import type { DueEntry, TaskStore } from '../store/task-store';
import type { Candidate } from '../task/hint';
import type { Task } from '../task/task';
import type { PoolJob, WorkerPool } from './worker-pool';

/** How often a run looks for hints. */
export const HINT_LOOK_EVERY_MS = 1_000;

export interface HintFeedOptions {
  store: TaskStore;
  pool: WorkerPool;
  clock: Clock;
  signal: AbortSignal;
  logger: Logger;
  /** At most this many hinted jobs (and as many candidates) are queued at once; the rest wait in the table. */
  batch: number;
  hintJob(task: Task): PoolJob;
  candidateJob(candidate: Candidate): PoolJob;
  malformed(entry: Extract<DueEntry, { malformed: unknown }>['malformed']): Promise<void>;
  /** An entry older than what the run wrote for its task (the index is read eventually consistent). */
  isStale(task: Task): boolean;
  everyMs?: number;
}

export interface HintFeed {
  /** Stops looking; resolves once a look in progress is over. */
  stop(): Promise<void>;
  /** Stops looking after one more look, so that what callbacks asked meanwhile is queued too. */
  finish(): Promise<void>;
}

export function startHintFeed(options: HintFeedOptions): HintFeed {
  const { store, pool, clock, signal, logger, batch } = options;
  const everyMs = options.everyMs ?? HINT_LOOK_EVERY_MS;
  const stopping = new AbortController();

  const look = async (): Promise<void> => {
    const now = clock.now();
    const hintRoom = batch - pool.queued('hint');
    if (hintRoom > 0) {
      for (const entry of await store.listHinted(now, hintRoom)) {
        if ('malformed' in entry) await options.malformed(entry.malformed);
        else if (!pool.has(entry.task.taskId) && !options.isStale(entry.task))
          void pool.add('hint', [options.hintJob(entry.task)]);
      }
    }
    const candidateRoom = batch - pool.queued('candidate');
    if (candidateRoom > 0) {
      for (const candidate of await store.listCandidates(now, candidateRoom)) {
        const job = options.candidateJob(candidate);
        if (!pool.has(job.key)) void pool.add('candidate', [job]);
      }
    }
  };

  const loop = (async () => {
    while (!stopping.signal.aborted && !signal.aborted) {
      try {
        await look();
      } catch (error) {
        logger.warn('looking for hinted tasks failed; the next look is in a second', { error });
      }
      await sleepUnless(clock, everyMs, signal, stopping.signal);
    }
  })();

  return {
    async stop() {
      stopping.abort();
      await loop;
    },
    async finish() {
      stopping.abort();
      await loop;
      if (signal.aborted) return;
      await look().catch((error: unknown) => logger.warn('looking for hinted tasks failed', { error }));
    },
  };
}
