// `npm start` as a user runs it: the command of package.json's start script in its own process group (as a
// terminal's foreground job), driven over HTTP, stopped with Ctrl-C (SIGINT to the whole group).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { type AddressInfo, createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_RECORDINGS, HINT_ME, TRY_ME } from '../../infra/local/demo-recordings';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const dataDirs: string[] = [];
const children: ChildProcess[] = [];

afterEach(async () => {
  // Only if a test failed half-way: never leave a stack running.
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
  for (const dir of dataDirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

interface Started {
  child: ChildProcess;
  dataDir: string;
  /** Everything printed so far, stdout and stderr. */
  output(): string;
  /** Resolves with the first line matching `pattern`, printed before or after the call. */
  line(pattern: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs what `npm start` runs (read from package.json, so the test cannot drift from the script). */
async function start(env: Record<string, string>): Promise<Started> {
  const pkg = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const [command, ...args] = pkg.scripts.start.split(/\s+/);
  expect(command).toBe('node');
  const dataDir = await mkdtemp(join(tmpdir(), 'recwatch-start-'));
  dataDirs.push(dataDir);
  const child = spawn(process.execPath, args, {
    cwd: REPO,
    env: { ...process.env, RECWATCH_DATA_DIR: dataDir, NO_COLOR: '1', ...env },
    detached: true, // its own process group, so that SIGINT reaches it the way Ctrl-C does
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let text = '';
  const waiters = new Set<() => void>();
  const collect = (chunk: Buffer): void => {
    text += chunk.toString('utf8');
    for (const wake of waiters) wake();
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const line = (pattern: RegExp, timeoutMs = 15_000): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const found = text.split('\n').find((l) => pattern.test(l));
        if (found === undefined) return;
        cleanup();
        resolve(found);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; output so far:\n${text}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  return { child, dataDir, output: () => text, line, exited };
}

async function readEvents(
  dataDir: string,
): Promise<Array<{ eventId: string; eventType: string; recording: { taskId: string; closedBy?: string } }>> {
  const text = await readFile(join(dataDir, 'events.jsonl'), 'utf8');
  return text
    .trim()
    .split('\n')
    .map(
      (l) => JSON.parse(l) as { eventId: string; eventType: string; recording: { taskId: string; closedBy?: string } },
    );
}

/** Runs the `npm run callback` line the banner printed (its variables, then what package.json's script runs). */
async function runPrintedCallbackLine(
  output: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const printed = /^ {2}((?:\w+=\S+ )*)npm run callback -- (.+?) {3}#/m.exec(output);
  expect(printed, output).not.toBeNull();
  const env = Object.fromEntries(
    printed![1]!
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map((word) => word.split(/=(.*)/s).slice(0, 2)),
  );
  const pkg = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { scripts: { callback: string } };
  const [command, ...args] = pkg.scripts.callback.split(/\s+/);
  expect(command).toBe('node');
  const child = spawn(process.execPath, [...args, ...printed![2]!.split(/\s+/)], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, stdout, stderr };
}

/** Whether anything accepts connections on this port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('npm start', () => {
  it('serves the API through the real handlers, announces demo tasks closed by callback and by poll, and stops cleanly on Ctrl-C', async () => {
    // Prepare: any free port, and a sweep (and checks) every second so the demo finishes within the test.
    const stack = await start({
      PORT: '0',
      SWEEP_INTERVAL_SECONDS: '1',
      CHECK_INTERVAL_SECONDS: '1',
      CHECK_INTERVAL_MAX_SECONDS: '2',
    });
    await stack.line(/^Ready\./);

    // Act + Assess: the banner.
    const api = /HTTP API\s+(http:\/\/127\.0\.0\.1:(\d+))/.exec(stack.output())!;
    expect(api, stack.output()).not.toBeNull();
    const [, baseUrl, port] = api;
    // The printed curl lines track the demo this test tracks.
    expect(stack.output()).toContain(
      `curl -sS -X POST ${baseUrl}/recordings -H 'content-type: application/json' -d '{"taskId":"${TRY_ME.taskId}"`,
    );
    expect(stack.output()).toContain(`curl -sS ${baseUrl}/recordings/${TRY_ME.taskId}`);
    // ZEGO's callbacks are received beside the API; the run's CallbackSecret is in the data directory, not on the console.
    // Triage is on, as deployed, and the banner says so.
    expect(stack.output()).toMatch(/^ {2}triage {4}on: each pass lists the recordings in progress with DescribeTasks/m);
    expect(stack.output()).toMatch(
      new RegExp(
        `^ {2}callbacks POST ${baseUrl}/callbacks/zego {2}\\(functions/callback\\.ts; .*${stack.dataDir}/callback-secret\\)$`,
        'm',
      ),
    );
    const secret = (await readFile(join(stack.dataDir, 'callback-secret'), 'utf8')).trim();
    expect(secret).toMatch(/^[0-9a-f]{32}$/);
    expect(stack.output()).not.toContain(secret);

    // Act: track it over HTTP, as the printed curl line does.
    const tracked = await fetch(`${baseUrl}/recordings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ taskId: TRY_ME.taskId, roomId: TRY_ME.roomId }),
    });

    // Assess
    expect(tracked.status).toBe(201);
    expect(await tracked.json()).toMatchObject({ taskId: TRY_ME.taskId, state: 'OPEN' });

    // Act + Assess: the outcome event is printed, saved as a JSON line, and the lookup agrees.
    const printed = await stack.line(new RegExp(`recording\\.completed ${TRY_ME.taskId}\\b`));
    expect(printed).toContain(`room ${TRY_ME.roomId}`);
    const events = await readEvents(stack.dataDir);
    const event = events.find((e) => e.recording.taskId === TRY_ME.taskId && e.eventType === 'recording.completed');
    expect(event?.recording).toMatchObject({
      taskId: TRY_ME.taskId,
      state: 'COMPLETED',
      roomId: TRY_ME.roomId,
      files: [{ status: 3 }],
    });
    expect(printed).toMatch(/ {2}by poll · /); // it sends no callbacks
    const lookup = await fetch(`${baseUrl}/recordings/${TRY_ME.taskId}`);
    expect(lookup.status).toBe(200);
    expect(await lookup.json()).toMatchObject({ taskId: TRY_ME.taskId, state: 'COMPLETED', closedBy: 'poll' });

    // Act: the printed `npm run callback` line, as printed, for a demo nobody tracked.
    const oneLiner = await runPrintedCallbackLine(stack.output());

    // Assess: a hint: the task is a candidate until the sweep asks ZEGO, which confirms it; then it is announced.
    expect(oneLiner, oneLiner.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(oneLiner.stdout).toMatch(
      new RegExp(` for ${HINT_ME.taskId} → 200 \\{"received":true,"action":"candidate"\\}$`, 'm'),
    );
    await stack.line(
      new RegExp(`recording\\.completed ${HINT_ME.taskId} {2}by callback · room ${HINT_ME.roomId} · 2 files`),
      10_000,
    );

    // Act + Assess: the demos' own callbacks close one that nobody tracked; the one whose callbacks are lost is closed by a poll.
    const pushed = DEMO_RECORDINGS.find((demo) => demo.callbacks === 'delivered' && !demo.autoTrack)!;
    const lost = DEMO_RECORDINGS.find((demo) => demo.callbacks === 'lost')!;
    await stack.line(new RegExp(`recording\\.completed ${pushed.taskId} {2}by callback · room ${pushed.roomId}`));
    await stack.line(new RegExp(`recording\\.completed ${lost.taskId} {2}by poll · room ${lost.roomId}`), 25_000);
    const closedBy = Object.fromEntries(
      (await readEvents(stack.dataDir)).map((e) => [e.recording.taskId, e.recording.closedBy]),
    );
    expect(closedBy).toMatchObject({
      [TRY_ME.taskId]: 'poll',
      [HINT_ME.taskId]: 'callback',
      [pushed.taskId]: 'callback',
      [lost.taskId]: 'poll',
    });
    expect(stack.output()).toMatch(/POST \/callbacks\/zego → 200/);
    // Routes API Gateway would not match answer like the API's own errors.
    // The room listing the banner's curl line shows, through the real list handler.
    const listed = await fetch(`${baseUrl}/recordings?roomId=${encodeURIComponent(TRY_ME.roomId)}`);
    expect(listed.status).toBe(200);
    expect(
      ((await listed.json()) as { recordings: Array<{ taskId: string }> }).recordings.map((r) => r.taskId),
    ).toContain(TRY_ME.taskId);
    expect(stack.output()).toContain(`curl -sS '${baseUrl}/recordings?roomId=${TRY_ME.roomId}'`);
    const wrongMethod = await fetch(`${baseUrl}/recordings`, { method: 'PUT' });
    expect(wrongMethod.status).toBe(405);
    expect(await wrongMethod.json()).toMatchObject({ error: { code: 'method_not_allowed' } });
    const unknown = await fetch(`${baseUrl}/nothing-here`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'not_found' } });
    // Progress lines on the console; the functions' JSON logs in the log file, not on the console.
    expect(stack.output()).toMatch(/sweep {2}due \d+ · checked \d+ · outcomes \d+ · \d+ of 10 req\/s/);
    expect(stack.output()).not.toMatch(/^\{"level"/m);
    expect(await readFile(join(stack.dataDir, 'recwatch.log'), 'utf8')).toContain('"message":"sweep finished"');

    // Act: Ctrl-C. Through npm the terminal's SIGINT arrives twice (npm forwards it): one stop, not two.
    process.kill(-stack.child.pid!, 'SIGINT');
    process.kill(-stack.child.pid!, 'SIGINT');
    const startedStopping = Date.now();
    const exit = await stack.exited;

    // Assess: it ended by itself, cleanly and quickly, and nothing of it is left.
    expect(exit, stack.output()).toEqual({ code: 0, signal: null });
    expect(Date.now() - startedStopping).toBeLessThan(5_000);
    expect(stack.output()).toContain('Stopped.');
    expect(() => process.kill(-stack.child.pid!, 0), 'a process of its group is still running').toThrow();
    expect(await listening(Number(port))).toBe(false);
    expect(existsSync(join(stack.dataDir, 'recwatch.pid'))).toBe(false);
    expect(existsSync(join(stack.dataDir, 'callback-secret'))).toBe(false);
  });

  it('says clearly that the port is in use, and exits 1 without a stack trace or a data directory touched', async () => {
    // Prepare: someone else holds the port.
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as AddressInfo).port;
    try {
      // Act
      const stack = await start({
        PORT: String(port),
        RECWATCH_DATA_DIR: join(tmpdir(), `recwatch-never-${process.pid}-${port}`),
      });
      const exit = await stack.exited;

      // Assess
      expect(exit).toEqual({ code: 1, signal: null });
      expect(stack.output()).toContain(`Port ${port} is already in use: set PORT to another port`);
      expect(stack.output()).not.toMatch(/^\s+at /m);
      expect(existsSync(join(tmpdir(), `recwatch-never-${process.pid}-${port}`))).toBe(false);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });
});
