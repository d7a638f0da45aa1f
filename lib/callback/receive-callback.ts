// What a verified ZEGO callback does to its task (contract: "ZEGO callbacks"):
// - event 1 (upload finished): decided from the callback's own files by the outcome rules, and announced
//   through the recorder (record → publish → mark), with no ZEGO request;
// - events 2 (abnormal end), 5 (completed), 7 (uploading): the task is due at once, for the next sweep;
// - a task nobody tracked is tracked; a closed task is never changed; other event types are ignored.
// Every write is conditional: a callback that races a sweep (or a duplicate of itself) re-reads and decides
// again, so one event at most is ever announced per task.

import type { TaskStore } from '../store/task-store';
import type { CheckPolicy } from '../task/backoff';
import { applyRecordStatus } from '../task/outcome';
import type { Recorder } from '../task/recorder';
import { newTask, type OutcomeEventType, type Task } from '../task/task';
import { CALLBACK_EVENT } from '../zego/vocabulary';
import type { CallbackAction } from './callback-metrics';
import type { ZegoCallback } from './callback-request';
import { recordOfUploadFinished } from './upload-finished';

// The events that make a task due at once (upload finished is decided from the callback itself).
const MAKE_DUE = new Set<number>([CALLBACK_EVENT.endedAbnormally, CALLBACK_EVENT.completed, CALLBACK_EVENT.uploading]);

/** Writes lost to a concurrent writer before the callback gives up (the answer is then a 500: ZEGO retries). */
const MAX_ATTEMPTS = 4;

export class CallbackConflictError extends Error {
  override name = 'CallbackConflictError';
}

export interface CallbackDeps {
  store: TaskStore;
  recorder: Recorder;
  policy: CheckPolicy;
  random: () => number;
}

export interface CallbackResult {
  action: CallbackAction;
  /** Set when this callback closed the task. */
  outcome?: OutcomeEventType;
  announced?: 'published' | 'failed';
  /** The task as it stands after the callback (absent for an ignored event of an untracked task). */
  task?: Task;
}

export async function receiveCallback(
  deps: CallbackDeps,
  callback: ZegoCallback,
  at: { now: number; claimUntil: number },
): Promise<CallbackResult> {
  const { store } = deps;
  const { now } = at;
  const isUploadFinished = callback.eventType === CALLBACK_EVENT.uploadFinished;
  if (!isUploadFinished && !MAKE_DUE.has(callback.eventType)) return { action: 'ignored' };

  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    let task = await store.get(callback.taskId);
    let tracked = false;
    if (task === undefined) {
      const created = await store.create(
        newTask(
          callback.taskId,
          now,
          callback.roomId === undefined
            ? { trackedBy: 'callback' }
            : { roomId: callback.roomId, trackedBy: 'callback' },
        ),
      );
      ({ task, created: tracked } = created);
    }
    if (task.state !== 'OPEN') return { action: 'closed_already', task };

    const record = isUploadFinished ? recordOfUploadFinished(callback.detail, task.zegoStatus) : undefined;
    if (record !== undefined) {
      const decision = applyRecordStatus(
        { ...task, ...(task.roomId === undefined && callback.roomId ? { roomId: callback.roomId } : {}) },
        record,
        { now, policy: deps.policy, random: deps.random },
      );
      const recorded = await deps.recorder.record(decision, { claimUntil: at.claimUntil, closedBy: 'callback' });
      if (recorded.task === undefined && recorded.announced === undefined) continue; // someone else wrote first: decide again
      if (decision.outcome === undefined) return { action: tracked ? 'tracked' : 'updated', task: recorded.task };
      return { action: 'announced', outcome: decision.outcome, announced: recorded.announced!, task: recorded.task };
    }

    // Due at once, so that the next sweep checks it first (a new task already is).
    if (tracked || (task.dueAt !== undefined && task.dueAt <= now))
      return { action: tracked ? 'tracked' : 'made_due', task };
    const saved = await store.save({ ...task, dueAt: now });
    if (saved !== undefined) return { action: 'made_due', task: saved };
  }
  throw new CallbackConflictError(
    `task ${callback.taskId} kept changing under the callback (${MAX_ATTEMPTS} conflicting writes)`,
  );
}
