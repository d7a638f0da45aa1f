// GET /recordings?roomId=R | ?state=OPEN | ?closedSince=T[&state=…], with `limit` and `nextToken`: the query
// read as untrusted input, then one page from the store's indexes (Queries, never a Scan).
import { HttpError } from '../http/responses';
import type { ClosedState, TaskCatalog } from '../store/task-store';
import { isRoomId } from '../task/ids';
import { type RecordingView, toRecordingView } from '../task/view';
import { closedToken, openToken, readClosedToken, readOpenToken, readRoomToken, roomToken } from './page-token';

export const DEFAULT_LIMIT = 25;
export const MAX_LIMIT = 100;
const KNOWN = new Set(['roomId', 'state', 'closedSince', 'limit', 'nextToken']);
const CLOSED_STATES: readonly string[] = ['COMPLETED', 'FAILED', 'EXPIRED'] satisfies ClosedState[];
const DAY_MS = 86_400_000;

export type ListingFilter = { roomId: string } | { state: 'OPEN' } | { closedSince: number; state?: ClosedState };
export type ListingQuery = { filter: ListingFilter; limit: number; nextToken?: string };

// An ISO 8601 instant: a date, a time (seconds and their fraction optional) and a zone (Z or an offset).
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** closedSince as epoch ms: an ISO 8601 instant with its zone, not in the future. */
function closedSinceOf(text: string, now: number): number {
  const at = INSTANT.test(text) ? Date.parse(text) : Number.NaN;
  // Date.parse rolls an impossible day over (02-30 → 03-02): the date part must come back as given.
  const valid = Number.isFinite(at) && sameCalendarDate(text, at);
  if (!valid)
    throw new HttpError(
      400,
      'invalid_closed_since',
      `closedSince ${JSON.stringify(text.slice(0, 40))} is not an ISO 8601 instant such as 2026-12-01T09:30:00Z (a date, a time and Z or an offset; encode + as %2B)`,
    );
  if (at > now)
    throw new HttpError(
      400,
      'invalid_closed_since',
      `closedSince ${text} lies in the future: nothing closed since then yet`,
    );
  return at;
}

function sameCalendarDate(text: string, at: number): boolean {
  const offset = /([+-])(\d{2}):(\d{2})$/.exec(text);
  const shift =
    offset === null ? 0 : (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3])) * 60_000;
  return new Date(at + shift).toISOString().slice(0, 10) === text.slice(0, 10);
}

