// GET /recordings?closedSince=T[&state=…]: the catch-up listing, through the real list function with API
// Gateway REST (v1) events, against dynalite; every answer is checked against docs/openapi.yaml.

import type { DynamoDBDocumentClient, QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ApiContext } from '../../lib/http/http-handler';
import { CLOSED_DAYS_PER_PAGE, createDynamoTaskStore } from '../../lib/store/dynamodb-task-store';
import type { TaskState } from '../../lib/task/task';
import { lambdaContext as apiContext, list } from '../support/api-gateway';
import { type LocalStack, startLocalStack } from '../support/local-stack';
import { responseErrors } from '../support/openapi';

type Handler = (event: APIGatewayProxyEvent, context: ApiContext) => Promise<APIGatewayProxyResult>;
type View = { taskId: string; state: string; closedAt?: string; eventId?: string };
type Page = { recordings: View[]; nextToken?: string };

const DAY = 86_400_000;
let stack: LocalStack;
let handler: Handler;
// Every test reads the same table: closed tasks over four days (two closed in the same millisecond), open
// ones, one closed before the window and one older than the retention.
const now = Date.now();
const since = now - 3 * DAY;
const closed: Array<{ taskId: string; state: TaskState; closedAt: number }> = [];

beforeAll(async () => {
  stack = await startLocalStack();
  Object.assign(process.env, stack.sweepEnv());
  vi.resetModules();
  handler = (await import('../../functions/list')).handler;
  const states: TaskState[] = ['COMPLETED', 'COMPLETED', 'FAILED', 'COMPLETED', 'EXPIRED'];
  for (let i = 0; i < 40; i++) {
    // Spread from since to now, on four UTC days; the 11th closes in the same millisecond as the 10th.
    const closedAt = i === 11 ? closed[10]!.closedAt : since + Math.floor((i * (now - since)) / 40);
    const entry = { taskId: `closed-${String(i).padStart(2, '0')}`, state: states[i % 5]!, closedAt };
    closed.push(entry);
    await stack.track(entry.taskId, { ...entry, publishedAt: closedAt + 100, trackedAt: closedAt - 60_000 });
  }
  for (let i = 0; i < 5; i++) await stack.track(`open-${i}`, { dueAt: now + i });
  await stack.track('before-window', { state: 'COMPLETED', closedAt: since - 1, publishedAt: since });
  await stack.track('past-retention', { state: 'COMPLETED', closedAt: now - 40 * DAY, publishedAt: now - 40 * DAY });
});
afterAll(async () => {
  await stack.close();
});

async function call(query: string) {
  const event = list(query);
  const result = await handler(event, apiContext());
  const body = JSON.parse(result.body) as Record<string, unknown>;
  expect(responseErrors('/recordings', 'get', result.statusCode, body), `${query} ${result.statusCode}`).toEqual([]);
  return { status: result.statusCode, body };
}

/** Every page of a listing, following nextToken; and the DynamoDB requests each page made. */
async function allPages(query: string) {
  const pages: Page[] = [];
  const requests: string[][] = [];
  let token: string | undefined;
  do {
    const before = stack.dynamo.operations().length;
    const { status, body } = await call(`${query}${token ? `&nextToken=${encodeURIComponent(token)}` : ''}`);
    expect(status, JSON.stringify(body)).toBe(200);
    requests.push(stack.dynamo.operations().slice(before));
    pages.push(body as unknown as Page);
    token = (body as unknown as Page).nextToken;
  } while (token !== undefined && pages.length < 100);
  return { pages, requests, ids: pages.flatMap((p) => p.recordings.map((r) => r.taskId)) };
}

const iso = (ms: number) => new Date(ms).toISOString();
const earliestFirst = (entries: typeof closed) => [...entries].sort((a, b) => a.closedAt - b.closedAt);

