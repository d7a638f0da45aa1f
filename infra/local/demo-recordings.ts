// The recordings the ZEGO simulator plays when `npm start` runs without real ZEGO credentials: each moves
// through its lifecycle on its own, from the moment the simulator starts, so every outcome can be watched
// within a minute. Statuses: docs/zego.md (task 1 initialising, 2 in progress,
// 3 ended, 4 ended abnormally; file 1 recording, 2 uploading, 3 uploaded, 4 in ZEGO's backup storage,
// 5 upload failed).
//
// Given a callback URL, the demos also send ZEGO's recording status callbacks there, signed with the local
// CallbackSecret, at the moments ZEGO would: event 7 (stopped, uploading) or 2 (ended abnormally) when the
// recording ends, event 1 (upload finished, with the files) when the upload ends, then event 5 (completed).
// A failed delivery is retried twice, 5 s apart, then dropped, as ZEGO does. One demo's callbacks are lost on
// the way, so that polling closes it; ZEGO sends none for a task it does not know. A callback is a hint: the
// sweep asks the simulator at once, and what it answers decides.

import { CALLBACK_EVENT as EVENT, FILE_STATUS as FILE, RECORD_STATUS as STATUS } from '../../lib/zego/vocabulary';
import {
  callbackFile,
  sendZegoCallback,
  uploadFinishedDetail,
  type ZegoCallbackFile,
  zegoCallbackBody,
} from './zego-callback';
import { type SimulatedTask, type ZegoRecordFile, type ZegoSimulator, zegoFile } from './zego-simulator';

/** What becomes of a demo's ZEGO callbacks. */
export type DemoCallbacks =
  | 'delivered' // sent to the local callback URL: the callback closes the task
  | 'lost' // never arrive: a poll closes the task
  | 'none'; // none are sent (ZEGO does not know the task; or the demo waits for the user)

export interface DemoRecording {
  taskId: string;
  roomId: string;
  /** Tracked by the local stack at start; the others wait for the user (or their own callback) to track them. */
  autoTrack: boolean;
  callbacks: DemoCallbacks;
  /** What happens to it, for the console. */
  story: string;
}

type Step = { afterMs: number; data: SimulatedTask };

/** One callback ZEGO sends, `afterMs` after the start. */
interface DemoCallback {
  afterMs: number;
  eventType: number;
  detail?: unknown;
}

interface Lifecycle {
  roomId: string;
  /** When the recording ends, and with which Status (normally or abnormally). */
  endsAfterMs: number;
  endStatus: typeof STATUS.ended | typeof STATUS.endedAbnormally;
  /** How long the files upload after the end. */
  uploadMs: number;
  /** The files' final statuses, one file per entry. */
  fileStatuses: number[];
}

const SECOND = 1000;
/** ZEGO: a failed delivery is retried at most twice, 5 s apart. */
const DELIVERY_ATTEMPTS = 3;
const RETRY_AFTER_MS = 5 * SECOND;
const DELIVERY_TIMEOUT_MS = 10 * SECOND;

/** Initialising, in progress, ended with files uploading, then the files' final statuses; and ZEGO's callbacks. */
function lifecycle(taskId: string, life: Lifecycle, startedAt: number): { steps: Step[]; callbacks: DemoCallback[] } {
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
  const ended = {
    ...base,
    Status: life.endStatus,
    RecordBeginTimestamp: beganAt,
    RecordEndTimestamp: startedAt + life.endsAfterMs,
  };
  const finalFiles = files((final) => final);
  const uploadedAt = life.endsAfterMs + life.uploadMs;
  return {
    steps: [
      { afterMs: 0, data: { ...base, Status: STATUS.initialising } },
      {
        afterMs: 2 * SECOND,
        data: {
          ...base,
          Status: STATUS.inProgress,
          RecordBeginTimestamp: beganAt,
          RecordFiles: files(() => FILE.recording),
        },
      },
      { afterMs: life.endsAfterMs, data: { ...ended, RecordFiles: files(() => FILE.uploading) } },
      { afterMs: uploadedAt, data: { ...ended, RecordFiles: finalFiles } },
    ],
    callbacks: [
      {
        afterMs: life.endsAfterMs,
        eventType: life.endStatus === STATUS.endedAbnormally ? EVENT.endedAbnormally : EVENT.uploading,
      },
      {
        afterMs: uploadedAt,
        eventType: EVENT.uploadFinished,
        detail: uploadFinishedDetail(finalFiles.map(callbackFileOf)),
      },
      // After the outcome: the receiver answers it without changing anything.
      ...(life.endStatus === STATUS.ended ? [{ afterMs: uploadedAt + SECOND / 2, eventType: EVENT.completed }] : []),
    ],
  };
}

