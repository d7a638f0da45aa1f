// The only file that knows the task item's attribute names. Items are untrusted (an older version, a
// hand edit): they are validated on the way in and a bad one is reported, never guessed at.
import { gunzipSync, gzipSync } from 'node:zlib';
import { CANDIDATE_RETENTION_MS, type Candidate } from '../task/hint';
import {
  CLOSED_BY,
  type ClosedBy,
  EVENT_TARGETS,
  type EventTargetName,
  type RecordingFile,
  TASK_STATES,
  type Task,
  type TaskError,
  type TaskState,
  TRACKED_BY,
  type TrackedBy,
} from '../task/task';

export type TaskItem = Record<string, unknown>;

export class MalformedTaskError extends Error {
  override name = 'MalformedTaskError';
  constructor(
    readonly taskId: string,
    detail: string,
  ) {
    super(`stored task ${taskId} is malformed: ${detail}`);
  }
}

/** The sparse due index: only items that need work carry its keys. */
export const DUE_INDEX = 'due-index';
export const SHARD_ATTR = 'dueShard';
export const DUE_ATTR = 'dueAt';
/**
 * The due index's partition for hinted tasks (a callback asked for a look): apart from the `due#n` shards, so
 * that the sweep reads the hinted ones alone, every second, for the cost of what is hinted.
 */
export const HINT_SHARD = 'hint';
/** The due index's partition for candidates: task ids a callback named that nobody tracked. */
export const CANDIDATE_SHARD = 'candidate';
/** A candidate's key in the table: task ids are letters, digits, - and _, so '#' keeps it out of their way. */
export const CANDIDATE_PREFIX = '#candidate#';
/** The key of the mark an untracked task leaves. */
export const UNTRACKED_PREFIX = '#untracked#';
// ZEGO answers for a recording for 3 days after it began: callbacks for it come within them. One day more.
const UNTRACKED_RETENTION_MS = 4 * 86_400_000;

/** The mark `DELETE` leaves: no index keys, gone after four days (DynamoDB's TTL). */
export function untrackedItem(taskId: string, now: number): TaskItem {
  return {
    taskId: `${UNTRACKED_PREFIX}${taskId}`,
    untrackedAt: now,
    [TTL_ATTR]: Math.ceil((now + UNTRACKED_RETENTION_MS) / 1000),
  };
}
/**
 * The sparse closed index: only closed tasks carry its key, the UTC day they closed on (`YYYY-MM-DD`), with
 * `closedAt` as its sort key, so that "closed since T" is a Query per day, earliest first. A day per partition
 * is enough: closing a task takes a ZEGO answer (10 a second per AppId) or an expiry, far below the write
 * rate one partition takes.
 */
export const CLOSED_INDEX = 'closed-index';
export const CLOSED_DAY_ATTR = 'closedDay';
export const CLOSED_AT_ATTR = 'closedAt';

/** The UTC day of an epoch-ms instant, as the closed index keys it. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The sparse room index: only tasks with a room carry its key. */
export const ROOM_INDEX = 'room-index';
/** DynamoDB TTL attribute (epoch seconds), set on closed and announced tasks only. */
export const TTL_ATTR = 'expiresAt';
/** The files, gzip-compressed JSON, when they would make the item too large as a list (a Binary attribute). */
export const FILES_GZIP_ATTR = 'filesGzip';

// DynamoDB: an item is at most 400 KB (names and values). Files are kept as a plain list while the item
// stays small, compressed beyond that (ZEGO's file entries are repetitive: about 10× smaller), and, for a
// recording whose files exceed even that, cut to the most that fit, with the total kept and the cut said:
// the task is still stored, decided and announced, never retried forever.
export const ITEM_MAX_BYTES = 400 * 1024;
const PLAIN_FILES_MAX_BYTES = 64 * 1024;
const ITEM_BUDGET_BYTES = ITEM_MAX_BYTES - 24 * 1024; // room for the other attributes and DynamoDB's own counting

/** An upper bound of an item's size as DynamoDB counts it (names and values; JSON's quotes make it generous). */
function itemBytes(item: TaskItem): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item))
    bytes +=
      Buffer.byteLength(name) +
      (value instanceof Uint8Array ? value.byteLength : Buffer.byteLength(JSON.stringify(value)));
  return bytes;
}

export function shardKey(shard: number): string {
  return `due#${shard}`;
}

/** A stable shard for a task: FNV-1a of its id, so a task stays on one shard while the count is unchanged. */
export function shardOf(taskId: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < taskId.length; i++) hash = Math.imul(hash ^ taskId.charCodeAt(i), 0x01000193) >>> 0;
  return hash % shards;
}