describe('GET /recordings?closedSince=', () => {
  // 11: a page ends between the two recordings closed in the same millisecond.
  it.each([
    [7, [7, 7, 7, 7, 7, 5]],
    [11, [11, 11, 11, 7]],
  ])(
    'lists every recording closed at or after T, earliest closed first, in pages of %i, none missing or repeated',
    async (limit, sizes) => {
      // Act
      const { pages, ids } = await allPages(`closedSince=${iso(since)}&limit=${limit}`);

      // Assess
      const expected = earliestFirst(closed).map((c) => c.taskId);
      expect([...ids].sort()).toEqual([...expected].sort());
      expect(new Set(ids).size).toBe(ids.length);
      const times = pages.flatMap((p) => p.recordings.map((r) => Date.parse(r.closedAt!)));
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(pages.map((p) => p.recordings.length)).toEqual(sizes);
      expect(pages.at(-1)!.nextToken).toBeUndefined();
    },
  );

  it('gives each closed view its closedAt and its eventId, the ones its event carried', async () => {
    // Act
    const { body } = await call(`closedSince=${encodeURIComponent(iso(since))}&limit=5`);

    // Assess
    const views = (body as unknown as Page).recordings;
    expect(views).toHaveLength(5);
    for (const view of views) {
      const entry = closed.find((c) => c.taskId === view.taskId)!;
      expect(view.closedAt).toBe(iso(entry.closedAt));
      const type = { COMPLETED: 'completed', FAILED: 'failed', EXPIRED: 'expired' }[entry.state as 'COMPLETED'];
      expect(view.eventId).toBe(`${entry.taskId}:${entry.closedAt - 60_000}:recording.${type}`);
    }
  });

  it('starts at T itself: a recording closed at T is listed, one closed a millisecond before is not', async () => {
    // Prepare
    const at = closed[20]!.closedAt;

    // Act
    const { ids } = await allPages(`closedSince=${iso(at)}&limit=100`);

    // Assess
    expect(ids[0]).toBe('closed-20');
    expect(ids).not.toContain('closed-19');
    expect(ids).not.toContain('before-window');
  });

  it.each(['COMPLETED', 'FAILED', 'EXPIRED'] as const)(
    'narrowed to %s, lists those only, in order, within a read budget per page',
    async (state) => {
      // Act
      const { ids, requests } = await allPages(`closedSince=${iso(since)}&state=${state}&limit=3`);

      // Assess: those of that state, earliest closed first (two closed in the same millisecond in either order).
      const expected = earliestFirst(closed).filter((c) => c.state === state);
      const closedAtOf = (id: string) => closed.find((c) => c.taskId === id)!.closedAt;
      expect(ids.map(closedAtOf)).toEqual(expected.map((c) => c.closedAt));
      expect([...ids].sort()).toEqual(expected.map((c) => c.taskId).sort());
      // Every page is Queries of the closed index and nothing else.
      for (const made of requests) expect(new Set(made)).toEqual(new Set(['Query']));
    },
  );

  it('reads no further back than the retention period and a day (TASK_RETENTION_DAYS, 30 here)', async () => {
    // Act: a T long before the retention, while an item older than it is still there (TTL has not removed it).
    const { ids, requests } = await allPages(`closedSince=${iso(now - 365 * DAY)}&limit=100`);

    // Assess
    expect(ids).toContain('before-window');
    expect(ids).not.toContain('past-retention');
    expect(requests).toHaveLength(1); // 32 days, within one page's CLOSED_DAYS_PER_PAGE
    expect(requests[0]!.length).toBeLessThanOrEqual(CLOSED_DAYS_PER_PAGE);
  });

  it('starts afresh from T when the cursor fell behind it (DynamoDB refuses a start key outside the key condition)', async () => {
    // Prepare: the store on the stack's own client, each Query it sends noted on the way.
    const queries: QueryCommandInput[] = [];
    const doc = stack.dynamo.doc;
    const noting = {
      send: (command: { input: unknown }) => {
        queries.push(command.input as QueryCommandInput);
        return doc.send(command as never);
      },
    } as unknown as DynamoDBDocumentClient;
    const store = createDynamoTaskStore({ client: noting, table: stack.table, shards: 1, retentionDays: 30 });
    const old = closed[5]!;
    const at = closed[20]!.closedAt;

    // Act: a cursor at closed-05 while the listing now starts at closed-20 (the retention's edge moved on).
    const page = await store.listClosed({
      since: at,
      limit: 3,
      now,
      after: {
        day: new Date(old.closedAt).toISOString().slice(0, 10),
        after: { closedAt: old.closedAt, taskId: old.taskId },
      },
    });

    // Assess
    expect(page.tasks[0]!.taskId).toBe('closed-20');
    for (const query of queries) {
      const start = query.ExclusiveStartKey as { closedAt: number } | undefined;
      if (start !== undefined) expect(start.closedAt).toBeGreaterThanOrEqual(at);
    }
  });

  it('answers an empty page when nothing closed since T, and reads one Query for a page within a day', async () => {
    // Prepare
    const last = closed.at(-1)!.closedAt;

    // Act
    const before = stack.dynamo.operations().length;
    const empty = await call(`closedSince=${iso(last + 1)}`);
    const made = stack.dynamo.operations().slice(before);

    // Assess
    expect(empty).toEqual({ status: 200, body: { recordings: [] } });
    expect(made).toEqual(['Query']);
  });
});

