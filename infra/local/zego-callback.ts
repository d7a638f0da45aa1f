// ZEGO's recording status callbacks, as ZEGO would send them: the body (snake_case, signed with the
// CallbackSecret) and its delivery. Shared by the simulator's demos (`npm start`), `npm run callback` and the
// tests. Fields: ZEGOCLOUD docs, "Recording status callback".
import { request } from 'undici';
import { signCallback } from '../../lib/callback/signature';
import { CALLBACK_EVENT, FILE_STATUS, UPLOAD_STATUS } from '../../lib/zego/vocabulary';

/** One `detail.file_info` entry, with ZEGO's names. */
export interface ZegoCallbackFile {
  user_id?: string;
  user_name?: string;
  stream_id?: string;
  file_id?: string;
  video_id?: string;
  file_url?: string;
  output_file_format?: string;
  file_size?: number;
  duration?: number;
  resolution_width?: number;
  resolution_height?: number;
  media_track_type?: number;
  begin_timestamp?: number;
  status?: number;
}

export interface ZegoCallbackOptions {
  appId: number;
  callbackSecret: string;
  taskId: string;
  roomId?: string;
  /** ZEGO: a CALLBACK_EVENT (lib/zego/vocabulary.ts). */
  eventType: number;
  detail?: unknown;
  sequence?: number;
  /** Epoch ms the callback is signed at (default now). */
  now?: number;
  nonce?: string;
}

export function zegoCallbackBody(options: ZegoCallbackOptions): Record<string, unknown> {
  const { timestamp, nonce, signature } = signCallback(
    options.callbackSecret,
    options.now ?? Date.now(),
    options.nonce,
  );
  return {
    app_id: options.appId,
    task_id: options.taskId,
    room_id: options.roomId ?? '',
    event_type: options.eventType,
    message: options.eventType === CALLBACK_EVENT.uploadFinished ? 'upload finished' : 'status changed',
    nonce,
    timestamp,
    signature,
    sequence: options.sequence ?? 0,
    detail: options.detail ?? {},
  };
}

/** An upload-finished detail: all uploaded when every file is stored (uploaded or in ZEGO's backup storage), some failed when any failed. */
export function uploadFinishedDetail(files: ZegoCallbackFile[]): {
  upload_status: (typeof UPLOAD_STATUS)[keyof typeof UPLOAD_STATUS];
  file_info: ZegoCallbackFile[];
} {
  const anyFailed = files.some((file) => file.status === FILE_STATUS.failed);
  return { upload_status: anyFailed ? UPLOAD_STATUS.someFailed : UPLOAD_STATUS.allUploaded, file_info: files };
}

/** A realistic file_info entry; file_url only once the file is in storage (uploaded, or in ZEGO's backup storage). */
export function callbackFile(options: Partial<ZegoCallbackFile> & { status: number }): ZegoCallbackFile {
  const fileId = options.file_id ?? 'X3CgNeE4I1qAAABN_room_stream_VA_20240927154419775.mp4';
  return {
    user_id: 'user_1',
    user_name: 'user_1',
    stream_id: 'stream_1',
    file_id: fileId,
    ...(options.status === FILE_STATUS.uploaded || options.status === FILE_STATUS.inBackupStorage
      ? { file_url: `https://storage.example.com/record/${fileId}` }
      : {}),
    output_file_format: 'mp4',
    file_size: 43_264_354,
    duration: 33_874,
    resolution_width: 1280,
    resolution_height: 720,
    media_track_type: 3,
    begin_timestamp: 1_601_221_459_830,
    ...options,
  };
}

/** POSTs a callback as ZEGO does; resolves with the answer's status and body text. */
export async function sendZegoCallback(
  url: string,
  body: Record<string, unknown>,
  options: { timeoutMs?: number } = {},
): Promise<{ statusCode: number; body: string }> {
  const timeouts =
    options.timeoutMs === undefined ? {} : { headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs };
  const answer = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...timeouts,
  });
  return { statusCode: answer.statusCode, body: await answer.body.text() };
}