/**
 * The item for a task. The files are stored as a list, compressed, or (past DynamoDB's item size even
 * compressed) cut to the most that fit: `task` then says so (`fileCount`, `filesTruncated`), and
 * `fitted` is the task as stored.
 */
export function toItem(task: Task, options: { shards: number; retentionMs: number }): TaskItem {
  return fitTask(task, options).item;
}

export function fitTask(
  task: Task,
  options: { shards: number; retentionMs: number },
): { item: TaskItem; fitted: Task } {
  const item = baseItem(task, options);
  const files = task.files;
  if (files === undefined || Buffer.byteLength(JSON.stringify(files)) <= PLAIN_FILES_MAX_BYTES)
    return { item, fitted: task };
  delete item.files;
  const withFiles = (some: RecordingFile[]): TaskItem => ({
    ...item,
    [FILES_GZIP_ATTR]: gzipSync(JSON.stringify(some)),
  });
  const whole = withFiles(files);
  if (itemBytes(whole) <= ITEM_BUDGET_BYTES) return { item: whole, fitted: task };
  // The most files that fit, found by halving (compressed size grows with the count).
  let low = 0;
  let high = files.length - 1;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (itemBytes(withFiles(files.slice(0, mid))) <= ITEM_BUDGET_BYTES) low = mid;
    else high = mid - 1;
  }
  const fitted: Task = {
    ...task,
    files: files.slice(0, low),
    fileCount: task.filesTruncated === true && task.fileCount !== undefined ? task.fileCount : files.length,
    filesTruncated: true,
  };
  return { item: { ...withFiles(fitted.files!), fileCount: fitted.fileCount, filesTruncated: true }, fitted };
}

function baseItem(task: Task, options: { shards: number; retentionMs: number }): TaskItem {
  const { dueAt, ...rest } = task;
  const item: TaskItem = { ...rest };
  for (const [key, value] of Object.entries(item)) if (value === undefined) delete item[key];
  delete item.hinted;
  if (dueAt !== undefined) {
    item[SHARD_ATTR] = task.hinted === true ? HINT_SHARD : shardKey(shardOf(task.taskId, options.shards));
    item[DUE_ATTR] = dueAt;
  }
  if (task.state !== 'OPEN' && task.closedAt !== undefined) item[CLOSED_DAY_ATTR] = utcDay(task.closedAt);
  if (task.state !== 'OPEN' && task.publishedAt !== undefined) {
    item[TTL_ATTR] = Math.ceil((task.publishedAt + options.retentionMs) / 1000);
  }
  return item;
}

export function fromItem(item: TaskItem): Task {
  const taskId = item.taskId;
  if (typeof taskId !== 'string' || taskId === '') throw new MalformedTaskError(String(taskId), 'taskId is missing');
  const bad = (detail: string) => new MalformedTaskError(taskId, detail);
  const num = (name: string, fallback?: number): number | undefined => {
    const value = item[name];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value)) throw bad(`${name} is not a number`);
    return value;
  };
  const str = (name: string): string | undefined => {
    const value = item[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw bad(`${name} is not a string`);
    return value;
  };
  const state = item.state;
  if (typeof state !== 'string' || !TASK_STATES.includes(state as TaskState))
    throw bad(`state ${JSON.stringify(state)} is not one of ${TASK_STATES.join(', ')}`);
  const trackedAt = num('trackedAt');
  if (trackedAt === undefined) throw bad('trackedAt is missing');

  const task: Task = {
    taskId,
    state: state as TaskState,
    trackedAt,
    checks: num('checks', 0)!,
    quietChecks: num('quietChecks', 0)!,
    faultStreak: num('faultStreak', 0)!,
    notFoundStreak: num('notFoundStreak', 0)!,
    version: num('version', 0)!,
  };
  const processingErrors = num('processingErrors');
  if (processingErrors !== undefined) task.processingErrors = processingErrors;
  const closedBy = str('closedBy');
  if (closedBy !== undefined && !CLOSED_BY.includes(closedBy as ClosedBy))
    throw bad(`closedBy ${JSON.stringify(closedBy)} is not one of ${CLOSED_BY.join(', ')}`);
  const trackedBy = str('trackedBy');
  if (trackedBy !== undefined && !TRACKED_BY.includes(trackedBy as TrackedBy))
    throw bad(`trackedBy ${JSON.stringify(trackedBy)} is not one of ${TRACKED_BY.join(', ')}`);
  const optional = { roomId: str('roomId'), outcomeReason: str('outcomeReason'), closedBy, trackedBy };
  const numbers = {
    zegoStatus: num('zegoStatus'),
    recordBeginTimestamp: num('recordBeginTimestamp'),
    recordEndTimestamp: num('recordEndTimestamp'),
    lastCheckedAt: num('lastCheckedAt'),
    dueAt: item[SHARD_ATTR] === undefined ? undefined : num(DUE_ATTR),
    closedAt: num('closedAt'),
    publishedAt: num('publishedAt'),
    hintedAt: num('hintedAt'),
    hintFollowUps: num('hintFollowUps'),
  };
  for (const [key, value] of Object.entries({ ...optional, ...numbers }))
    if (value !== undefined) (task as unknown as Record<string, unknown>)[key] = value;
  if (task.dueAt !== undefined && item[SHARD_ATTR] === HINT_SHARD) task.hinted = true;
  if (item.files !== undefined && item.files !== null) task.files = filesOf(item.files, bad);
  const packed = item[FILES_GZIP_ATTR];
  if (packed !== undefined && packed !== null) task.files = filesOf(unpack(packed, bad), bad);
  const fileCount = num('fileCount');
  if (fileCount !== undefined) task.fileCount = fileCount;
  if (item.filesTruncated === true) task.filesTruncated = true;
  if (item.lastError !== undefined && item.lastError !== null) task.lastError = errorOf(item.lastError, bad);
  if (item.publishedTo !== undefined && item.publishedTo !== null) task.publishedTo = targetsOf(item.publishedTo, bad);
  return task;
}

