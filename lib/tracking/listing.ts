// GET /recordings?roomId=R | ?state=OPEN, with `limit` and `nextToken`: the query read as untrusted input,
// then one page from the store's indexes (a Query, never a Scan).
import { HttpError } from '../http/responses';
import type { TaskCatalog } from '../store/task-store';
import { isRoomId } from '../task/ids';
import { type RecordingView, toRecordingView } from '../task/view';
import { openToken, readOpenToken, readRoomToken, roomToken } from './page-token';

export const DEFAULT_LIMIT = 25;
export const MAX_LIMIT = 100;
const KNOWN = new Set(['roomId', 'state', 'limit', 'nextToken']);

export type ListingQuery = { filter: { roomId: string } | { state: 'OPEN' }; limit: number; nextToken?: string };

/** Reads the query string (API Gateway's multi-value form: a parameter given twice is refused). */
export function parseListingQuery(query: Record<string, string[] | undefined> | null | undefined): ListingQuery {
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
  if (roomId === undefined && state === undefined)
    throw new HttpError(400, 'missing_filter', 'give one filter: roomId=<room> or state=OPEN');
  if (roomId !== undefined && state !== undefined)
    throw new HttpError(400, 'two_filters', 'give one filter, roomId or state, not both');
  let filter: ListingQuery['filter'];
  if (roomId !== undefined) {
    if (!isRoomId(roomId))
      throw new HttpError(400, 'invalid_room_id', 'roomId must be 1 to 128 printable ASCII characters without spaces');
    filter = { roomId };
  } else {
    if (state !== 'OPEN')
      throw new HttpError(
        400,
        'invalid_state',
        `state ${JSON.stringify(state!.slice(0, 40))} cannot be listed: the open ones are listed with state=OPEN`,
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

/** `tokenKey` signs the nextTokens (PAGE_TOKEN_KEY): a token is only accepted back with the same key. */
export async function listRecordings(
  store: TaskCatalog,
  query: ListingQuery,
  tokenKey: string,
): Promise<{ recordings: RecordingView[]; nextToken?: string }> {
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
