// What the ZEGO client tells its callers. The client validates every response and maps ZEGO's field
// names to ours here, at the adapter's edge; nothing past this file knows ZEGO's JSON.
import type { RecordingFile } from '../task/task';
import type { LIST_STATUS } from './vocabulary';

/** Data of a successful DescribeRecordStatus, validated. */
export interface RecordingStatus {
  /** ZEGO: a RECORD_STATUS (./vocabulary.ts); other values may appear. */
  status: number;
  roomId?: string;
  recordBeginTimestamp?: number;
  recordEndTimestamp?: number;
  /** Empty when ZEGO sent no RecordFiles (nobody published, or snapshot mode). */
  files: RecordingFile[];
}

/**
 * How a return code should be handled (reference: docs/zego.md, "Return codes"):
 * - transient: retry later, the task stays OPEN (timeouts, 5xx, bad bodies, 300010000, 300000003, 100000004, unknown codes);
 * - config: our configuration is wrong (bad signature, unknown AppId, service not enabled): stop the run, keep tasks OPEN;
 * - task: the answer is about this task (300001000 does not exist, 300000004 invalid parameter).
 */
export type FaultClass = 'transient' | 'config' | 'task';

/** A failed call, for either action: the shape every non-ok result shares. */
export interface ZegoFault {
  kind: FaultClass;
  /** ZEGO's return code when there was one. */
  code?: number;
  /** Short, secret-free description ("HTTP 502", "timed out after 5000 ms", "Code 300010000: system error"). */
  message: string;
  /** True when ZEGO refused the request for its rate limit (300000003, or legacy 7). */
  rateRefused?: boolean;
  /** True when the answer was larger than the client reads (kind 'task': it would be as large again). */
  oversized?: boolean;
  requestId?: string;
  attempts: number;
}

export type DescribeResult =
  | { kind: 'ok'; recording: RecordingStatus; requestId?: string; attempts: number }
  | ZegoFault;

/** One entry of a DescribeTasks answer's Data.TaskidList, validated. */
export interface ListedTask {
  taskId: string;
  roomId?: string;
  /** ZEGO: as in DescribeRecordStatus, a RECORD_STATUS (./vocabulary.ts). */
  status: number;
  /** Unix milliseconds. */
  recordBeginTimestamp?: number;
}

/** Data of a successful DescribeTasks, validated. */
export interface TaskListPage {
  pageOffset: number;
  pageSize: number;
  /** Tasks matching the query over all pages. */
  totalCount: number;
  tasks: ListedTask[];
}

/**
 * A DescribeTasks query. ZEGO: only tasks whose recording began (RecordBeginTimestamp) in [startTime, endTime]
 * are listed; endTime > startTime, a span of at most 3 days, startTime not earlier than 3 days before ZEGO's now.
 */
export interface DescribeTasksQuery {
  /** ZEGO: LIST_STATUS.recording (tasks recording now) or LIST_STATUS.ended (tasks that have ended). */
  status: (typeof LIST_STATUS)[keyof typeof LIST_STATUS];
  /** Unix milliseconds. */
  startTime: number;
  /** Unix milliseconds. */
  endTime: number;
  /** Only this room's tasks. */
  roomId?: string;
  /** From 1 (ZEGO: 0 or absent = 1). */
  pageOffset?: number;
  /** 1–50 (ZEGO's default: 50). */
  pageSize?: number;
}

/**
 * A fault here never has kind 'task': a code ZEGO classes as about "the task" (300000004 invalid parameter,
 * 300001000) is about our query for a listing, and is reported as 'transient' with its code (see
 * lib/zego/describe-tasks-response.ts).
 */
export type ListResult = { kind: 'ok'; page: TaskListPage; requestId?: string; attempts: number } | ZegoFault;

/**
 * Paces requests. The client calls acquire() before every HTTP attempt (a retry is a new attempt) and
 * calls the returned function once the attempt has finished (answer, error or timeout), so the gate
 * can time its window from answers.
 */
export interface RequestGate {
  acquire(signal?: AbortSignal): Promise<() => void>;
}

export interface ZegoClient {
  describeRecordStatus(taskId: string, options?: { gate?: RequestGate; signal?: AbortSignal }): Promise<DescribeResult>;
  /**
   * One page of ZEGO's task listing. Never rejects for a bad answer; rejects with an Error, sending nothing,
   * for an invalid query (a programming error: see DescribeTasksQuery).
   */
  describeTasks(query: DescribeTasksQuery, options?: { gate?: RequestGate; signal?: AbortSignal }): Promise<ListResult>;
  close(): Promise<void>;
}
