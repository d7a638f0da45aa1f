// The pieces of `npm start` that decide things, in process: what it reads from the environment, how the
// local API turns HTTP requests into API Gateway events, and which function log lines reach the console.
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { type ApiServer, startApiServer } from '../../infra/local/api-server';
import { callbackCommand } from '../../infra/local/banner';
import { loadDevConfig, StartError } from '../../infra/local/dev-config';
import { problemOf } from '../../infra/local/function-logs';

const servers: ApiServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function apiWithEchoHandlers(): Promise<{ api: ApiServer; seen: APIGatewayProxyEvent[] }> {
  const seen: APIGatewayProxyEvent[] = [];
  const echo = async (event: APIGatewayProxyEvent) => {
    seen.push(event);
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ok: true }) };
  };
  const api = await startApiServer({ host: '127.0.0.1', port: 0 });
  servers.push(api);
  api.use({ track: echo, lookup: echo, callback: echo, list: echo, untrack: echo });
  return { api, seen };
}

describe('local API', () => {
  it('hands the lookup handler the event API Gateway would, path parameter decoded', async () => {
    // Prepare
    const { api, seen } = await apiWithEchoHandlers();

    // Act
    const answer = await fetch(`${api.url}/recordings/abc%2Dd?verbose=1&verbose=2`, { headers: { 'X-Trace': 'one' } });

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    const event = seen[0]!;
    expect(event).toMatchObject({
      httpMethod: 'GET',
      resource: '/recordings/{taskId}',
      path: '/recordings/abc%2Dd',
      pathParameters: { taskId: 'abc-d' },
      queryStringParameters: { verbose: '2' },
      multiValueQueryStringParameters: { verbose: ['1', '2'] },
      body: null,
      isBase64Encoded: false,
    });
    expect(event.headers['X-Trace']).toBe('one');
    expect(event.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('hands the track handler the body as sent', async () => {
    // Prepare
    const { api, seen } = await apiWithEchoHandlers();

    // Act
    await fetch(`${api.url}/recordings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"taskId":"t-1"}',
    });

    // Assess
    expect(seen[0]).toMatchObject({
      httpMethod: 'POST',
      resource: '/recordings',
      body: '{"taskId":"t-1"}',
      pathParameters: null,
    });
  });

  it('hands the callback handler ZEGO’s body as sent, on its own resource, asking for no API key', async () => {
    // Prepare
    const { api, seen } = await apiWithEchoHandlers();
    const body = '{"app_id":1234567890,"task_id":"t-1","event_type":1}';

    // Act
    const answer = await fetch(`${api.url}/callbacks/zego`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });

    // Assess
    expect(answer.status).toBe(200);
    expect(seen[0]).toMatchObject({
      httpMethod: 'POST',
      resource: '/callbacks/zego',
      path: '/callbacks/zego',
      body,
      pathParameters: null,
    });
    expect(seen[0]!.requestContext.identity.apiKey).toBeNull();
  });

  it.each([
    ['PUT', '/recordings', 405, 'method_not_allowed'],
    ['GET', '/callbacks/zego', 405, 'method_not_allowed'],
    ['PUT', '/callbacks/zego', 405, 'method_not_allowed'],
    ['POST', '/callbacks', 404, 'not_found'],
    ['POST', '/callbacks/zego/extra', 404, 'not_found'],
    ['PATCH', '/recordings/t-1', 405, 'method_not_allowed'],
    ['GET', '/', 404, 'not_found'],
    ['GET', '/recordings/', 404, 'not_found'],
    ['GET', '/recordings/a/b', 404, 'not_found'],
  ])('%s %s answers %i with the API error body, without calling a handler', async (method, path, status, code) => {
    // Prepare
    const { api, seen } = await apiWithEchoHandlers();

    // Act
    const answer = await fetch(`${api.url}${path}`, { method });

    // Assess
    expect(answer.status).toBe(status);
    expect(await answer.json()).toEqual({ error: { code, message: expect.any(String) } });
    if (status === 405)
      expect(answer.headers.get('allow')).toBe(
        { '/recordings/t-1': 'GET, DELETE', '/recordings': 'POST, GET' }[path] ?? 'POST',
      );
    expect(seen).toEqual([]);
  });

  it('answers 503 until its handlers are loaded', async () => {
    // Prepare
    const api = await startApiServer({ host: '127.0.0.1', port: 0 });
    servers.push(api);

    // Act + Assess
    expect((await fetch(`${api.url}/recordings/t-1`)).status).toBe(503);
  });

  it('turns a port in use into one clear line', async () => {
    // Prepare: a server on the port.
    const first = await startApiServer({ host: '127.0.0.1', port: 0 });
    servers.push(first);
    const port = Number(new URL(first.url).port);

    // Act
    const second = startApiServer({ host: '127.0.0.1', port });

    // Assess
    await expect(second).rejects.toBeInstanceOf(StartError);
    await expect(second).rejects.toThrow(`Port ${port} is already in use: set PORT to another port`);
  });
});

describe('npm start settings', () => {
  it('has embedded defaults: port 3000, a sweep every 5 s, .data, the simulator, quick checks', () => {
    // Act + Assess
    expect(loadDevConfig({}, '/repo')).toEqual({
      host: '127.0.0.1',
      port: 3000,
      sweepIntervalMs: 5000,
      dataDir: '/repo/.data',
      zego: { kind: 'simulator' },
      functionDefaults: { CHECK_INTERVAL_SECONDS: '5', CHECK_INTERVAL_MAX_SECONDS: '15', SWEEP_KEEP_CHECKING: 'off' },
    });
  });

  it('uses the real ZEGO API only when both the AppId and the ServerSecret are given', () => {
    // Act
    const real = loadDevConfig({ ZEGO_APP_ID: '42', ZEGO_SERVER_SECRET: 's3cret' }, '/repo').zego;

    // Assess
    expect(real).toEqual({
      kind: 'real',
      appId: '42',
      serverSecret: 's3cret',
      apiUrl: 'https://cloudrecord-api.zego.im',
    });

    // Act + Assess: the ServerSecret without the AppId.
    expect(() => loadDevConfig({ ZEGO_SERVER_SECRET: 's3cret' }, '/repo')).toThrow(
      /set both ZEGO_APP_ID and ZEGO_SERVER_SECRET/,
    );
    try {
      loadDevConfig({ ZEGO_SERVER_SECRET: 's3cret' }, '/repo');
    } catch (error) {
      expect((error as Error).message).not.toContain('s3cret');
    }
  });

  it('takes the CallbackSecret from ZEGO_CALLBACK_SECRET (never from SSM), without echoing it', () => {
    // Act + Assess
    expect(loadDevConfig({ ZEGO_CALLBACK_SECRET: 'cb-s3cret' }, '/repo').callbackSecret).toBe('cb-s3cret');
    expect(loadDevConfig({}, '/repo')).not.toHaveProperty('callbackSecret');
    expect(() => loadDevConfig({ ZEGO_CALLBACK_SECRET_PARAM: '/recwatch/cb' }, '/repo')).toThrow(
      /^ZEGO_CALLBACK_SECRET_PARAM names an SSM parameter/,
    );
  });

  it('prints an `npm run callback` line that reaches the stack as it runs', () => {
    // Prepare
    const config = loadDevConfig({}, '/repo');

    // Act + Assess
    expect(callbackCommand({ config, callbackUrl: 'http://127.0.0.1:3000/callbacks/zego' }, '/repo', 't-1')).toBe(
      'npm run callback -- t-1',
    );

    // Act + Assess: with a data folder, a port and the real ZEGO.
    const moved = loadDevConfig(
      { RECWATCH_DATA_DIR: '/tmp/my data', PORT: '0', ZEGO_APP_ID: '42', ZEGO_SERVER_SECRET: 'x' },
      '/repo',
    );
    expect(
      callbackCommand({ config: moved, callbackUrl: 'http://127.0.0.1:40123/callbacks/zego' }, '/repo', 't-1'),
    ).toBe(
      "RECWATCH_DATA_DIR='/tmp/my data' ZEGO_APP_ID=42 npm run callback -- t-1 --url http://127.0.0.1:40123/callbacks/zego",
    );
  });

  it('names the variable that is wrong', () => {
    // Act + Assess
    expect(() => loadDevConfig({ PORT: 'http' }, '/repo')).toThrow(StartError);
    expect(() => loadDevConfig({ PORT: '70000' }, '/repo')).toThrow(/^PORT must be a whole number from 0 to 65535/);
    expect(() => loadDevConfig({ SWEEP_INTERVAL_SECONDS: '0' }, '/repo')).toThrow(/^SWEEP_INTERVAL_SECONDS/);
  });

  it('keeps the user’s check intervals, lifting the default cap above a longer shortest interval', () => {
    // Act + Assess
    expect(loadDevConfig({ CHECK_INTERVAL_SECONDS: '60' }, '/repo').functionDefaults).toEqual({
      CHECK_INTERVAL_SECONDS: '60',
      CHECK_INTERVAL_MAX_SECONDS: '60',
      SWEEP_KEEP_CHECKING: 'off',
    });
    expect(loadDevConfig({ RECWATCH_DATA_DIR: '/var/tmp/rw' }, '/repo').dataDir).toBe('/var/tmp/rw');
  });
});

describe('function log lines on the console', () => {
  it('shows warnings and errors in one line, and nothing else', () => {
    // Prepare
    const line = (entry: object) => JSON.stringify(entry);

    // Act + Assess
    expect(problemOf(line({ level: 'INFO', message: 'request', function: 'track' }))).toBeUndefined();
    expect(problemOf(line({ level: 'ERROR', message: 'sweep finished', function: 'sweep' }))).toBeUndefined();
    expect(problemOf('(node:1) Warning: something')).toBeUndefined();
    expect(
      problemOf(
        line({
          level: 'ERROR',
          message: 'publishing an outcome failed',
          function: 'sweep',
          taskId: 't-1',
          error: { name: 'TimeoutError', message: 'timed out' },
        }),
      ),
    ).toBe('sweep: publishing an outcome failed (taskId t-1; TimeoutError: timed out)');
  });
});
