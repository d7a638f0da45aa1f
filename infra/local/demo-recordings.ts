// The recordings the ZEGO simulator plays when `npm start` runs without real ZEGO credentials: each moves
// through its lifecycle on its own, from the moment the simulator starts, so every outcome can be watched
// within a minute. Statuses: shared/reference/zego-cloud-recording.md (task 1 initialising, 2 in progress,
// 3 ended, 4 ended abnormally; file 1 recording, 2 uploading, 3 uploaded, 4 in ZEGO's backup storage,
// 5 upload failed).
import { zegoFile, type SimulatedTask, type ZegoRecordFile, type ZegoSimulator } from './zego-simulator';

export interface DemoRecording {
  taskId: string;
  roomId: string;
  /** Tracked by the local stack at start; the others wait for the user to track them. */
  autoTrack: boolean;
  /** What happens to it, for the console. */
  story: string;
}

type Step = { afterMs: number; data: SimulatedTask };

interface Lifecycle {
  roomId: string;
  /** When the recording ends, and with which Status (3 normally, 4 abnormally). */
  endsAfterMs: number;
  endStatus: 3 | 4;
  /** How long the files upload after the end. */
  uploadMs: number;
  /** The files' final statuses, one file per entry. */
  fileStatuses: number[];
}

const SECOND = 1000;

/** Initialising, in progress, ended with files uploading, then the files' final statuses. */
function lifecycle(taskId: string, life: Lifecycle, startedAt: number): Step[] {
  const base = { RoomId: life.roomId, RecordMode: 1, StreamType: 3 };
  const beganAt = startedAt + 2 * SECOND;
  const files = (status: (final: number) => number): ZegoRecordFile[] =>
    life.fileStatuses.map((final, n) =>
      zegoFile({
        status: status(final),
        FileId: `${taskId}_${life.roomId}_user${n + 1}_VA.mp4`,
        UserId: `user_${n + 1}`,
        UserName: `user_${n + 1}`,
        StreamId: `${life.roomId}_stream_${n + 1}`,
        BeginTimestamp: beganAt,
        Duration: life.endsAfterMs - 2 * SECOND,
      }),
    );
  const ended = { ...base, Status: life.endStatus, RecordBeginTimestamp: beganAt, RecordEndTimestamp: startedAt + life.endsAfterMs };
  return [
    { afterMs: 0, data: { ...base, Status: 1 } },
    { afterMs: 2 * SECOND, data: { ...base, Status: 2, RecordBeginTimestamp: beganAt, RecordFiles: files(() => 1) } },
    { afterMs: life.endsAfterMs, data: { ...ended, RecordFiles: files(() => 2) } },
    { afterMs: life.endsAfterMs + life.uploadMs, data: { ...ended, RecordFiles: files((final) => final) } },
  ];
}

interface Demo extends DemoRecording {
  /** Its lifecycle from `startedAt`; none for a task ZEGO does not know. */
  steps?: (startedAt: number) => Step[];
}

const DEMOS: Demo[] = [
  {
    taskId: 'demo-meeting',
    roomId: 'demo-room-1',
    autoTrack: true,
    story: 'records 15 s, uploads 2 files for 10 s: completed',
    steps: (at) => lifecycle('demo-meeting', { roomId: 'demo-room-1', endsAfterMs: 15 * SECOND, endStatus: 3, uploadMs: 10 * SECOND, fileStatuses: [3, 3] }, at),
  },
  {
    taskId: 'demo-upload-fails',
    roomId: 'demo-room-2',
    autoTrack: true,
    story: 'records 10 s, one of its 2 files fails to upload: failed',
    steps: (at) => lifecycle('demo-upload-fails', { roomId: 'demo-room-2', endsAfterMs: 10 * SECOND, endStatus: 3, uploadMs: 10 * SECOND, fileStatuses: [3, 5] }, at),
  },
  {
    taskId: 'demo-idle-end',
    roomId: 'demo-room-3',
    autoTrack: true,
    story: 'ends abnormally (idle), its file lands in ZEGO backup storage: completed, with a warning',
    steps: (at) => lifecycle('demo-idle-end', { roomId: 'demo-room-3', endsAfterMs: 12 * SECOND, endStatus: 4, uploadMs: 6 * SECOND, fileStatuses: [4] }, at),
  },
  {
    taskId: 'demo-unknown',
    roomId: 'demo-room-4',
    autoTrack: true,
    story: 'a TaskId ZEGO does not know: failed after two checks',
  },
  {
    taskId: 'demo-try-me',
    roomId: 'demo-room-5',
    autoTrack: false,
    story: 'records 4 s, uploads for 4 s: completed (track it yourself, below)',
    steps: (at) => lifecycle('demo-try-me', { roomId: 'demo-room-5', endsAfterMs: 4 * SECOND, endStatus: 3, uploadMs: 4 * SECOND, fileStatuses: [3] }, at),
  },
];

export const DEMO_RECORDINGS: readonly DemoRecording[] = DEMOS.map(({ steps: _steps, ...demo }) => demo);

/** The demo the printed curl lines track. */
export const TRY_ME = DEMO_RECORDINGS.find((demo) => !demo.autoTrack)!;

/** Gives the simulator every demo's lifecycle, starting now. */
export function playDemoRecordings(simulator: ZegoSimulator, startedAt: number = Date.now()): void {
  for (const demo of DEMOS) if (demo.steps) simulator.setScript(demo.taskId, demo.steps(startedAt));
}
