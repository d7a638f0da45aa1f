// One sweep run: take the lease, work through the due tasks earliest first within the rate and
// concurrency limits, write what was learned, announce outcomes, give the lease back, and say what it did.
import type { EventPublisher } from '../events/publisher';
import type { Logger } from '../log';
import type { Task } from '../recording';
import type { SweepLease, TaskStore } from '../store/task-store';
import type { RequestGate, ZegoClient } from '../zego/types';
import type { CheckPolicy } from './backoff';
import { applyResult, expireIfPastWindow, type Decision } from './outcome';
import { createRequestGate, type Clock } from './request-gate';
import { createRecorder, type Recorded } from './recorder';
import { emptySummary, type SweepSummary } from './summary';

export interface SweepDeps {
  store: TaskStore;
  lease: SweepLease;
  zego: ZegoClient;
  publisher: EventPublisher;
  clock: Clock;
  random: () => number;
  logger: Logger;
}

export interface SweepSettings {
  rateLimit: number;
  concurrency: number;
  policy: CheckPolicy;
  /** ZEGO_TIMEOUT_MS: one attempt's longest wait; a check may take two attempts. */
  zegoTimeoutMs: number;
  pageSize?: number;
  /** Configuration faults after which the run stops instead of spending the budget. */
  configFaultLimit?: number;
  /** Count the tasks still needing work after this run (a COUNT query of the due index). */
  countOpenTasks?: boolean;
}

export interface RunOptions {
  runId: string;
  /** Epoch ms at which the run is killed (Lambda: now + getRemainingTimeInMillis()). */
  deadline: number;
}

/** Time kept back at the end of a run for writes, publishing and returning. */
const WRITE_RESERVE_MS = 2_000;
/**
 * How long the lease (and an outcome's publish claim) outlives the run's hard deadline: a run killed by
 * its timeout still keeps others out until it is surely gone.
 */
const LEASE_GRACE_MS = 5_000;

/** Stop taking work this long before the deadline: a check started then (two attempts at most) still ends in time. */
export function stopReserveMs(zegoTimeoutMs: number): number {
  return 2 * zegoTimeoutMs + WRITE_RESERVE_MS;
}

