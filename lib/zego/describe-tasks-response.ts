// Turns the parsed JSON body of a DescribeTasks answer into a ListResult, with the helpers and the envelope
// handling of describe-response.ts. Every field is untrusted: an ill-typed or missing required field makes the
// whole answer a transient fault, never an exception.
// ZEGO's answer: {Code, Message, RequestId, Data: {PageOffset, PageSize, TotalCount, TaskidList: [{TaskId, RoomId,
// Status, RecordBeginTimestamp}]}}.

import type { Json } from './describe-response';
import {
  interpretBody,
  isAbsent,
  isObject,
  malformed,
  optionalNumber,
  optionalString,
  parseWith,
  requiredInteger,
} from './describe-response';
import { classifyCode } from './return-codes';
import type { FaultClass, ListedTask, ListResult, TaskListPage } from './types';

function requiredCount(obj: Json, key: string, path: string): number {
  const value = requiredInteger(obj, key, path);
  if (value < 0) malformed(`${path}.${key}`, 'is negative');
  return value;
}

function parseListedTask(raw: unknown, path: string): ListedTask {
  if (!isObject(raw)) malformed(path, 'is not an object');
  const taskId = raw['TaskId'];
  if (isAbsent(taskId)) malformed(`${path}.TaskId`, 'is missing');
  if (typeof taskId !== 'string' || taskId === '') malformed(`${path}.TaskId`, 'is not a non-empty string');
  // ZEGO: Status as in DescribeRecordStatus (RECORD_STATUS, ./vocabulary.ts).
  const task: ListedTask = { taskId, status: requiredInteger(raw, 'Status', path) };
  const roomId = optionalString(raw, 'RoomId', path);
  if (roomId !== undefined) task.roomId = roomId;
  // ZEGO: Unix milliseconds.
  const begin = optionalNumber(raw, 'RecordBeginTimestamp', path);
  if (begin !== undefined) task.recordBeginTimestamp = begin;
  return task;
}

function parseData(data: unknown): TaskListPage {
  if (!isObject(data)) malformed('Data', isAbsent(data) ? 'is missing' : 'is not an object');
  const page: TaskListPage = {
    pageOffset: requiredCount(data, 'PageOffset', 'Data'),
    pageSize: requiredCount(data, 'PageSize', 'Data'),
    totalCount: requiredCount(data, 'TotalCount', 'Data'),
    tasks: [],
  };
  // An empty listing may come as no list at all (or a JSON null).
  const list = data['TaskidList'];
  if (!isAbsent(list)) {
    if (!Array.isArray(list)) malformed('Data.TaskidList', 'is not an array');
    page.tasks = list.map((item, i) => parseListedTask(item, `Data.TaskidList[${i}]`));
  }
  return page;
}

/** Validates a successful DescribeTasks answer's `Data` into a TaskListPage, or says what is wrong with it. */
export function parseTaskListPage(data: unknown): { ok: true; page: TaskListPage } | { ok: false; problem: string } {
  const parsed = parseWith(parseData, data);
  return parsed.ok ? { ok: true, page: parsed.value } : parsed;
}

/**
 * Return codes for a listing. Decision: a code ZEGO's table classes as 'task' (300000004 invalid parameter,
 * 300001000 task does not exist) cannot be about a task here: 300000004 means our query was refused (a window
 * too long or too old, say, by ZEGO's clock rather than ours). It is neither 'config' (which would stop the whole
 * run, status checks included) nor about any task, so it is 'transient', its code kept: the caller falls back to
 * status checks on any failed listing, and can tell a refused query by `code`.
 */
export function classifyListingCode(code: number): 'ok' | FaultClass {
  const kind = classifyCode(code);
  return kind === 'task' ? 'transient' : kind;
}

/** The ListResult for a parsed JSON body (from a 2xx answer). */
export function interpretDescribeTasksBody(body: unknown, attempts: number): ListResult {
  const result = interpretBody(body, attempts, parseData, { classify: classifyListingCode });
  if (result.kind !== 'ok') return result;
  const { value, ...rest } = result;
  return { ...rest, page: value };
}
