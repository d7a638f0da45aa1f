// Recordings with many files, as ZEGO reports them: one entry per stream and recorder failover, each with a
// long signed storage URL (a non-ASCII room name in its path, a URL-encoded signature), for the size rules of
// the events' targets. Shared by the SNS and EventBridge delivery suites and the sweep's.
import { type ZegoRecordFile, zegoFile } from '../../infra/local/zego-simulator';
import { buildOutcomeEvent, type OutcomeEvent } from '../../lib/task/outcome-event';
import type { RecordingFile, Task } from '../../lib/task/task';

export const BIG_TASK_ID = 'X3CgNeE4I1qAAABN';
const BEGIN = 1_795_514_400_000;

/** The n-th file's FileId, and its signed URL (about 330 bytes). */
function location(n: number): { fileId: string; url: string } {
  const fileId = `record/1234567890/${BIG_TASK_ID}/会议室-${n % 7}/${BIG_TASK_ID}_room-1_stream-${n}_user-${n}_VA_${BEGIN + n * 997}.mp4`;
  const signature = Buffer.from(`signature of file ${n}`).toString('base64').replace(/=+$/, '');
  const url =
    `https://recwatch-demo-bucket.oss-cn-shanghai.aliyuncs.com/${encodeURI(fileId)}` +
    `?OSSAccessKeyId=LTAI5tExampleKey${n % 10}&Expires=${1_795_600_000 + n}&Signature=${encodeURIComponent(`${signature}/+=`)}`;
  return { fileId, url };
}

/** The files of a recording with `count` of them, as the task keeps them. */
export function manyRecordingFiles(count: number): RecordingFile[] {
  return Array.from({ length: count }, (_, n) => {
    const { fileId, url } = location(n);
    return {
      url,
      fileId,
      streamId: `stream-${n}`,
      userId: `user-${n}`,
      format: 'mp4',
      sizeBytes: 432_643_544 + n,
      durationMs: 3_387_400 + n,
      width: 1280,
      height: 720,
      mediaTrackType: 3,
      beginTimestamp: BEGIN + n * 997,
      status: 3,
    };
  });
}

/** The same files as ZEGO's DescribeRecordStatus lists them (the simulator's RecordFiles). */
export function manyZegoFiles(count: number): ZegoRecordFile[] {
  return Array.from({ length: count }, (_, n) => {
    const { fileId, url } = location(n);
    return zegoFile({ status: 3, FileId: fileId, FileUrl: url, StreamId: `stream-${n}`, UserId: `user-${n}` });
  });
}

/** A completed task with `count` files. */
export function bigTask(count: number, overrides: Partial<Task> = {}): Task {
  return {
    taskId: BIG_TASK_ID,
    roomId: 'room-1',
    state: 'COMPLETED',
    zegoStatus: 3,
    recordBeginTimestamp: BEGIN,
    recordEndTimestamp: BEGIN + 3_600_000,
    files: manyRecordingFiles(count),
    trackedAt: BEGIN - 60_000,
    lastCheckedAt: BEGIN + 3_700_000,
    checks: 40,
    quietChecks: 0,
    faultStreak: 0,
    notFoundStreak: 0,
    closedAt: BEGIN + 3_700_000,
    outcomeReason: 'recording ended; every file uploaded',
    closedBy: 'poll',
    version: 41,
    ...overrides,
  };
}

/** The outcome event of a completed recording with `count` files. */
export function bigEvent(count: number, appId = 1234567890): OutcomeEvent {
  const task = bigTask(count);
  return buildOutcomeEvent(task, task.closedAt!, appId);
}
