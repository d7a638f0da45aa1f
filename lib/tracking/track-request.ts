// The body of POST /recordings, validated field by field; anything unexpected is refused, not ignored.
import { HttpError } from '../http/responses';
import { isRoomId } from '../task/ids';
import { parseTaskId } from './task-id';

export interface TrackRequest {
  taskId: string;
  roomId?: string;
}

const ALLOWED = new Set(['taskId', 'roomId']);

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
    if (!isRoomId(body.roomId)) {
      throw new HttpError(400, 'invalid_room_id', 'roomId must be 1 to 128 printable ASCII characters without spaces');
    }
    request.roomId = body.roomId;
  }
  return request;
}
