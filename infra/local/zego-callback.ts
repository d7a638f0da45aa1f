// ZEGO's recording status callbacks, as ZEGO would send them: the body (snake_case, signed with the
// CallbackSecret) and its delivery. Shared by the simulator's demos (`npm start`), `npm run callback` and the
// tests. Fields: ZEGOCLOUD docs, "Recording status callback".
import { request } from 'undici';
import { signCallback } from '../../lib/callback/signature';

/** One `detail.file_info` entry, with ZEGO's names. */
export interface ZegoCallbackFile {
  user_id?: string; user_name?: string; stream_id?: string; file_id?: string; video_id?: string; file_url?: string;
  output_file_format?: string; file_size?: number; duration?: number; resolution_width?: number; resolution_height?: number;
  media_track_type?: number; begin_timestamp?: number; status?: number;
}

export interface ZegoCallbackOptions {
  appId: number;
  callbackSecret: string;
  taskId: string;
  roomId?: string;
  /** ZEGO: 1 upload finished, 2 ended abnormally, 4 no stream in the room, 5 completed, 7 uploading. */
  eventType: number;
  detail?: unknown;
  sequence?: number;
  /** Epoch ms the callback is signed at (default now). */
  now?: number;
  nonce?: string;
}

export function zegoCallbackBody(options: ZegoCallbackOptions): Record<string, unknown> {
  const { timestamp, nonce, signature } = signCallback(options.callbackSecret, options.now ?? Date.now(), options.nonce);
  return {
    app_id: options.appId,
    task_id: options.taskId,
    room_id: options.roomId ?? '',
    event_type: options.eventType,
    message: options.eventType === 1 ? 'upload finished' : 'status changed',
    nonce,
    timestamp,
    signature,
    sequence: options.sequence ?? 0,
    detail: options.detail ?? {},
  };
}

/** An upload-finished detail: upload_status 1 when every file uploaded (3 or 4), 2 when any failed. */
export function uploadFinishedDetail(files: ZegoCallbackFile[]): { upload_status: 1 | 2; file_info: ZegoCallbackFile[] } {
  return { upload_status: files.some((file) => file.status === 5) ? 2 : 1, file_info: files };
}

/** A realistic file_info entry; file_url only once the file is in storage (status 3 or 4). */
export function callbackFile(options: Partial<ZegoCallbackFile> & { status: number }): ZegoCallbackFile {
  const fileId = options.file_id ?? 'X3CgNeE4I1qAAABN_room_stream_VA_20240927154419775.mp4';
  return {
    user_id: 'user_1',
    user_name: 'user_1',
    stream_id: 'stream_1',
    file_id: fileId,
    ...(options.status === 3 || options.status === 4 ? { file_url: `https://storage.example.com/record/${fileId}` } : {}),
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
  const timeouts = options.timeoutMs === undefined ? {} : { headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs };
  const answer = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), ...timeouts });
  return { statusCode: answer.statusCode, body: await answer.body.text() };
}
