// GET /recordings (a room's, the open ones) and DELETE /recordings/{taskId} through the real handlers, with
// API Gateway REST (v1) events, against dynalite; every answer is checked against docs/openapi.yaml.
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { zegoFile } from '../../infra/local/zego-simulator';
import type { ApiContext } from '../../lib/http/http-handler';
import type { SweepSummary } from '../../lib/sweep/summary';
import type { OutcomeEvent } from '../../lib/task/outcome-event';
import { lambdaContext as apiContext, list, lookup, track, untrack } from '../support/api-gateway';
import { type LocalStack, lambdaContext, startLocalStack } from '../support/local-stack';
import { responseErrors } from '../support/openapi';

type Handler = (event: APIGatewayProxyEvent, context: ApiContext) => Promise<APIGatewayProxyResult>;
let stack: LocalStack;
let handlers: { list: Handler; untrack: Handler; track: Handler; lookup: Handler };

beforeAll(async () => {
  stack = await startLocalStack({ latencyMs: 300 });
  Object.assign(process.env, stack.sweepEnv());
  vi.resetModules();
  handlers = {
    list: (await import('../../functions/list')).handler,
    untrack: (await import('../../functions/untrack')).handler,
    track: (await import('../../functions/track')).handler,
    lookup: (await import('../../functions/lookup')).handler,
  };
});
afterAll(async () => {
  await stack.close();
});

async function call(handler: Handler, event: APIGatewayProxyEvent) {
  const result = await handler(event, apiContext());
  const body = result.body === '' ? undefined : (JSON.parse(result.body) as Record<string, unknown>);
  if (body !== undefined)
    expect(
      responseErrors(event.resource, event.httpMethod.toLowerCase(), result.statusCode, body),
      `${event.httpMethod} ${event.resource} ${result.statusCode}`,
    ).toEqual([]);
  return { status: result.statusCode, body };
}
type Page = {
  recordings: Array<{ taskId: string; trackedAt: string; state: string; nextCheckAt?: string }>;
  nextToken?: string;
};
const page = async (query: string) => {
  const { status, body } = await call(handlers.list, list(query));
  expect(status, JSON.stringify(body)).toBe(200);
  return body as unknown as Page;
};

describe('GET /recordings?roomId=', () => {
  it('lists 30 recordings of one room in 3 pages of 10, newest first, none missing or repeated', async () => {
    // Prepare: 30 in room-42 (tracked a millisecond apart), and others elsewhere.
    const t0 = Date.now() - 100_000;
    for (let i = 0; i < 30; i++)
      await stack.track(`r42-${String(i).padStart(2, '0')}`, { roomId: 'room-42', trackedAt: t0 + i });
    for (let i = 0; i < 5; i++) await stack.track(`other-${i}`, { roomId: 'room-7', trackedAt: t0 + i });
    await stack.track('roomless', { trackedAt: t0 });

    // Act
    const first = await page('roomId=room-42&limit=10');
    const second = await page(`roomId=room-42&limit=10&nextToken=${first.nextToken}`);
    const third = await page(`roomId=room-42&limit=10&nextToken=${second.nextToken}`);

    // Assess
    const ids = [...first.recordings, ...second.recordings, ...third.recordings].map((r) => r.taskId);
    expect([first, second, third].map((p) => p.recordings.length)).toEqual([10, 10, 10]);
    expect(ids).toEqual(Array.from({ length: 30 }, (_, i) => `r42-${String(29 - i).padStart(2, '0')}`));
    expect(third.nextToken).toBeUndefined();
    expect(first.nextToken).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/); // opaque: its content and its signature
  });

  it('lists 25 by default, and an unknown room as an empty page', async () => {
    // Act + Assess
    expect((await page('roomId=room-42')).recordings).toHaveLength(25);
    expect(await page('roomId=nobody-records-here')).toEqual({ recordings: [] });
  });

  it('reads one Query per page, never a Scan', async () => {
    // Prepare
    const before = stack.dynamo.operations().length;

    // Act
    await page('roomId=room-42&limit=10');

    // Assess
    expect(stack.dynamo.operations().slice(before)).toEqual(['Query']);
  });
});

describe('GET /recordings?state=OPEN', () => {
  it('lists the open recordings, the most overdue first, in pages, and leaves closed ones out', async () => {
    // Prepare: a fresh stack so that the open set is known exactly.
    const own = await startLocalStack();
    try {
      Object.assign(process.env, own.sweepEnv());
      vi.resetModules();
      const listOwn = (await import('../../functions/list')).handler;
      const now = Date.now();
      for (let i = 0; i < 7; i++) await own.track(`open-${i}`, { dueAt: now - 1_000 * (i + 1) });
      await own.track('later', { dueAt: now + 60_000 });
      const closed = await own.track('closed-pending', { dueAt: now - 50_000 });
      await own.store.save({ ...closed, state: 'COMPLETED', closedAt: now - 1 }); // closed, outcome not yet published: still in the index

      // Act
      const pages: Page[] = [];
      let token: string | undefined;
      do {
        const answer = await call(listOwn, list(`state=OPEN&limit=3${token ? `&nextToken=${token}` : ''}`));
        pages.push(answer.body as unknown as Page);
        token = (answer.body as unknown as Page).nextToken;
      } while (token !== undefined);

      // Assess
      const ids = pages.flatMap((p) => p.recordings.map((r) => r.taskId));
      expect(ids).toEqual(['open-6', 'open-5', 'open-4', 'open-3', 'open-2', 'open-1', 'open-0', 'later']);
      expect(pages.map((p) => p.recordings.length)).toEqual([3, 3, 2]);
      for (const r of pages.flatMap((p) => p.recordings)) expect(r.state).toBe('OPEN');
    } finally {
      await own.close();
      Object.assign(process.env, stack.sweepEnv());
      vi.resetModules();
      handlers.list = (await import('../../functions/list')).handler;
      handlers.untrack = (await import('../../functions/untrack')).handler;
      handlers.track = (await import('../../functions/track')).handler;
      handlers.lookup = (await import('../../functions/lookup')).handler;
    }
  });
});

