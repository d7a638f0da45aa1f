// What the ZEGO client tells its callers. The client validates every response and maps ZEGO's field
// names to ours here, at the adapter's edge; nothing past this file knows ZEGO's JSON.
import type { RecordingFile } from '../recording';

/** Data of a successful DescribeRecordStatus, validated. */
export interface RecordStatus {
  /** ZEGO: 1 initialising, 2 in progress, 3 ended, 4 ended abnormally, 5 paused (other values may appear). */
  status: number;
  roomId?: string;
  recordBeginTimestamp?: number;
  recordEndTimestamp?: number;
  /** Empty when ZEGO sent no RecordFiles (nobody published, or snapshot mode). */
  files: RecordingFile[];
}

/**
 * How a return code should be handled (reference: shared/reference/zego-cloud-recording.md, "Return codes"):
 * - transient: retry later, the task stays OPEN (timeouts, 5xx, bad bodies, 300010000, 300000003, 100000004, unknown codes);
 * - config: our configuration is wrong (bad signature, unknown AppId, service not enabled): stop the run, keep tasks OPEN;
 * - task: the answer is about this task (300001000 does not exist, 300000004 invalid parameter).
 */
export type FaultClass = 'transient' | 'config' | 'task';

export type DescribeResult =
  | { kind: 'ok'; record: RecordStatus; requestId?: string; attempts: number }
  | {
      kind: FaultClass;
      /** ZEGO's return code when there was one. */
      code?: number;
      /** Short, secret-free description ("HTTP 502", "timed out after 5000 ms", "Code 300010000: system error"). */
      message: string;
      /** True when ZEGO refused the request for its rate limit (300000003, or legacy 7). */
      rateRefused?: boolean;
      requestId?: string;
      attempts: number;
    };

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
  close(): Promise<void>;
}