const FILE_STRINGS = ['url', 'fileId', 'videoId', 'streamId', 'userId', 'format'] as const;
const FILE_NUMBERS = [
  'sizeBytes',
  'durationMs',
  'width',
  'height',
  'mediaTrackType',
  'beginTimestamp',
  'status',
] as const;

function unpack(value: unknown, bad: (detail: string) => Error): unknown {
  if (!(value instanceof Uint8Array)) throw bad(`${FILES_GZIP_ATTR} is not binary`);
  try {
    return JSON.parse(gunzipSync(value).toString('utf8')) as unknown;
  } catch {
    throw bad(`${FILES_GZIP_ATTR} is not gzip-compressed JSON`);
  }
}

function filesOf(value: unknown, bad: (detail: string) => Error): RecordingFile[] {
  if (!Array.isArray(value)) throw bad('files is not a list');
  return value.map((raw, index) => {
    if (typeof raw !== 'object' || raw === null) throw bad(`files[${index}] is not a map`);
    const source = raw as Record<string, unknown>;
    if (typeof source.status !== 'number') throw bad(`files[${index}].status is not a number`);
    const file: RecordingFile = { status: source.status };
    for (const key of FILE_STRINGS) if (typeof source[key] === 'string') file[key] = source[key];
    for (const key of FILE_NUMBERS) if (typeof source[key] === 'number') file[key] = source[key];
    return file;
  });
}

/** The targets an event went out to; a name this version does not know (a later one's target) is left out. */
function targetsOf(value: unknown, bad: (detail: string) => Error): EventTargetName[] {
  if (!Array.isArray(value) || !value.every((name) => typeof name === 'string'))
    throw bad('publishedTo is not a list of names');
  return value.filter((name): name is EventTargetName => EVENT_TARGETS.includes(name as EventTargetName));
}

function errorOf(value: unknown, bad: (detail: string) => Error): TaskError {
  const source = value as Record<string, unknown>;
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof source.message !== 'string' ||
    typeof source.at !== 'number'
  ) {
    throw bad('lastError is not a map with message and at');
  }
  const kind =
    source.kind === 'task' || source.kind === 'config' || source.kind === 'processing' ? source.kind : 'transient';
  const error: TaskError = { kind, message: source.message, at: source.at };
  if (typeof source.code === 'number') error.code = source.code;
  return error;
}

/** A candidate's item: in the candidate partition of the due index, gone after a day whatever happens. */
export function candidateItem(candidate: Candidate): TaskItem {
  return {
    taskId: `${CANDIDATE_PREFIX}${candidate.taskId}`,
    candidateOf: candidate.taskId,
    [SHARD_ATTR]: CANDIDATE_SHARD,
    [DUE_ATTR]: candidate.dueAt,
    hintedAt: candidate.hintedAt,
    attempts: candidate.attempts,
    version: candidate.version,
    [TTL_ATTR]: Math.ceil((candidate.hintedAt + CANDIDATE_RETENTION_MS) / 1000),
  };
}

/** A candidate from its item, or undefined for one that cannot be read (it is then dropped: it is only a hint). */
export function candidateOf(item: TaskItem): Candidate | undefined {
  const { candidateOf: taskId, hintedAt, attempts, version } = item;
  const dueAt = item[DUE_ATTR];
  const numeric = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
  if (typeof taskId !== 'string' || item.taskId !== `${CANDIDATE_PREFIX}${taskId}`) return undefined;
  if (!numeric(hintedAt) || !numeric(dueAt) || !numeric(attempts) || !numeric(version)) return undefined;
  return { taskId, hintedAt, dueAt, attempts, version };
}
