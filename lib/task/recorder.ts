// Writes what was learned about a task, and announces an outcome: record → publish → mark. The one path
// for both ways in (a poll's answer, a ZEGO callback), so that neither can announce a task twice.
//
// Every write is conditional on the task's version: when two writers race (a callback and a sweep, two
// sweeps), one write wins and the other is told so, and only the winner publishes.
import type { Clock } from '../clock';
import type { Logger } from '../log';
import type { TaskStore } from '../store/task-store';
import type { Decision } from './outcome';
import { buildOutcomeEvent, type OutcomeEvent } from './outcome-event';
import { type EventPublisher, PublishError } from './publisher';
import type { ClosedBy, Task } from './task';

export interface RecorderDeps {
  store: TaskStore;
  /** The event's targets (SNS, and EventBridge when configured): each gets every outcome at least once. */
  publishers: readonly EventPublisher[];
  /** The ZEGO AppId, carried by every event. */
  appId: number;
  clock: Clock;
  logger: Logger;
  /** After a failed publish, the outcome is due again this long later (the sweep retries it). */
  retryAfterMs: number;
}

export interface Recorded {
  /** The task as stored now; undefined when another writer got there first (nothing was written). */
  task?: Task;
  /** Set when this call wrote an outcome (it holds the claim to announce it): whether the publish went out. */
  announced?: 'published' | 'failed';
  /** Writes that lost to a concurrent writer. */
  conflicts: number;
}

export interface RecordOptions {
  /** How long the publish claim keeps other writers off the outcome (epoch ms): past the writer's own end. */
  claimUntil: number;
  /** Which path closed the task, when the decision closes it. */
  closedBy: ClosedBy;
}

/**
 * A target refused the event for good after the recorder had written the task (what went out, the claim given
 * back): `task` is the task as stored now, so that setting it aside is conditional on that version, not on the
 * one read before (which that write replaced, and a set-aside on it would be refused as a lost race).
 */
export class RefusedAfterWrite extends Error {
  override readonly name = 'RefusedAfterWrite';
  constructor(
    readonly refusal: PublishError,
    readonly task: Task,
  ) {
    super(refusal.message, { cause: refusal });
  }
}

export interface Recorder {
  /** Writes a decision; when it closes the task, claims the outcome, publishes it and marks it published. */
  record(decision: Decision, options: RecordOptions): Promise<Recorded>;
  /** A closed task whose outcome was recorded but not announced (a publish failed, a run died): announce it. */
  publishPending(task: Task, options: Pick<RecordOptions, 'claimUntil'>): Promise<Recorded>;
}

export function createRecorder(deps: RecorderDeps): Recorder {
  const { store, clock, logger } = deps;

  const save = async (task: Task): Promise<Recorded> => {
    const saved = await store.save(task);
    return saved === undefined ? { conflicts: 1 } : { task: saved, conflicts: 0 };
  };

  /** Writes the task with a publish claim (its due time), then announces it; nothing when another writer won. */
  const claimAndAnnounce = async (task: Task, claimUntil: number): Promise<Recorded> => {
    // A task whose event cannot even be built (it breaks an invariant) throws here, before any claim: a
    // problem of ours for the caller to set aside, not a publish to retry.
    buildOutcomeEvent(task, task.closedAt ?? clock.now(), deps.appId);
    const claimed = await store.save({ ...task, dueAt: claimUntil });
    if (claimed === undefined) return { conflicts: 1 };
    return announce(claimed);
  };

  /**
   * Puts the event on every target that has not taken it yet (all at once), then writes once what went out:
   * published when every target took it; otherwise the targets that did, and the claim given back, so that
   * the retry goes to the others only.
   */
  const announce = async (task: Task): Promise<Recorded> => {
    const now = clock.now();
    // Built from the task as stored: its files may have been cut to fit an item.
    const event: OutcomeEvent = buildOutcomeEvent(task, task.closedAt ?? now, deps.appId);
    const sentBefore = new Set(task.publishedTo ?? []);
    const pending = deps.publishers.filter((publisher) => !sentBefore.has(publisher.target));
    const results = await Promise.allSettled(pending.map((publisher) => publisher.publish(event)));
    const sent = [...sentBefore];
    let refused: PublishError | undefined;
    results.forEach((result, i) => {
      const { target } = pending[i]!;
      if (result.status === 'fulfilled') {
        sent.push(target);
        return;
      }
      const error: unknown = result.reason;
      logger.error('publishing an outcome failed; a later run retries it', { taskId: task.taskId, target, error });
      if (error instanceof PublishError && error.permanent) refused ??= error;
    });
    if (sent.length < sentBefore.size + pending.length) {
      // Give the claim back so that the retry comes after one check interval, not after the claim runs out.
      const handedBack = await save({ ...task, publishedTo: sent, dueAt: now + deps.retryAfterMs });
      // A target refusing the message itself will refuse it again: the caller sets the task aside with backoff
      // (on the version just written; when another writer won instead, the original version loses as it should).
      if (refused !== undefined)
        throw handedBack.task === undefined ? refused : new RefusedAfterWrite(refused, handedBack.task);
      return { ...handedBack, task: handedBack.task ?? task, announced: 'failed' };
    }
    const marked: Task = { ...task, publishedAt: now };
    delete marked.dueAt;
    delete marked.publishedTo;
    // Announced: a streak of processing failures (a target that had refused it, say) is over.
    delete marked.processingErrors;
    if (marked.lastError?.kind === 'processing') delete marked.lastError;
    const done = await save(marked);
    return { ...done, task: done.task ?? task, announced: 'published' };
  };

  return {
    async record(decision, { claimUntil, closedBy }) {
      // A decision means the task was processed: a streak of processing failures ends.
      const task: Task = { ...decision.task };
      delete task.processingErrors;
      if (task.lastError?.kind === 'processing') delete task.lastError;
      if (decision.outcome === undefined) return save(task);
      return claimAndAnnounce({ ...task, closedBy }, claimUntil);
    },

    async publishPending(task, { claimUntil }) {
      if (task.publishedAt === undefined) return claimAndAnnounce(task, claimUntil);
      // Announced already, yet still in the index (an older version's item): just take it out.
      const done: Task = { ...task };
      delete done.dueAt;
      return save(done);
    },
  };
}