/** Reads the query string (API Gateway's multi-value form: a parameter given twice is refused). */
export function parseListingQuery(
  query: Record<string, string[] | undefined> | null | undefined,
  now: number = Date.now(),
): ListingQuery {
  const params = new Map<string, string>();
  for (const [name, values] of Object.entries(query ?? {})) {
    if (!KNOWN.has(name))
      throw new HttpError(
        400,
        'unknown_parameter',
        `unknown query parameter ${JSON.stringify(name.slice(0, 40))}: use roomId or state, limit and nextToken`,
      );
    if (values === undefined || values.length === 0) continue;
    if (values.length > 1) throw new HttpError(400, 'repeated_parameter', `${name} is given more than once`);
    params.set(name, values[0]!);
  }
  const roomId = params.get('roomId');
  const state = params.get('state');
  const closedSince = params.get('closedSince');
  if (roomId === undefined && state === undefined && closedSince === undefined)
    throw new HttpError(400, 'missing_filter', 'give one filter: roomId=<room>, state=OPEN or closedSince=<instant>');
  if (roomId !== undefined && (state !== undefined || closedSince !== undefined))
    throw new HttpError(400, 'two_filters', 'give one filter: roomId, or state, or closedSince (with a state or not)');
  let filter: ListingFilter;
  if (roomId !== undefined) {
    if (!isRoomId(roomId))
      throw new HttpError(400, 'invalid_room_id', 'roomId must be 1 to 128 printable ASCII characters without spaces');
    filter = { roomId };
  } else if (closedSince !== undefined) {
    if (state !== undefined && !CLOSED_STATES.includes(state))
      throw new HttpError(
        400,
        'invalid_state',
        `state ${JSON.stringify(state.slice(0, 40))} cannot narrow closedSince: use COMPLETED, FAILED or EXPIRED`,
      );
    const since = closedSinceOf(closedSince, now);
    filter = state === undefined ? { closedSince: since } : { closedSince: since, state: state as ClosedState };
  } else {
    if (state !== 'OPEN')
      throw new HttpError(
        400,
        'invalid_state',
        `state ${JSON.stringify(state!.slice(0, 40))} cannot be listed alone: the open ones are listed with state=OPEN, the closed ones with closedSince=<instant>&state=${CLOSED_STATES.includes(state!) ? state : 'COMPLETED'}`,
      );
    filter = { state: 'OPEN' };
  }
  const rawLimit = params.get('limit');
  if (rawLimit !== undefined && !/^\d{1,3}$/.test(rawLimit))
    throw new HttpError(400, 'invalid_limit', `limit must be a whole number from 1 to ${MAX_LIMIT}`);
  const limit = rawLimit === undefined ? DEFAULT_LIMIT : Number(rawLimit);
  if (limit < 1 || limit > MAX_LIMIT)
    throw new HttpError(400, 'invalid_limit', `limit must be a whole number from 1 to ${MAX_LIMIT}`);
  const nextToken = params.get('nextToken');
  return nextToken === undefined ? { filter, limit } : { filter, limit, nextToken };
}

export interface ListingOptions {
  /** PAGE_TOKEN_KEY: signs the nextTokens; a token is only accepted back with the same key. */
  tokenKey: string;
  /** TASK_RETENTION_DAYS: how far back closed tasks are kept, and so how far back closedSince reads. */
  retentionDays: number;
  now?: number;
}

export async function listRecordings(
  store: TaskCatalog,
  query: ListingQuery,
  { tokenKey, retentionDays, now = Date.now() }: ListingOptions,
): Promise<{ recordings: RecordingView[]; nextToken?: string }> {
  if ('closedSince' in query.filter) {
    const { closedSince, state } = query.filter;
    const after =
      query.nextToken === undefined ? undefined : readClosedToken(tokenKey, query.nextToken, closedSince, state);
    // Nothing older than the retention (and a day for DynamoDB's TTL to catch up) is kept: no day before it is read.
    const since = Math.max(closedSince, now - (retentionDays + 1) * DAY_MS);
    const page = await store.listClosed({
      since,
      limit: query.limit,
      now,
      ...(state === undefined ? {} : { state }),
      ...(after === undefined ? {} : { after }),
    });
    const recordings = page.tasks.map(toRecordingView);
    return page.next === undefined
      ? { recordings }
      : { recordings, nextToken: closedToken(tokenKey, closedSince, state, page.next) };
  }
  if ('roomId' in query.filter) {
    const { roomId } = query.filter;
    const after = query.nextToken === undefined ? undefined : readRoomToken(tokenKey, query.nextToken, roomId);
    const page = await store.listRoom(roomId, { limit: query.limit, ...(after ? { after } : {}) });
    const recordings = page.tasks.map(toRecordingView);
    return page.next === undefined ? { recordings } : { recordings, nextToken: roomToken(tokenKey, roomId, page.next) };
  }
  const after =
    query.nextToken === undefined ? undefined : readOpenToken(tokenKey, query.nextToken, store.openPartitions);
  const page = await store.listOpen({ limit: query.limit, ...(after ? { after } : {}) });
  const recordings = page.tasks.map(toRecordingView);
  return page.next === undefined ? { recordings } : { recordings, nextToken: openToken(tokenKey, page.next) };
}

/** Stops watching a task: false when none was tracked. */
export async function untrackRecording(store: TaskCatalog, taskId: string): Promise<boolean> {
  return store.remove(taskId, Date.now());
}
