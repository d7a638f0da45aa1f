// The HTTP API through the real track and lookup handlers, with API Gateway REST (v1) events, against
// dynalite; every answer is checked against docs/openapi.yaml.
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ApiContext } from '../../lib/http/http-handler';
import { createDynamoTaskStore } from '../../lib/store/dynamodb-task-store';
import type { TaskStore } from '../../lib/store/task-store';
import { lambdaContext, lookup, track } from '../support/api-gateway';
import { withCapturedOutput } from '../support/capture-output';
import { type LocalDynamo, startLocalDynamo, TEST_AWS } from '../support/dynamo';
import { requestAccepted, responseErrors } from '../support/openapi';

type Handler = (event: APIGatewayProxyEvent, context: ApiContext) => Promise<APIGatewayProxyResult>;
const TABLE = 'recwatch-api-test';
let dynamo: LocalDynamo;
let store: TaskStore;
let trackHandler: Handler;
let lookupHandler: Handler;

async function loadHandlers(table: string): Promise<{ track: Handler; lookup: Handler }> {
  Object.assign(process.env, {
    AWS_REGION: TEST_AWS.region,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    TASKS_TABLE: table,
  });
  vi.resetModules();
  return {
    track: (await import('../../functions/track')).handler,
    lookup: (await import('../../functions/lookup')).handler,
  };
}

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  await dynamo.createTasksTable(TABLE);
  store = createDynamoTaskStore({ client: dynamo.doc, table: TABLE, shards: 1, retentionDays: 30 });
  ({ track: trackHandler, lookup: lookupHandler } = await loadHandlers(TABLE));
});
afterAll(async () => {
  await dynamo.close();
});

/** Calls a handler and checks its answer against the OpenAPI document. */
async function call(handler: Handler, event: APIGatewayProxyEvent) {
  const result = await handler(event, lambdaContext());
  const body = JSON.parse(result.body) as Record<string, unknown>;
  const path = event.resource;
  expect(
    responseErrors(path, event.httpMethod.toLowerCase(), result.statusCode, body),
    `${event.httpMethod} ${path} ${result.statusCode}`,
  ).toEqual([]);
  expect(result.headers?.['content-type']).toMatch(/^application\/json/);
  return { status: result.statusCode, body };
}

describe('POST /recordings', () => {
  it('tracks a new task (201), due for its first check at once', async () => {
    // Prepare
    const before = Date.now();

    // Act
    const { status, body } = await call(
      trackHandler,
      track(JSON.stringify({ taskId: 'X3CgNeE4I1qAAABN', roomId: 'room-1' })),
    );

    // Assess
    expect(status).toBe(201);
    expect(body).toMatchObject({ taskId: 'X3CgNeE4I1qAAABN', roomId: 'room-1', state: 'OPEN', checks: 0 });
    expect(Date.parse(body.trackedAt as string)).toBeGreaterThanOrEqual(before);
    expect(body.nextCheckAt).toBe(body.trackedAt);
    const due: string[] = [];
    for await (const entry of store.listDue(Date.now())) if ('task' in entry) due.push(entry.task.taskId);
    expect(due).toContain('X3CgNeE4I1qAAABN');
  });

  it('returns the stored view (200) for a task already tracked, and changes nothing', async () => {
    // Prepare
    await call(trackHandler, track(JSON.stringify({ taskId: 'again-1', roomId: 'first' })));
    const stored = await store.get('again-1');

    // Act
    const { status, body } = await call(trackHandler, track(JSON.stringify({ taskId: 'again-1', roomId: 'second' })));

    // Assess
    expect(status).toBe(200);
    expect(body).toMatchObject({ taskId: 'again-1', roomId: 'first' });
    expect(await store.get('again-1')).toEqual(stored);
  });

  it('tracks without a room id, and reads a base64-encoded body', async () => {
    // Prepare
    const encoded = Buffer.from(JSON.stringify({ taskId: 'b64-task' })).toString('base64');

    // Act
    const { status, body } = await call(trackHandler, { ...track(encoded), isBase64Encoded: true });

    // Assess
    expect(status).toBe(201);
    expect(body.roomId).toBeUndefined();
  });

  it.each([
    ['not JSON', '{"taskId": "abc"', 'invalid_json'],
    ['an empty body', '', 'invalid_json'],
    ['a JSON array', '["abc"]', 'invalid_body'],
    ['a JSON string', '"abc"', 'invalid_body'],
    ['JSON null', 'null', 'invalid_body'],
    ['a body that is too large', JSON.stringify({ taskId: 'big-1', roomId: 'x'.repeat(5000) }), 'body_too_large'],
    ['no taskId', '{"roomId": "room-1"}', 'missing_task_id'],
    ['an empty taskId', '{"taskId": ""}', 'invalid_task_id'],
    ['a 65-character taskId', JSON.stringify({ taskId: 'a'.repeat(65) }), 'invalid_task_id'],
    ['a taskId with a space', '{"taskId": "a b"}', 'invalid_task_id'],
    ['a taskId with a slash', '{"taskId": "a/b"}', 'invalid_task_id'],
    ['a taskId with a non-ASCII letter', '{"taskId": "tâche"}', 'invalid_task_id'],
    ['a numeric taskId', '{"taskId": 12345}', 'invalid_task_id'],
    ['an unknown field', '{"taskId": "unk-1", "callbackUrl": "https://x"}', 'unknown_field'],
    ['a roomId with a space', '{"taskId": "room-bad-1", "roomId": "my room"}', 'invalid_room_id'],
    ['a 129-character roomId', JSON.stringify({ taskId: 'room-bad-2', roomId: 'r'.repeat(129) }), 'invalid_room_id'],
    ['a numeric roomId', '{"taskId": "room-bad-3", "roomId": 7}', 'invalid_room_id'],
  ])('refuses %s with 400 and writes nothing', async (_case, raw, code) => {
    // Prepare
    const writes = dynamo.operations().filter((op) => op === 'PutItem').length;

    // Act
    const { status, body } = await call(trackHandler, track(raw));

    // Assess
    expect(status).toBe(400);
    expect(body).toEqual({ error: { code, message: expect.any(String) } });
    expect(dynamo.operations().filter((op) => op === 'PutItem').length).toBe(writes);
    // The document refuses what the handler refuses.
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return;
    }
    if (code !== 'body_too_large') expect(requestAccepted('/recordings', 'post', parsed)).toBe(false);
  });

  it('refuses a body that is not JSON by its Content-Type', async () => {
    // Act
    const { status, body } = await call(
      trackHandler,
      track('taskId=abc', { 'content-type': 'application/x-www-form-urlencoded' }),
    );

    // Assess
    expect(status).toBe(400);
    expect((body.error as { code: string }).code).toBe('invalid_content_type');
  });

  it('accepts in the document what it accepts in the handler', () => {
    // Act + Assess
    expect(requestAccepted('/recordings', 'post', { taskId: 'X3CgNeE4I1qAAABN', roomId: 'room-1' })).toBe(true);
    expect(requestAccepted('/recordings', 'post', { taskId: 'a-b_C9' })).toBe(true);
  });
});

