// What a ZEGO answer means for a task: its next state, whether an outcome is due, when to look again.
// Pure data in, data out (contract: "Outcomes"); the sweep engine does the I/O around it.

import type { DescribeResult, RecordingStatus } from '../zego/types';
import { FILE_STATUS, RECORD_STATUS } from '../zego/vocabulary';
import { backoffDelay, type CheckPolicy } from './backoff';
import { followUpDelayMs, HINT_FOLLOW_UPS } from './hint';
import { adoptRoomId } from './ids';
import {
  EVENT_TYPE,
  type OutcomeEventType,
  type RecordingFile,
  type Task,
  type TaskError,
  type TaskState,
} from './task';

// ZEGO: DescribeRecordStatus only answers for tasks whose recording started within the last 3 days.
export const QUERY_WINDOW_MS = 3 * 24 * 60 * 60 * 1000;

// An abnormal end may still have good files: both are decided by their files.
const ENDED = new Set<number>([RECORD_STATUS.ended, RECORD_STATUS.endedAbnormally]);
// A file that will not change any more: in the customer's storage, in ZEGO's backup storage, or failed.
const FILE_SETTLED = new Set<number>([FILE_STATUS.uploaded, FILE_STATUS.inBackupStorage, FILE_STATUS.failed]);

export interface Decision {
  task: Task;
  /** Set when this check closed the task: the event to announce. */
  outcome?: OutcomeEventType;
}

export interface DecideOptions {
  now: number;
  policy: CheckPolicy;
  random: () => number;
  /**
   * Whether a "does not exist" answer counts toward the two in a row that fail a task (default true). A hinted
   * check soon after another does not count, so that hints cannot hurry a task to FAILED.
   */
  countNotFound?: boolean;
}

/** The moment after which ZEGO can no longer answer for the task. */
export function queryDeadline(task: Task): number {
  return (task.recordBeginTimestamp ?? task.trackedAt) + QUERY_WINDOW_MS;
}

/** Closes a task that is past ZEGO's 3-day window without spending a request on it. */
export function expireIfPastWindow(task: Task, now: number): Decision | undefined {
  if (task.state !== 'OPEN' || now < queryDeadline(task)) return undefined;
  const since = task.recordBeginTimestamp === undefined ? 'tracking began' : 'the recording began';
  return close(task, 'EXPIRED', `not finished 3 days after ${since}`, now);
}

/** Applies one DescribeRecordStatus result to an OPEN task. Configuration faults never reach here. */
export function applyResult(task: Task, result: DescribeResult, options: DecideOptions): Decision {
  const { now } = options;
  const checked: Task = { ...task, checks: task.checks + 1, lastCheckedAt: now };
  if (result.kind === 'ok') return applyRecordingStatus(checked, result.recording, options);
  const error: TaskError = { kind: result.kind === 'task' ? 'task' : 'transient', message: result.message, at: now };
  if (result.code !== undefined) error.code = result.code;

  if (result.kind === 'task') {
    const streak = task.notFoundStreak + (options.countNotFound === false ? 0 : 1);
    const notFound = { ...checked, lastError: error, notFoundStreak: streak, faultStreak: 0 };
    if (now >= queryDeadline(notFound))
      return close(notFound, 'EXPIRED', 'ZEGO no longer knows the task: past its 3-day window', now);
    // Contract: "does not exist" / "invalid parameter" twice in a row within the window = FAILED.
    if (notFound.notFoundStreak >= 2) {
      const reason = result.oversized
        ? `ZEGO's answer for this recording is larger than recwatch reads (${result.message}): look it up with DescribeRecordStatus`
        : `ZEGO does not know this task (code ${result.code ?? 'unknown'})`;
      return close(notFound, 'FAILED', reason, now);
    }
    return reschedule(notFound, options.policy.checkIntervalMs, now);
  }
  // Transient (config faults are handled by the engine, which never writes them to the task).
  const faulty = { ...checked, lastError: error, faultStreak: task.faultStreak + 1 };
  return reschedule(faulty, backoffDelay(faulty.faultStreak, options.policy, options.random), now);
}

/**
 * Applies the answer to a check that a callback's hint asked for. The outcome rules decide as for any check;
 * then the hint is settled. While ZEGO shows the files uploading (or the check met a passing fault) the
 * task is looked at again soon, a bounded number of times (lib/task/hint.ts). A recording ZEGO shows still
 * in progress goes back to its usual schedule, but never further out than one check interval, and its
 * backoff is not advanced: a forged hint can neither close a task nor push its next check away. A "does not
 * exist" answer soon after the last check does not count toward failing the task.
 */