describe('refused closed listings', () => {
  const firstToken = async (query: string) => {
    const { body } = await call(query);
    expect((body as unknown as Page).nextToken).toBeDefined();
    return encodeURIComponent((body as unknown as Page).nextToken!);
  };
  const T = iso(since);

  it.each([
    ['a closedSince that is not an instant', async () => 'closedSince=yesterday', 'invalid_closed_since'],
    ['a closedSince without its zone', async () => 'closedSince=2026-11-30T10:00:00', 'invalid_closed_since'],
    [
      'a closedSince on a day that does not exist',
      async () => 'closedSince=2026-02-30T10:00:00Z',
      'invalid_closed_since',
    ],
    ['a date alone', async () => 'closedSince=2026-11-30', 'invalid_closed_since'],
    ['a closedSince in the future', async () => `closedSince=${iso(Date.now() + 60_000)}`, 'invalid_closed_since'],
    ['roomId with closedSince', async () => `roomId=room-1&closedSince=${T}`, 'two_filters'],
    ['state=OPEN with closedSince', async () => `closedSince=${T}&state=OPEN`, 'invalid_state'],
    ['an unknown state with closedSince', async () => `closedSince=${T}&state=DONE`, 'invalid_state'],
    ['a closed state without closedSince', async () => 'state=FAILED', 'invalid_state'],
    ['a bad limit', async () => `closedSince=${T}&limit=0`, 'invalid_limit'],
    [
      'a token issued for another closedSince',
      async () => `closedSince=${iso(since + 1)}&nextToken=${await firstToken(`closedSince=${T}&limit=2`)}`,
      'invalid_next_token',
    ],
    [
      'a token issued for another state',
      async () => `closedSince=${T}&state=FAILED&nextToken=${await firstToken(`closedSince=${T}&limit=2`)}`,
      'invalid_next_token',
    ],
    [
      'an open listing token',
      async () => `closedSince=${T}&nextToken=${await firstToken('state=OPEN&limit=2')}`,
      'invalid_next_token',
    ],
  ])('refuses %s with 400', async (_, query, code) => {
    // Act
    const { status, body } = await call(await query());

    // Assess
    expect(status).toBe(400);
    expect(body).toEqual({ error: { code, message: expect.any(String) } });
  });

  it('refuses a token tampered to start elsewhere, and takes the same token untampered', async () => {
    // Prepare
    const token = decodeURIComponent(await firstToken(`closedSince=${T}&limit=2`));
    const [body, signature] = token.split('.') as [string, string];
    const content = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { after: { day: string } };
    const moved = { ...content, after: { day: '2020-01-01' } };
    const forged = `${Buffer.from(JSON.stringify(moved), 'utf8').toString('base64url')}.${signature}`;

    // Act
    const refused = await call(`closedSince=${T}&limit=2&nextToken=${encodeURIComponent(forged)}`);
    const taken = await call(`closedSince=${T}&limit=2&nextToken=${encodeURIComponent(token)}`);

    // Assess
    expect(refused.status).toBe(400);
    expect(taken.status).toBe(200);
  });
});
