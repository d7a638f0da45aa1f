// What a task is: the recording as recwatch knows it, its states and outcomes, and how one is tracked. Its
// public form is view.ts's.

export const TASK_STATES = ['OPEN', 'COMPLETED', 'FAILED', 'EXPIRED'] as const;
export type TaskState = (typeof TASK_STATES)[number];

/** The event that announces each closed state. */
export const EVENT_TYPE = {
  COMPLETED: 'recording.completed',
  FAILED: 'recording.failed',
  EXPIRED: 'recording.expired',
} as const satisfies Record<Exclude<TaskState, 'OPEN'>, string>;
export type OutcomeEventType = (typeof EVENT_TYPE)[keyof typeof EVENT_TYPE];

/** The targets an outcome event is put on: the SNS topic always, an EventBridge bus when EVENT_BUS_NAME is set. */
export const EVENT_TARGETS = ['sns', 'eventBridge'] as const;
export type EventTargetName = (typeof EVENT_TARGETS)[number];

/**
 * The id of a closed task's outcome event (contract: "Events"): opaque to subscribers, the same on every retry
 * and republish of one outcome (delivery is at least once), different for a task untracked and tracked again.
 */
export function eventIdOf(task: Pick<Task, 'taskId' | 'trackedAt' | 'state'>): string | undefined {
  if (task.state === 'OPEN') return undefined;
  return `${task.taskId}:${task.trackedAt}:${EVENT_TYPE[task.state]}`;
}

/** Which check closed a task: a scheduled one (poll), or one a ZEGO callback's hint asked for. */
export const CLOSED_BY = ['poll', 'callback'] as const;
export type ClosedBy = (typeof CLOSED_BY)[number];

/** How a task came to be tracked: the HTTP API, a ZEGO callback (its candidate, confirmed), or the sweep's discovery. */
export const TRACKED_BY = ['api', 'callback', 'discovery'] as const;
export type TrackedBy = (typeof TRACKED_BY)[number];

/** One recorded file, as ZEGO reported it (names are ours; see lib/zego/describe-response.ts). */
export interface RecordingFile {
  url?: string;
  fileId?: string;
  videoId?: string;
  streamId?: string;
  userId?: string;
  format?: string;
  sizeBytes?: number;
  durationMs?: number;
  width?: number;
  height?: number;
  mediaTrackType?: number;
  beginTimestamp?: number;
  /** ZEGO: 1 recording, 2 uploading, 3 uploaded, 4 in ZEGO backup storage (deleted after 3 days), 5 failed. */
  status: number;
}

/** The last fault met while checking a task (kept for operators; never carries secrets). */
export interface TaskError {
  /** 'processing': recwatch itself could not process the task (see the sweep's logs); it is set aside and tried again later. */
  kind: 'transient' | 'task' | 'config' | 'processing';
  code?: number;
  message: string;
  at: number;
}

/** What the stored task and its public view share. */
export interface RecordingFacts {
  taskId: string;
  roomId?: string;
  state: TaskState;
  /** ZEGO: 1 initialising, 2 in progress, 3 ended, 4 ended abnormally, 5 paused. */
  zegoStatus?: number;
  /** ZEGO: epoch milliseconds. */
  recordBeginTimestamp?: number;
  recordEndTimestamp?: number;
  checks: number;
}

/** A tracked task, as the task store holds it. Times are epoch milliseconds. */
export interface Task extends RecordingFacts {
  files?: RecordingFile[];
  /** Set with `filesTruncated` when not every file could be kept (DynamoDB's item size): the total. */
  fileCount?: number;
  filesTruncated?: boolean;
  trackedAt: number;
  trackedBy?: TrackedBy;
  lastCheckedAt?: number;
  /** When the task next needs work: a check while OPEN, a (re)publish while its outcome is unannounced. */
  dueAt?: number;
  /** Consecutive checks that showed no progress (drives the backoff). */
  quietChecks: number;
  /** Consecutive transient faults (drives the backoff too). */
  faultStreak: number;
  /** Consecutive "task does not exist" / "invalid parameter" answers. */
  notFoundStreak: number;
  /**
   * A callback's hint is waiting (or being followed up): the task is checked before every other due task.
   * The store keeps such a task apart in the due index, so that the sweep reads the hinted ones alone.
   */
  hinted?: boolean;
  /** When the last hint was taken (epoch ms): further hints within the cooldown change nothing. */
  hintedAt?: number;
  /** Quick looks taken since the last hint while ZEGO showed the files still uploading (bounded). */
  hintFollowUps?: number;
  /** Consecutive passes in which processing the task threw (drives its set-aside backoff). */
  processingErrors?: number;
  lastError?: TaskError;
  closedAt?: number;
  /** Why the task closed as it did, in a few words (e.g. "file upload failed"). */
  outcomeReason?: string;
  closedBy?: ClosedBy;
  /** When the outcome event had gone out to every target. */
  publishedAt?: number;
  /**
   * The targets the outcome event went out to, while some have not taken it yet: a retry sends it to the
   * others only. Absent on a task published in full (or by a version that had one target).
   */
  publishedTo?: EventTargetName[];
  /** Optimistic-concurrency counter: every write is conditional on it. */
  version: number;
}

/** A task just tracked: OPEN, never checked, due for its first check at once. */
export function newTask(taskId: string, now: number, extra: Partial<Task> = {}): Task {
  return {
    taskId,
    state: 'OPEN',
    trackedAt: now,
    dueAt: now,
    checks: 0,
    quietChecks: 0,
    faultStreak: 0,
    notFoundStreak: 0,
    version: 0,
    ...extra,
  };
}