/** A RecordFiles entry as a callback's detail.file_info entry (ZEGO's names in snake_case). */
function callbackFileOf(file: ZegoRecordFile): ZegoCallbackFile {
  const entry: ZegoCallbackFile = callbackFile({
    status: file.Status,
    user_id: file.UserId,
    user_name: file.UserName,
    stream_id: file.StreamId,
    file_id: file.FileId,
    output_file_format: file.OutputFileFormat,
    file_size: file.FileSize,
    duration: file.Duration,
    resolution_width: file.ResolutionWidth,
    resolution_height: file.ResolutionHeight,
    media_track_type: file.MediaTrackType,
    begin_timestamp: file.BeginTimestamp,
  });
  if (file.FileUrl === undefined) delete entry.file_url;
  else entry.file_url = file.FileUrl;
  return JSON.parse(JSON.stringify(entry)) as ZegoCallbackFile; // no undefined fields
}

interface Demo extends DemoRecording {
  /** Its lifecycle from `startedAt`; none for a task ZEGO does not know. */
  life?: (startedAt: number) => { steps: Step[]; callbacks: DemoCallback[] };
}

const DEMOS: Demo[] = [
  {
    taskId: 'demo-meeting',
    roomId: 'demo-room-1',
    autoTrack: true,
    callbacks: 'delivered',
    story: 'records 15 s, uploads 2 files for 10 s: completed, by its callback',
    life: (at) =>
      lifecycle(
        'demo-meeting',
        {
          roomId: 'demo-room-1',
          endsAfterMs: 15 * SECOND,
          endStatus: STATUS.ended,
          uploadMs: 10 * SECOND,
          fileStatuses: [FILE.uploaded, FILE.uploaded],
        },
        at,
      ),
  },
  {
    taskId: 'demo-upload-fails',
    roomId: 'demo-room-2',
    autoTrack: true,
    callbacks: 'delivered',
    story: 'records 10 s, one of its 2 files fails to upload: failed, by its callback',
    life: (at) =>
      lifecycle(
        'demo-upload-fails',
        {
          roomId: 'demo-room-2',
          endsAfterMs: 10 * SECOND,
          endStatus: STATUS.ended,
          uploadMs: 10 * SECOND,
          fileStatuses: [FILE.uploaded, FILE.failed],
        },
        at,
      ),
  },
  {
    taskId: 'demo-idle-end',
    roomId: 'demo-room-3',
    autoTrack: true,
    callbacks: 'lost',
    story:
      'ends abnormally (idle), its file lands in ZEGO backup storage, its callbacks are lost: completed with a warning, by a poll',
    life: (at) =>
      lifecycle(
        'demo-idle-end',
        {
          roomId: 'demo-room-3',
          endsAfterMs: 12 * SECOND,
          endStatus: STATUS.endedAbnormally,
          uploadMs: 6 * SECOND,
          fileStatuses: [FILE.inBackupStorage],
        },
        at,
      ),
  },
  {
    taskId: 'demo-unknown',
    roomId: 'demo-room-4',
    autoTrack: true,
    callbacks: 'none',
    story: 'a TaskId ZEGO does not know (so no callbacks): failed after two checks, by a poll',
  },
  {
    taskId: 'demo-pushed',
    roomId: 'demo-room-6',
    autoTrack: false,
    callbacks: 'delivered',
    story:
      'records 6 s, uploads 4 s; nobody tracks it, its first callback names it, ZEGO confirms it: completed, by its callbacks',
    life: (at) =>
      lifecycle(
        'demo-pushed',
        {
          roomId: 'demo-room-6',
          endsAfterMs: 6 * SECOND,
          endStatus: STATUS.ended,
          uploadMs: 4 * SECOND,
          fileStatuses: [FILE.uploaded],
        },
        at,
      ),
  },
  {
    taskId: 'demo-try-me',
    roomId: 'demo-room-5',
    autoTrack: false,
    // Its callbacks would track it before you do: it sends none, and waits for the curl line.
    callbacks: 'none',
    story: 'records 4 s, uploads for 4 s, sends no callbacks: completed at its first poll once you track it (below)',
    life: (at) =>
      lifecycle(
        'demo-try-me',
        {
          roomId: 'demo-room-5',
          endsAfterMs: 4 * SECOND,
          endStatus: STATUS.ended,
          uploadMs: 4 * SECOND,
          fileStatuses: [FILE.uploaded],
        },
        at,
      ),
  },
  {
    taskId: 'demo-hint-me',
    roomId: 'demo-room-7',
    autoTrack: false,
    // It waits for the `npm run callback` line: a signed callback for a task nobody tracked.
    callbacks: 'none',
    story: 'records 4 s, uploads 4 s, sends no callbacks: send it one (below), ZEGO confirms it, it is announced',
    life: (at) =>
      lifecycle(
        'demo-hint-me',
        {
          roomId: 'demo-room-7',
          endsAfterMs: 4 * SECOND,
          endStatus: STATUS.ended,
          uploadMs: 4 * SECOND,
          fileStatuses: [FILE.uploaded, FILE.uploaded],
        },
        at,
      ),
  },
];