export async function runSweep(deps: SweepDeps, settings: SweepSettings, run: RunOptions): Promise<SweepSummary> {
  const { store, lease, zego, clock, logger } = deps;
  const startedAt = clock.now();
  const summary = emptySummary(run.runId);
  const held = await lease.acquire(run.runId, startedAt, run.deadline + LEASE_GRACE_MS);
  if (held === undefined) {
    summary.skipped = 'another sweep holds the lease';
    summary.durationMs = Math.round(clock.now() - startedAt);
    logger.info('sweep skipped', { summary });
    return summary;
  }

  const stop = new AbortController();
  const stopAt = run.deadline - stopReserveMs(settings.zegoTimeoutMs);
  const stopTimer = setTimeout(() => stop.abort('deadline'), Math.max(0, stopAt - clock.now()));
  const gate = createRequestGate({ limit: settings.rateLimit, concurrency: settings.concurrency, clock, carriedOver: held.carriedOver });
  // Stopping cuts the wait for a slot, never a request in flight: ZEGO has counted it, so use its answer.
  const stoppableGate: RequestGate = { acquire: () => gate.acquire(stop.signal) };
  const seen = new Set<string>();
  let configFaults = 0;

  const work = async (task: Task): Promise<void> => {
    if (task.state !== 'OPEN') return publishPending(task);
    const expired = expireIfPastWindow(task, clock.now());
    if (expired) return record(expired);

    const result = await zego.describeRecordStatus(task.taskId, { gate: stoppableGate });
    summary.requests += result.attempts;
    if (stop.signal.aborted && result.kind === 'transient') return; // not (fully) checked: stays due
    if (result.kind === 'config') {
      summary.faults.config++;
      summary.lastConfigFault = result.message;
      if (++configFaults >= (settings.configFaultLimit ?? 3)) stop.abort('configuration');
      return; // never written: configuration faults are ours, not the task's
    }
    summary.checked++;
    if (result.kind !== 'ok') summary.faults[result.kind]++;
    if (result.kind !== 'ok' && result.rateRefused) {
      summary.rateRefusals++;
      logger.warn('ZEGO refused a request for its rate limit: is another client spending this AppId\'s budget?', { taskId: task.taskId });
    }
    if (result.kind === 'transient' && result.code === 100000004) logger.warn('ZEGO says the signature expired: check the clock', { taskId: task.taskId });
    return record(applyResult(task, result, { now: clock.now(), policy: settings.policy, random: deps.random }));
  };

  const recorder = createRecorder({ store, publisher: deps.publisher, clock, logger, retryAfterMs: settings.policy.checkIntervalMs });
  // An outcome's publish claim outlives this run: a run killed at its deadline keeps others off it until surely gone.
  const claimUntil = run.deadline + LEASE_GRACE_MS;
  const tally = (recorded: Recorded): Recorded => {
    summary.conflicts += recorded.conflicts;
    if (recorded.announced === 'published') summary.published++;
    if (recorded.announced === 'failed') summary.publishFailures++;
    return recorded;
  };

  const record = async (decision: Decision): Promise<void> => {
    const recorded = tally(await recorder.record(decision, { claimUntil, closedBy: 'poll' }));
    if (decision.outcome !== undefined && recorded.announced !== undefined) summary.outcomes[decision.outcome]++;
  };

  const publishPending = async (task: Task): Promise<void> => {
    const recorded = tally(await recorder.publishPending(task, { claimUntil }));
    if (recorded.announced !== undefined) summary.republished++;
  };

  const worker = async (source: AsyncIterator<Task>): Promise<void> => {
    while (!stop.signal.aborted) {
      const next = await source.next();
      if (next.done) return;
      try {
        await work(next.value);
      } catch (error) {
        summary.errors++;
        logger.error('a task could not be processed; it stays due', { taskId: next.value.taskId, error });
      }
    }
  };

  // Yields the due tasks not yet taken this run; `taken` tells whether the pass found anything new.
  const pass = { taken: 0 };
  async function* dueTasks(now: number): AsyncGenerator<Task> {
    for await (const entry of store.listDue(now, { pageSize: settings.pageSize ?? 100 })) {
      if ('malformed' in entry) {
        summary.malformed++;
        logger.error('skipping an unreadable task item; look at it by hand', entry.malformed);
        await store.postpone(entry.malformed.taskId, clock.now() + 3_600_000);
        continue;
      }
      if (seen.has(entry.task.taskId)) continue;
      // Earliest first: the run's first task is its most overdue one.
      if (summary.due === 0) summary.lagMs = Math.max(0, Math.round(clock.now() - (entry.task.dueAt ?? clock.now())));
      seen.add(entry.task.taskId);
      pass.taken++;
      summary.due++;
      yield entry.task;
    }
  }

  try {
    // Pass after pass until one finds nothing new: tasks that fall due during a long run are taken
    // too, but no task is checked twice in one run.
    do {
      pass.taken = 0;
      const source = dueTasks(clock.now());
      await Promise.all(Array.from({ length: settings.concurrency }, () => worker(source)));
    } while (pass.taken > 0 && !stop.signal.aborted);
    if (settings.countOpenTasks) {
      summary.openTasks = await store.countDue().catch((error: unknown) => {
        logger.warn('could not count the open tasks', { error });
        return undefined;
      });
    }
  } finally {
    clearTimeout(stopTimer);
    await lease.release(run.runId, gate.carryOver()).catch((error: unknown) => logger.warn('could not release the sweep lease', { error }));
  }

  if (stop.signal.aborted) summary.stoppedBy = stop.signal.reason === 'configuration' ? 'configuration' : 'deadline';
  summary.durationMs = Math.round(clock.now() - startedAt);
  summary.requestsPerSecond = Math.round((summary.requests / Math.max(summary.durationMs, 1000)) * 10_000) / 10;
  summary.peakRequestsPerSecond = gate.peakInWindow();
  const log = summary.stoppedBy === 'configuration' ? logger.error : logger.info;
  log('sweep finished', { summary });
  return summary;
}
