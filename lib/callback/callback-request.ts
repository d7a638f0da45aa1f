// A ZEGO callback's body, read as the untrusted input it is: size, JSON shape, signature, AppId and
// freshness are checked before anything else, and a refusal says why (never with the secret or signature).
// Fields: ZEGOCLOUD docs, "Recording status callback" (app_id, task_id, room_id, event_type, nonce,
// timestamp, signature, sequence, detail); ZEGO adds fields and event types, so anything else is tolerated.
// The signature covers only the secret, `timestamp` and `nonce`: of the body, only `task_id` and `event_type`
// are kept, as a hint. `room_id` and `detail` (its file list) are not signed, so they are never read.

import { isTaskId } from '../task/ids';
import type { RefusalReason } from './callback-vocabulary';

/** Far above any real callback (a file_info list of hundreds of files), far below API Gateway's 10 MB. */
export const MAX_CALLBACK_BYTES = 256 * 1024;
// ZEGO: the timestamp is Unix seconds; like its own API, accept at most 10 minutes of difference.
export const MAX_CALLBACK_SKEW_MS = 10 * 60_000;

/** A callback whose signature, AppId and timestamp were verified: what it hints at, and nothing it cannot prove. */
export interface ZegoCallback {
  taskId: string;
  eventType: number;
  /** Epoch ms, from ZEGO's timestamp. */
  sentAt: number;
}

export class CallbackRefusal extends Error {
  override name = 'CallbackRefusal';
  constructor(
    readonly statusCode: 400 | 401,
    readonly reason: RefusalReason,
    message: string,
  ) {
    super(message);
  }
}

export interface CallbackChecks {
  appId: number;
  now: number;
  /** True when the signature is ZEGO's; may read the secret again before it says no. */
  verifySignature(timestamp: string, nonce: string, signature: string): Promise<boolean>;
}

const refuse = (statusCode: 400 | 401, reason: RefusalReason, message: string): never => {
  throw new CallbackRefusal(statusCode, reason, message);
};

/** The body's text: API Gateway may hand it over base64-encoded. */
export function callbackText(body: string | null | undefined, isBase64Encoded: boolean): string {
  const raw = body ?? '';
  return isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
}

export async function readCallback(text: string, checks: CallbackChecks): Promise<ZegoCallback> {
  if (Buffer.byteLength(text, 'utf8') > MAX_CALLBACK_BYTES)
    refuse(400, 'body_too_large', `the callback body must be at most ${MAX_CALLBACK_BYTES} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    refuse(400, 'invalid_json', 'the callback body is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    refuse(400, 'invalid_body', 'the callback body must be a JSON object');
  const body = parsed as Record<string, unknown>;

  // ZEGO: timestamp is documented as a string; a number is read the same way.
  const timestamp =
    typeof body.timestamp === 'number' && Number.isInteger(body.timestamp) ? String(body.timestamp) : body.timestamp;
  const { nonce, signature } = body;
  if (
    typeof timestamp !== 'string' ||
    timestamp === '' ||
    typeof nonce !== 'string' ||
    nonce === '' ||
    typeof signature !== 'string' ||
    signature === ''
  ) {
    refuse(401, 'missing_signature', 'the callback carries no signature, timestamp or nonce');
  }
  if (!(await checks.verifySignature(timestamp as string, nonce as string, signature as string))) {
    refuse(401, 'bad_signature', 'the callback signature does not verify with the CallbackSecret');
  }
  // ZEGO: app_id is an Int64 in the body; a numeric string is read the same way.
  const appId = typeof body.app_id === 'string' && /^\d{1,10}$/.test(body.app_id) ? Number(body.app_id) : body.app_id;
  if (appId !== checks.appId) refuse(401, 'wrong_app_id', 'the callback is for another AppId');
  const seconds = /^\d{1,12}$/.test(timestamp as string) ? Number(timestamp) : NaN;
  if (!(Math.abs(seconds * 1000 - checks.now) <= MAX_CALLBACK_SKEW_MS)) {
    refuse(
      401,
      'stale_timestamp',
      'the callback timestamp is more than 10 minutes away from now (a replay, or a clock off)',
    );
  }

  const taskId = body.task_id;
  if (!isTaskId(taskId))
    refuse(400, 'invalid_task_id', 'task_id must be 1 to 64 characters of letters, digits, - and _');
  const eventType = body.event_type;
  if (typeof eventType !== 'number' || !Number.isSafeInteger(eventType))
    refuse(400, 'invalid_event_type', 'event_type must be an integer');

  return { taskId: taskId as string, eventType: eventType as number, sentAt: seconds * 1000 };
}
