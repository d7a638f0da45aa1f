// The recording as recwatch knows it, and the one function that turns it into the public view
// (used by the HTTP API and by SNS events alike).
import { FILE_STATUS } from '../zego/vocabulary';

export type TaskState = 'OPEN' | 'COMPLETED' | 'FAILED' | 'EXPIRED';
export const TASK_STATES: readonly TaskState[] = ['OPEN', 'COMPLETED', 'FAILED', 'EXPIRED'];

export type OutcomeEventType = 'recording.completed' | 'recording.failed' | 'recording.expired';

/** The event that announces each closed state. */
export const EVENT_TYPE: Record<Exclude<TaskState, 'OPEN'>, OutcomeEventType> = {
  COMPLETED: 'recording.completed',
  FAILED: 'recording.failed',
  EXPIRED: 'recording.expired',
};

/** Which way in found a task's outcome: a sweep's status request, or ZEGO's callback. */
export type ClosedBy = 'poll' | 'callback';
export const CLOSED_BY: readonly ClosedBy[] = ['poll', 'callback'];

/** How a task came to be tracked: the HTTP API, a ZEGO callback, or the sweep's discovery. */
export type TrackedBy = 'api' | 'callback' | 'discovery';
export const TRACKED_BY: readonly TrackedBy[] = ['api', 'callback', 'discovery'];

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
interface RecordingFacts {
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
  publishedAt?: number;
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

/** A file as the public view shows it (ZEGO's stream-begin time is internal). */
export type RecordingFileView = Omit<RecordingFile, 'beginTimestamp'>;

export interface RecordingView extends RecordingFacts {
  files?: RecordingFileView[];
  /** The recording's number of files, when `files` holds fewer (`filesTruncated`). */
  fileCount?: number;
  filesTruncated?: boolean;
  trackedAt: string;
  trackedBy?: TrackedBy;
  lastCheckedAt?: string;
  nextCheckAt?: string;
  closedAt?: string;
  outcomeReason?: string;
  closedBy?: ClosedBy;
  lastError?: { kind: TaskError['kind']; code?: number; message: string; at: string };
  warnings?: string[];
}

const iso = (ms: number): string => new Date(ms).toISOString();

// ZEGO: file status 4 = the customer's storage failed, the file sits in ZEGO backup storage, deleted after 3 days.
export const BACKUP_STORAGE_WARNING =
  'Some files could not be written to your storage and sit in ZEGO backup storage, which deletes them 3 days after the recording: copy them before then.';

/** A recording whose files could not all be stored (DynamoDB's 400 KB item size, even compressed). */
export function truncatedFilesWarning(kept: number, total: number): string {
  return `recwatch could keep only ${kept} of this recording's ${total} files (a DynamoDB item holds at most 400 KB, even compressed): ZEGO's DescribeRecordStatus lists them all for 3 days after the recording began.`;
}

/** Builds the public recording view. Fields not known yet are left out. */
export function toRecordingView(task: Task): RecordingView {
  const view: RecordingView = {
    taskId: task.taskId,
    state: task.state,
    trackedAt: iso(task.trackedAt),
    checks: task.checks,
  };
  if (task.roomId !== undefined) view.roomId = task.roomId;
  if (task.zegoStatus !== undefined) view.zegoStatus = task.zegoStatus;
  if (task.recordBeginTimestamp !== undefined) view.recordBeginTimestamp = task.recordBeginTimestamp;
  if (task.recordEndTimestamp !== undefined) view.recordEndTimestamp = task.recordEndTimestamp;
  if (task.files !== undefined) view.files = task.files.map(toFileView);
  if (task.filesTruncated === true) {
    view.fileCount = task.fileCount ?? task.files?.length ?? 0;
    view.filesTruncated = true;
  }
  if (task.trackedBy !== undefined) view.trackedBy = task.trackedBy;
  if (task.lastCheckedAt !== undefined) view.lastCheckedAt = iso(task.lastCheckedAt);
  if (task.state === 'OPEN' && task.dueAt !== undefined) view.nextCheckAt = iso(task.dueAt);
  if (task.closedAt !== undefined) view.closedAt = iso(task.closedAt);
  if (task.outcomeReason !== undefined) view.outcomeReason = task.outcomeReason;
  if (task.closedBy !== undefined) view.closedBy = task.closedBy;
  if (task.lastError !== undefined) {
    const { kind, code, message, at } = task.lastError;
    view.lastError = code === undefined ? { kind, message, at: iso(at) } : { kind, code, message, at: iso(at) };
  }
  const warnings: string[] = [];
  if (task.files?.some((f) => f.status === FILE_STATUS.inBackupStorage)) warnings.push(BACKUP_STORAGE_WARNING);
  if (task.filesTruncated === true) warnings.push(truncatedFilesWarning(task.files?.length ?? 0, task.fileCount ?? 0));
  if (warnings.length > 0) view.warnings = warnings;
  return view;
}

function toFileView(file: RecordingFile): RecordingFileView {
  const { beginTimestamp: _begin, ...view } = file;
  return view;
}
