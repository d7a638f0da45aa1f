// The public view of a task (the HTTP API's answers and every event's `recording`): what users rely on,
// built by one function from the stored task.
import { FILE_STATUS } from '../zego/vocabulary';
import {
  type ClosedBy,
  eventIdOf,
  type RecordingFacts,
  type RecordingFile,
  type Task,
  type TaskError,
  type TrackedBy,
} from './task';

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
  /** A closed task's outcome event id (the event's `eventId`): what a subscriber catching up dedupes on. */
  eventId?: string;
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
  const eventId = eventIdOf(task);
  if (eventId !== undefined) view.eventId = eventId;
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
