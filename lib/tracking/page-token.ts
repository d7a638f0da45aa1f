// The listing's nextToken: opaque to the client (base64url of a small JSON and its HMAC), signed with a key
// the client never sees (PAGE_TOKEN_KEY), and checked on the way back in, so that it cannot be forged into
// reading another room or another index: the signature must verify, its kind must be the request's, its
// room the requested room (a closed listing's token: its closedSince and state the requested ones), its keys
// of the index's shape. A token the API did not issue is refused with a 400, never passed to DynamoDB as it came.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { HttpError } from '../http/responses';
import type { ClosedCursor, ClosedState, OpenCursor, RoomCursor } from '../store/task-store';
import { isTaskId } from '../task/ids';

type Token =
  | { v: 1; k: 'room'; room: string; after: RoomCursor }
  | { v: 1; k: 'open'; after: OpenCursor }
  | { v: 1; k: 'closed'; since: number; state: ClosedState | null; after: ClosedCursor };

const refuse = (): never => {
  throw new HttpError(
    400,
    'invalid_next_token',
    'nextToken was not issued by this API for this listing: pass the nextToken of the previous page unchanged, with the same filter',
  );
};

const mac = (key: string, body: string): Buffer => createHmac('sha256', key).update(body).digest().subarray(0, 16);

const encode = (key: string, token: Token): string => {
  const body = Buffer.from(JSON.stringify(token), 'utf8').toString('base64url');
  return `${body}.${mac(key, body).toString('base64url')}`;
};

function decode(key: string, text: string): Record<string, unknown> {
  const match = /^([A-Za-z0-9_-]{1,16384})\.([A-Za-z0-9_-]{22})$/.exec(text);
  if (!match) return refuse();
  const [, body, signature] = match as unknown as [string, string, string];
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== 16 || !timingSafeEqual(given, mac(key, body))) refuse();
  try {
    const parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // refused below
  }
  return refuse();
}

const isKey = (value: unknown, time: 'trackedAt' | 'dueAt' | 'closedAt'): boolean => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const key = value as Record<string, unknown>;
  return (
    Object.keys(key).length === 2 && isTaskId(key.taskId) && typeof key[time] === 'number' && Number.isFinite(key[time])
  );
};

export function roomToken(key: string, room: string, after: RoomCursor): string {
  return encode(key, { v: 1, k: 'room', room, after: { taskId: after.taskId, trackedAt: after.trackedAt } });
}

export function openToken(key: string, after: OpenCursor): string {
  return encode(key, { v: 1, k: 'open', after });
}

/** The room cursor in a token issued for this room's listing. */
export function readRoomToken(key: string, text: string, room: string): RoomCursor {
  const token = decode(key, text);
  if (
    token.v !== 1 ||
    token.k !== 'room' ||
    token.room !== room ||
    !isKey(token.after, 'trackedAt') ||
    Object.keys(token).length !== 4
  )
    refuse();
  const after = token.after as RoomCursor;
  return { taskId: after.taskId, trackedAt: after.trackedAt };
}

/** The open cursor in a token issued for the open listing of a store whose open listing reads `partitions` partitions. */
export function readOpenToken(key: string, text: string, partitions: number): OpenCursor {
  const token = decode(key, text);
  const after = token.after;
  if (
    token.v !== 1 ||
    token.k !== 'open' ||
    !Array.isArray(after) ||
    after.length !== partitions ||
    Object.keys(token).length !== 3
  )
    refuse();
  const places = after as unknown[];
  if (!places.every((place) => place === null || place === 'start' || isKey(place, 'dueAt'))) refuse();
  return places.map((place) =>
    place === null || place === 'start'
      ? place
      : { taskId: (place as RoomCursor).taskId, dueAt: (place as { dueAt: number }).dueAt },
  );
}

/** A token for the closed listing: bound to its closedSince and its state (or none). */
export function closedToken(key: string, since: number, state: ClosedState | undefined, after: ClosedCursor): string {
  const place: ClosedCursor =
    after.after === undefined
      ? { day: after.day }
      : { day: after.day, after: { closedAt: after.after.closedAt, taskId: after.after.taskId } };
  return encode(key, { v: 1, k: 'closed', since, state: state ?? null, after: place });
}

/** The closed cursor in a token issued for the closed listing with this closedSince and state. */
export function readClosedToken(
  key: string,
  text: string,
  since: number,
  state: ClosedState | undefined,
): ClosedCursor {
  const token = decode(key, text);
  const place = token.after as Record<string, unknown> | null | undefined;
  if (
    token.v !== 1 ||
    token.k !== 'closed' ||
    token.since !== since ||
    token.state !== (state ?? null) ||
    Object.keys(token).length !== 5 ||
    typeof place !== 'object' ||
    place === null ||
    typeof place.day !== 'string' ||
    !/^\d{4}-\d{2}-\d{2}$/.test(place.day) ||
    !(Object.keys(place).length === 1 || (Object.keys(place).length === 2 && isClosedKey(place.after)))
  )
    refuse();
  const day = place!.day as string;
  if (place!.after === undefined) return { day };
  const { closedAt, taskId } = place!.after as { closedAt: number; taskId: string };
  return { day, after: { closedAt, taskId } };
}

const isClosedKey = (value: unknown): boolean => isKey(value, 'closedAt');
