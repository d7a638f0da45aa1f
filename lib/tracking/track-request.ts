// The body of POST /recordings, validated field by field; anything unexpected is refused, not ignored.
import { HttpError } from '../http/responses';
import { parseTaskId } from './task-id';

export interface TrackRequest {
  taskId: string;
  roomId?: string;
}

const ALLOWED = new Set(['taskId', 'roomId']);
// ZEGO: a RoomId is at most 128 bytes of printable ASCII (letters, digits and a set of symbols).
export const ROOM_ID = /^[\x21-\x7e]{1,128}$/;

export function parseTrackRequest(body: Record<string, unknown>): TrackRequest {
  const unknown = Object.keys(body).filter((key) => !ALLOWED.has(key));
  if (unknown.length > 0) {
    const names = unknown
      .slice(0, 5)
      .map((key) => JSON.stringify(key.slice(0, 40)))
      .join(', ');
    throw new HttpError(
      400,
      'unknown_field',
      `unknown field${unknown.length === 1 ? '' : 's'} ${names}: only taskId and roomId are accepted`,
    );
  }
  const request: TrackRequest = { taskId: parseTaskId(body.taskId) };
  if (body.roomId !== undefined && body.roomId !== null) {
    if (typeof body.roomId !== 'string' || !ROOM_ID.test(body.roomId)) {
      throw new HttpError(400, 'invalid_room_id', 'roomId must be 1 to 128 printable ASCII characters without spaces');
    }
    request.roomId = body.roomId;
  }
  return request;
}