describe('refused listings', () => {
  /** The content of a token issued for room-42, changed by `change`, with its signature kept. */
  const tampered = async (change: (token: Record<string, unknown>) => Record<string, unknown>) => {
    const { nextToken } = await page('roomId=room-42&limit=5');
    const [body, signature] = nextToken!.split('.') as [string, string];
    const token = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
    return `${Buffer.from(JSON.stringify(change(token)), 'utf8').toString('base64url')}.${signature}`;
  };
  it.each([
    ['no filter', async () => 'limit=5', 'missing_filter'],
    ['both filters', async () => 'roomId=room-42&state=OPEN', 'two_filters'],
    ['an unknown state', async () => 'state=DONE', 'invalid_state'],
    ['a state that cannot be listed', async () => 'state=COMPLETED', 'invalid_state'],
    ['a limit of 0', async () => 'roomId=room-42&limit=0', 'invalid_limit'],
    ['a limit of 101', async () => 'roomId=room-42&limit=101', 'invalid_limit'],
    ['a limit that is not a number', async () => 'roomId=room-42&limit=ten', 'invalid_limit'],
    ['a nextToken the API did not issue', async () => 'roomId=room-42&nextToken=bm90LWEtdG9rZW4', 'invalid_next_token'],
    [
      'a nextToken tampered to point at another room',
      async () => `roomId=room-7&nextToken=${await tampered((t) => ({ ...t, room: 'room-7' }))}`,
      'invalid_next_token',
    ],
    [
      'a nextToken tampered to start elsewhere in its own room',
      async () =>
        `roomId=room-42&nextToken=${await tampered((t) => ({ ...t, after: { taskId: 'r42-29', trackedAt: 0 } }))}`,
      'invalid_next_token',
    ],
    [
      'a room nextToken used for the open listing',
      async () => `state=OPEN&nextToken=${(await page('roomId=room-42&limit=5')).nextToken}`,
      'invalid_next_token',
    ],
    ['an unknown parameter', async () => 'roomId=room-42&sort=asc', 'unknown_parameter'],
    ['a repeated parameter', async () => 'roomId=room-42&roomId=room-7', 'repeated_parameter'],
    ['a malformed room id', async () => 'roomId=has%20space', 'invalid_room_id'],
  ])('refuses %s with 400', async (_, query, code) => {
    // Act
    const { status, body } = await call(handlers.list, list(await query()));

    // Assess
    expect(status).toBe(400);
    expect(body).toEqual({ error: { code, message: expect.any(String) } });
  });

  it('accepts the untampered token, so the refusals above are the tampering', async () => {
    // Prepare
    const { nextToken } = await page('roomId=room-42&limit=5');

    // Act + Assess
    expect((await call(handlers.list, list(`roomId=room-42&limit=5&nextToken=${nextToken}`))).status).toBe(200);
  });
});

describe('DELETE /recordings/{taskId}', () => {
  it('stops watching a task (204): GET answers 404, it leaves every listing, and a later POST tracks it afresh (201)', async () => {
    // Prepare
    await stack.track('drop-me', { roomId: 'room-drop' });

    // Act
    const dropped = await call(handlers.untrack, untrack('drop-me'));
    const after = await call(handlers.lookup, lookup('drop-me'));
    const again = await call(handlers.untrack, untrack('drop-me'));
    const room = await page('roomId=room-drop');
    const retracked = await call(handlers.track, track(JSON.stringify({ taskId: 'drop-me', roomId: 'room-drop' })));

    // Assess
    expect(dropped).toEqual({ status: 204, body: undefined });
    expect(after.status).toBe(404);
    expect(again.status).toBe(404);
    expect(room.recordings).toEqual([]);
    expect(retracked.status).toBe(201);
    expect(retracked.body).toMatchObject({ taskId: 'drop-me', state: 'OPEN', checks: 0 });
  });

  it('refuses a malformed id with 400', async () => {
    // Act + Assess
    expect((await call(handlers.untrack, untrack('a/b'))).status).toBe(400);
  });

  it('wins against a sweep that holds the same task: the task is gone and no event is published', async () => {
    // Prepare: ZEGO answers in 300 ms, so the sweep is waiting on it when the task is dropped.
    stack.zego.setTask('race-drop', {
      Status: 3,
      RecordBeginTimestamp: Date.now() - 60_000,
      RecordFiles: [zegoFile({ status: 3 })],
    });
    await stack.track('race-drop');
    stack.sns.clear();
    const { handler: sweep } = (await import('../../functions/sweep')) as {
      handler: (e: unknown, c: ReturnType<typeof lambdaContext>) => Promise<SweepSummary>;
    };

    // Act
    const sweeping = sweep({}, lambdaContext());
    await new Promise((resolve) => setTimeout(resolve, 120));
    const dropped = await call(handlers.untrack, untrack('race-drop'));
    const summary = await sweeping;

    // Assess
    expect(dropped.status).toBe(204);
    expect(stack.zego.stats().byTask['race-drop']).toBe(1); // the sweep did hold it
    expect(summary.conflicts).toBeGreaterThanOrEqual(1);
    expect(await stack.store.get('race-drop')).toBeUndefined();
    const events = stack.sns.published().map((p) => JSON.parse(p.parsedMessage!.default as string) as OutcomeEvent);
    expect(events.filter((e) => e.recording.taskId === 'race-drop')).toEqual([]);
  });
});