describe('GET /recordings/{taskId}', () => {
  it('returns the recording view with one GetItem and nothing else', async () => {
    // Prepare
    await call(trackHandler, track(JSON.stringify({ taskId: 'look-1', roomId: 'room-9' })));
    const before = dynamo.operations().length;

    // Act
    const { status, body } = await call(lookupHandler, lookup('look-1'));

    // Assess
    expect(status).toBe(200);
    expect(body).toMatchObject({ taskId: 'look-1', roomId: 'room-9', state: 'OPEN', checks: 0 });
    expect(dynamo.operations().slice(before)).toEqual(['GetItem']);
  });

  it('shows a finished recording with its files, as the sweep stored it', async () => {
    // Prepare
    const now = Date.now();
    await store.create({
      taskId: 'done-1',
      state: 'COMPLETED',
      trackedAt: now - 60_000,
      checks: 3,
      quietChecks: 0,
      faultStreak: 0,
      notFoundStreak: 0,
      version: 0,
      zegoStatus: 3,
      recordBeginTimestamp: now - 50_000,
      recordEndTimestamp: now - 10_000,
      closedAt: now - 5000,
      publishedAt: now - 4000,
      lastCheckedAt: now - 5000,
      outcomeReason: 'recording ended; every file uploaded',
      files: [
        {
          status: 3,
          url: 'https://cdn.example/a.mp4',
          fileId: 'a.mp4',
          format: 'mp4',
          sizeBytes: 10,
          durationMs: 20,
          beginTimestamp: 1,
        },
      ],
    });

    // Act
    const { status, body } = await call(lookupHandler, lookup('done-1'));

    // Assess
    expect(status).toBe(200);
    expect(body).toMatchObject({
      state: 'COMPLETED',
      zegoStatus: 3,
      files: [{ url: 'https://cdn.example/a.mp4', status: 3 }],
    });
    expect(body.nextCheckAt).toBeUndefined();
  });

  it('answers 404 for an unknown task', async () => {
    // Act
    const { status, body } = await call(lookupHandler, lookup('never-tracked'));

    // Assess
    expect(status).toBe(404);
    expect(body).toEqual({ error: { code: 'not_found', message: expect.stringContaining('never-tracked') } });
  });

  it.each(['a b', 'x'.repeat(65), 'tâche', '..%2F..'])('answers 400 for the malformed id %j', async (taskId) => {
    // Prepare
    const before = dynamo.operations().length;

    // Act
    const { status, body } = await call(lookupHandler, lookup(taskId));

    // Assess
    expect(status).toBe(400);
    expect((body.error as { code: string }).code).toBe('invalid_task_id');
    expect(dynamo.operations().length).toBe(before);
  });
});

describe('unexpected failures', () => {
  it('answer 500 with a request id matching the log line, and no internal detail', async () => {
    // Prepare
    const broken = await loadHandlers('no-such-table');
    let answers: { status: number; body: Record<string, unknown> }[];
    let lines: string[];

    // Act
    try {
      ({ result: answers, lines } = await withCapturedOutput(async () => [
        await call(broken.track, track('{"taskId": "t-500"}')),
        await call(broken.lookup, lookup('t-500')),
      ]));
    } finally {
      ({ track: trackHandler, lookup: lookupHandler } = await loadHandlers(TABLE));
    }

    // Assess
    for (const { status, body } of answers) {
      expect(status).toBe(500);
      const error = body.error as { code: string; message: string; requestId: string };
      expect(error.code).toBe('internal_error');
      const text = JSON.stringify(body);
      for (const secret of ['no-such-table', 'ResourceNotFound', 'Exception', 'at ', 'dynamodb', '.ts'])
        expect(text).not.toContain(secret);
      const logged = lines
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.requestId === error.requestId);
      expect(logged).toMatchObject({
        level: 'ERROR',
        message: 'request failed',
        status: 500,
        function: expect.any(String),
      });
      expect(logged?.function_request_id).toBeDefined(); // the Lambda request id, from the invocation's context
    }
  });
});