export const DEMO_RECORDINGS: readonly DemoRecording[] = DEMOS.map(({ life: _life, ...demo }) => demo);

/** The demo the printed curl lines track. */
export const TRY_ME = DEMO_RECORDINGS.find((demo) => demo.taskId === 'demo-try-me')!;
/** The demo the printed `npm run callback` line hints at. */
export const HINT_ME = DEMO_RECORDINGS.find((demo) => demo.taskId === 'demo-hint-me')!;

/** Where the demos send their callbacks, and what they sign them with. */
export interface DemoCallbackTarget {
  /** The callback URL, e.g. http://127.0.0.1:3000/callbacks/zego. */
  url: string;
  appId: number;
  callbackSecret: string;
  /** Told of a callback dropped after ZEGO's retries, in one line (for the console). */
  onDropped?: (problem: string) => void;
}

export interface DemoPlayback {
  /** No further callback is sent; resolves once those under way have ended. */
  stop(): Promise<void>;
}

/**
 * Gives the simulator every demo's lifecycle, starting now. With a callback target, also sends the demos'
 * callbacks there on their schedule (until stopped); without one, the simulator alone plays them.
 */
export function playDemoRecordings(
  simulator: ZegoSimulator,
  startedAt: number = Date.now(),
  callbacks?: DemoCallbackTarget,
): DemoPlayback {
  const timers = new Set<NodeJS.Timeout>();
  const underWay = new Set<Promise<void>>();
  let stopped = false;
  const later = (delayMs: number, run: () => Promise<void>): void => {
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        if (stopped) return;
        const sending = run().finally(() => underWay.delete(sending));
        underWay.add(sending);
      },
      Math.max(0, delayMs),
    );
    timers.add(timer);
  };

  for (const demo of DEMOS) {
    const life = demo.life?.(startedAt);
    if (life) simulator.setScript(demo.taskId, life.steps);
    if (!life || !callbacks || demo.callbacks !== 'delivered') continue;
    life.callbacks.forEach((callback, sequence) => {
      later(startedAt + callback.afterMs - Date.now(), () =>
        deliver(callbacks, demo, callback, sequence + 1, () => stopped, later),
      );
    });
  }

  return {
    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.allSettled([...underWay]);
    },
  };
}

/** One callback as ZEGO delivers it: the same signed body, sent again up to twice, 5 s apart, until a 2xx. */
async function deliver(
  target: DemoCallbackTarget,
  demo: Demo,
  callback: DemoCallback,
  sequence: number,
  stopped: () => boolean,
  later: (delayMs: number, run: () => Promise<void>) => void,
  attempt = 1,
  body = zegoCallbackBody({
    appId: target.appId,
    callbackSecret: target.callbackSecret,
    taskId: demo.taskId,
    roomId: demo.roomId,
    eventType: callback.eventType,
    detail: callback.detail,
    sequence,
  }),
): Promise<void> {
  let problem: string;
  try {
    const answer = await sendZegoCallback(target.url, body, { timeoutMs: DELIVERY_TIMEOUT_MS });
    if (answer.statusCode >= 200 && answer.statusCode < 300) return;
    problem = `HTTP ${answer.statusCode}`;
  } catch (error) {
    problem = (error as { code?: string }).code ?? (error as Error).message;
  }
  if (stopped()) return;
  if (attempt < DELIVERY_ATTEMPTS)
    return later(RETRY_AFTER_MS, () => deliver(target, demo, callback, sequence, stopped, later, attempt + 1, body));
  target.onDropped?.(
    `ZEGO callback (event ${callback.eventType}) for ${demo.taskId} dropped after ${DELIVERY_ATTEMPTS} attempts (${problem})`,
  );
}