export function applyHintedResult(task: Task, result: DescribeResult, options: DecideOptions): Decision {
  // Two "does not exist" answers fail a task only a check interval apart, as scheduled checks are: a hinted
  // check sooner than that after the last one does not count toward them.
  const sinceLastCheck = options.now - (task.lastCheckedAt ?? -Infinity);
  const countNotFound = sinceLastCheck >= options.policy.checkIntervalMs;
  const decision = applyResult(task, result, { ...options, countNotFound });
  const next: Task = { ...decision.task };
  delete next.hinted;
  delete next.hintFollowUps;
  if (decision.outcome !== undefined) return { ...decision, task: next };
  const { now, policy } = options;
  const uploading = result.kind === 'ok' && ENDED.has(result.recording.status);
  const followUps = task.hintFollowUps ?? 0;
  if ((uploading || result.kind === 'transient') && followUps < HINT_FOLLOW_UPS) {
    next.hinted = true;
    next.hintFollowUps = followUps + 1;
    next.dueAt = Math.min(now + followUpDelayMs(followUps, policy.checkIntervalMs), next.dueAt ?? Infinity);
    return { task: next };
  }
  if (result.kind === 'ok' && !uploading) {
    next.quietChecks = task.quietChecks;
    next.dueAt = Math.min(next.dueAt ?? now, now + policy.checkIntervalMs);
  }
  return { task: next };
}

/**
 * Applies what ZEGO says of a recording (its Status and files) to an OPEN task: the outcome rules. Every
 * check's answer comes here, through applyResult (a hinted check's through applyHintedResult).
 */
export function applyRecordingStatus(task: Task, recording: RecordingStatus, options: DecideOptions): Decision {
  const { now, policy, random } = options;
  const progressed = fingerprint(task.zegoStatus, task.files) !== fingerprint(recording.status, recording.files);
  const next: Task = {
    ...task,
    zegoStatus: recording.status,
    files: recording.files,
    notFoundStreak: 0,
    faultStreak: 0,
  };
  // A new file list: whether it fits an item is the store's to say again.
  delete next.fileCount;
  delete next.filesTruncated;
  delete next.lastError;
  const roomId = adoptRoomId(task.roomId, recording.roomId);
  if (roomId !== undefined) next.roomId = roomId;
  if (recording.recordBeginTimestamp !== undefined) next.recordBeginTimestamp = recording.recordBeginTimestamp;
  if (recording.recordEndTimestamp !== undefined) next.recordEndTimestamp = recording.recordEndTimestamp;

  if (ENDED.has(recording.status)) {
    const unsettled = recording.files.some((f) => !FILE_SETTLED.has(f.status));
    if (!unsettled) {
      const failed = recording.files.filter((f) => f.status === FILE_STATUS.failed).length;
      if (failed > 0)
        return close(next, 'FAILED', `${failed} of ${recording.files.length} files failed to upload`, now);
      const how = recording.status === RECORD_STATUS.endedAbnormally ? 'recording ended abnormally' : 'recording ended';
      return close(
        next,
        'COMPLETED',
        recording.files.length === 0 ? `${how} with no files` : `${how}; every file uploaded`,
        now,
      );
    }
    // Files are on their way: look again soon, without backoff.
    next.quietChecks = 0;
    return reschedule(next, policy.checkIntervalMs, now);
  }
  next.quietChecks = progressed ? 0 : task.quietChecks + 1;
  const expired = expireIfPastWindow(next, now);
  if (expired) return expired;
  return reschedule(next, backoffDelay(next.quietChecks, policy, random), now);
}

function reschedule(task: Task, delayMs: number, now: number): Decision {
  // Never sleep past the window's end: expiry is then noticed on time.
  return { task: { ...task, dueAt: Math.min(now + delayMs, Math.max(queryDeadline(task), now)) } };
}

function close(task: Task, state: Exclude<TaskState, 'OPEN'>, reason: string, now: number): Decision {
  const closed: Task = { ...task, state, closedAt: now, outcomeReason: reason, quietChecks: 0 };
  delete closed.dueAt; // the engine sets the publish claim
  return { task: closed, outcome: EVENT_TYPE[state] };
}

function fingerprint(status: number | undefined, files: RecordingFile[] | undefined): string {
  return `${status ?? '-'}|${(files ?? []).map((f) => `${f.fileId ?? f.url ?? ''}:${f.status}`).join(',')}`;
}
