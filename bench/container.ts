// The parent's side of lambda-runtime.ts: a warm container to send events to, and one-shot cold starts.
import { type ChildProcess, execFile, fork } from 'node:child_process';
import { promisify } from 'node:util';
import type { Builds } from './build';
import type { ColdStartTiming, InvokeReport, InvokeRequest } from './lambda-runtime';

export interface Container {
  initMs: number;
  invoke(event: unknown, remainingMs: number): Promise<InvokeReport>;
  close(): Promise<void>;
}

/** Environment of a function process: the given variables and PATH, nothing else inherited but the profiling switch. */
const functionEnv = (env: Record<string, string>) => ({
  PATH: process.env.PATH ?? '',
  ...(process.env.BENCH_PROFILE_DIR ? { BENCH_PROFILE_DIR: process.env.BENCH_PROFILE_DIR } : {}),
  ...env,
});

export async function startContainer(runtime: string, bundle: string, env: Record<string, string>): Promise<Container> {
  // execArgv set explicitly: a forked child would otherwise inherit the bench's TypeScript loader.
  const child: ChildProcess = fork(runtime, ['serve', bundle], {
    env: functionEnv(env),
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4000)));
  const waiting = new Map<number, (report: InvokeReport) => void>();
  let failed: ((error: Error) => void)[] = [];
  const exited = (code: number | null) => {
    const error = new Error(`the function process exited (${code}): ${stderr.trim()}`);
    for (const fail of failed) fail(error);
  };
  child.on('exit', exited);
  const initMs = await new Promise<number>((resolve, reject) => {
    failed.push(reject);
    child.once('message', (message: { initMs: number }) => resolve(message.initMs));
  });
  child.on('message', (message: InvokeReport) => waiting.get(message.id)?.(message));
  let next = 0;
  return {
    initMs,
    invoke: (event, remainingMs) =>
      new Promise<InvokeReport>((resolve, reject) => {
        const id = ++next;
        failed = [reject];
        waiting.set(id, (report) => {
          waiting.delete(id);
          resolve(report);
        });
        child.send({ id, event, remainingMs } satisfies InvokeRequest);
      }),
    close: async () => {
      child.off('exit', exited);
      if (child.exitCode !== null) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.send('exit');
      const timer = setTimeout(() => child.kill(), 2_000);
      await gone;
      clearTimeout(timer);
    },
  };
}

/** A fresh `node` process that imports the bundle and handles one event. */
export async function coldStart(
  runtime: string,
  bundle: string,
  env: Record<string, string>,
  event: unknown,
): Promise<ColdStartTiming> {
  const { stdout } = await promisify(execFile)(process.execPath, [runtime, 'once', bundle, JSON.stringify(event)], {
    env: functionEnv(env),
    timeout: 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const line = stdout.split('\n').find((l) => l.startsWith('BENCH '));
  if (line === undefined) throw new Error(`no timing from the cold start of ${bundle}: ${stdout.slice(-500)}`);
  return JSON.parse(line.slice(6)) as ColdStartTiming;
}

/** A warm container of one of the built functions (by its name in serverless.yml), with this environment. */
export function startFunction(builds: Builds, name: string, env: Record<string, string>): Promise<Container> {
  const bundle = builds.functions.find((f) => f.name === name);
  if (bundle === undefined) throw new Error(`bench: no function named ${name} was built`);
  return startContainer(builds.runtime, bundle.path, env);
}
