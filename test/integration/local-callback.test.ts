// `npm run callback` as a user runs it (the command of package.json's script, in its own process), against
// the local API server with the real functions/callback.ts behind POST /callbacks/zego, dynalite and the SNS
// endpoint at the wire; and its argument checks, in process.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type ApiServer, startApiServer } from '../../infra/local/api-server';
import {
  type CallbackCommand,
  CallbackCommandError,
  commandBody,
  readCommand,
} from '../../infra/local/callback-command';
import { callbackSecretFile } from '../../infra/local/data-dir';
import { verifyCallbackSignature } from '../../lib/callback/signature';
import type { OutcomeEvent } from '../../lib/task/outcome-event';
import { APP_ID, CALLBACK_SECRET, type LocalStack, startLocalStack } from '../support/local-stack';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
let stack: LocalStack;
let api: ApiServer;
let port: string;
let dataDir: string;

beforeAll(async () => {
  stack = await startLocalStack();
  Object.assign(process.env, stack.sweepEnv({ LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' }));
  vi.resetModules();
  const { handler } = await import('../../functions/callback');
  const unused = () => Promise.reject(new Error('not under test'));
  api = await startApiServer({ host: '127.0.0.1', port: 0 });
  api.use({ track: unused, lookup: unused, callback: handler, list: unused, untrack: unused });
  port = new URL(api.url).port;
  // What `npm start` leaves in its data directory while it runs.
  dataDir = await mkdtemp(join(tmpdir(), 'recwatch-callback-'));
  await writeFile(callbackSecretFile(dataDir), `${CALLBACK_SECRET}\n`, { mode: 0o600 });
});
afterAll(async () => {
  await api?.close();
  await stack?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Runs what `npm run callback -- <args>` runs, with only these variables (and PATH) set. */
async function npmRunCallback(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const pkg = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { scripts: { callback: string } };
  const [command, ...scriptArgs] = pkg.scripts.callback.split(/\s+/);
  expect(command).toBe('node');
  const child = spawn(process.execPath, [...scriptArgs, ...args], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, stdout, stderr };
}

const eventsOf = (taskId: string) =>
  stack.sns
    .published()
    .map((p) => JSON.parse(p.parsedMessage!.default as string) as OutcomeEvent)
    .filter((e) => e.recording.taskId === taskId);

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: free } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return free;
}

describe('npm run callback', () => {
  it('signs with the running stack’s secret and default URL; an untracked task becomes a candidate, not an outcome', async () => {
    // Act: the secret from the data directory, the URL from PORT, the simulator's AppId.
    const run = await npmRunCallback(['cb-untracked-1', '--room', 'room-9'], {
      RECWATCH_DATA_DIR: dataDir,
      PORT: port,
    });

    // Assess: one line with the answer. A callback is a hint: nothing is announced, or tracked, until ZEGO answers.
    expect(run, run.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toBe(
      `POST http://127.0.0.1:${port}/callbacks/zego event 1 (upload finished) for cb-untracked-1 → 200 {"received":true,"action":"candidate"}\n`,
    );
    expect(eventsOf('cb-untracked-1')).toEqual([]);
    expect(await stack.store.get('cb-untracked-1')).toBeUndefined();
    const items = await stack.dynamo.scanTable(stack.table);
    expect(items).toContainEqual(expect.objectContaining({ candidateOf: 'cb-untracked-1' }));
    expect(JSON.stringify(items)).not.toContain('room-9');
    expect(run.stdout).not.toContain(CALLBACK_SECRET);
  });

  it('hints at a tracked task with each event that may mean an outcome', async () => {
    // Prepare: the secret from the environment, the URL given.
    await stack.track('cb-tracked-2', { dueAt: Date.now() + 3_600_000 });
    await stack.track('cb-tracked-3', { dueAt: Date.now() + 3_600_000 });
    const env = { ZEGO_CALLBACK_SECRET: CALLBACK_SECRET, ZEGO_APP_ID: String(APP_ID) };
    const url = `${api.url}/callbacks/zego`;

    // Act
    const [finished, uploading] = await Promise.all([
      npmRunCallback(['cb-tracked-2', '--url', url], env),
      npmRunCallback(['cb-tracked-3', '--event', '7', '--url', url], env),
    ]);

    // Assess
    expect(finished.code, finished.stderr).toBe(0);
    expect(finished.stdout).toContain(
      'event 1 (upload finished) for cb-tracked-2 → 200 {"received":true,"action":"hinted"}',
    );
    expect(uploading.code, uploading.stderr).toBe(0);
    expect(uploading.stdout).toContain(
      'event 7 (stopped, uploading) for cb-tracked-3 → 200 {"received":true,"action":"hinted"}',
    );
    for (const id of ['cb-tracked-2', 'cb-tracked-3']) {
      const stored = await stack.store.get(id);
      expect(stored).toMatchObject({ hinted: true, state: 'OPEN' });
      expect(stored!.dueAt).toBeLessThanOrEqual(Date.now());
    }
    expect(eventsOf('cb-tracked-2')).toEqual([]);
  });

  it('prints a refusal and exits 1; says in one line when nothing answers or no stack left its secret', async () => {
    // Prepare
    const dead = await closedPort();

    // Act
    const [refused, notRunning, noSecret] = await Promise.all([
      npmRunCallback(['cb-refused-4', '--url', `${api.url}/callbacks/zego`], {
        ZEGO_CALLBACK_SECRET: 'not-the-secret',
      }),
      npmRunCallback(['cb-refused-4'], { ZEGO_CALLBACK_SECRET: CALLBACK_SECRET, PORT: String(dead) }),
      npmRunCallback(['cb-refused-4'], { RECWATCH_DATA_DIR: join(dataDir, 'never-started'), PORT: port }),
    ]);

    // Assess
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/→ 401 \{"error":\{"code":"bad_signature","message":"[^"]+"\}\}\n$/);
    expect(notRunning).toMatchObject({ code: 1, stdout: '' });
    expect(notRunning.stderr).toBe(
      `npm run callback: nothing answers at http://127.0.0.1:${dead} (connection refused): is \`npm start\` running there? Set PORT or --url if it runs on another port\n`,
    );
    expect(noSecret).toMatchObject({ code: 1, stdout: '' });
    expect(noSecret.stderr).toMatch(
      /^npm run callback: no CallbackSecret in .*never-started\/callback-secret: is `npm start` running/,
    );
    expect(noSecret.stderr.trim().split('\n')).toHaveLength(1);
    expect(eventsOf('cb-refused-4')).toEqual([]);
  });

  it('exits 2 with one line for bad arguments', async () => {
    // Act
    const run = await npmRunCallback(['cb-5', '--event', '3'], { ZEGO_CALLBACK_SECRET: CALLBACK_SECRET });

    // Assess
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toBe(
      'npm run callback: --event must be 1, 2, 5 or 7, got "3" (usage: npm run callback -- <taskId> [--event 1|2|5|7] [--room <roomId>] [--url <url>])\n',
    );
  });
});

describe('npm run callback arguments', () => {
  const env = { ZEGO_CALLBACK_SECRET: 's' };
  const read = (args: string[], overrides: Record<string, string> = {}) =>
    readCommand(args, { ...env, ...overrides }, '/repo');
  const refusal = (args: string[], overrides: Record<string, string> = {}): string => {
    try {
      read(args, overrides);
    } catch (error) {
      expect(error).toBeInstanceOf(CallbackCommandError);
      return (error as Error).message;
    }
    throw new Error('accepted');
  };

  it('defaults to an upload-finished callback for the simulator’s AppId at port 3000', () => {
    // Act + Assess
    expect(read(['t-1'])).toEqual({
      url: 'http://127.0.0.1:3000/callbacks/zego',
      taskId: 't-1',
      eventType: 1,
      appId: 1234567890,
      callbackSecret: 's',
    });
    expect(read(['t-1', '--event', '5', '--room', 'r-1'], { PORT: '3100', ZEGO_APP_ID: '42' })).toMatchObject({
      url: 'http://127.0.0.1:3100/callbacks/zego',
      eventType: 5,
      roomId: 'r-1',
      appId: 42,
    });
    expect(read(['--help'])).toBe('help');
  });

  it.each([
    [[], /^give the TaskId to send a callback for \(usage: /],
    [['a', 'b'], /^give one TaskId, not 2 /],
    [['a', '--event', '4'], /^--event must be 1, 2, 5 or 7, got "4"/],
    [['a', '--failed'], /^Unknown option '--failed'/],
    [['a', '--colour'], /^Unknown option '--colour'.* \(usage: /],
    [['a', '--url', 'ftp://x'], /^--url must be an http/],
  ])('refuses %j', (args, message) => {
    // Act + Assess
    expect(refusal(args)).toMatch(message);
  });

  it('refuses an AppId that is not one', () => {
    // Act + Assess
    expect(refusal(['a'], { ZEGO_APP_ID: 'abc' })).toMatch(/^ZEGO_APP_ID must be an unsigned 32-bit integer/);
  });

  it('signs the body as ZEGO does, with its two files', () => {
    // Prepare
    const command: CallbackCommand = {
      url: 'http://x',
      taskId: 't-9',
      eventType: 1,
      appId: 7,
      callbackSecret: 'sec',
    };

    // Act
    const body = commandBody(command, Date.UTC(2026, 0, 1));

    // Assess
    expect(body).toMatchObject({
      app_id: 7,
      task_id: 't-9',
      event_type: 1,
      timestamp: String(Date.UTC(2026, 0, 1) / 1000),
      detail: { upload_status: 1, file_info: [{ status: 3 }, { status: 3 }] },
    });
    expect(
      verifyCallbackSignature('sec', body.timestamp as string, body.nonce as string, body.signature as string),
    ).toBe(true);
  });
});
