// The parent's side of lambda-runtime.ts: a warm container to send events to, and one-shot cold starts.
import { type ChildProcess, execFile, fork } from 'node:child_process';
import { promisify } from 'node:util';
import type { Builds } from './build';
import type { ColdStartTiming, InvokeReport, InvokeRequest } from './lambda-runtime';

export interface Container {
  initMs: number;
  invoke(event: unknown, remainingMs: number): Promise<InvokeReport>;
  /** What the process wrote (stdout + stderr) since the last reset: what CloudWatch Logs would ingest. */
  output: OutputMeter;
  close(): Promise<void>;
}

export interface OutputTally {
  stdoutBytes: number;
  stderrBytes: number;
  /** Lines of stdout that carry an EMF `_aws.CloudWatchMetrics` directive. */
  emfLines: number;
  /** Distinct CloudWatch metrics those lines define: namespace × metric name × one dimension set's values. */
  emfMetrics: string[];
}

export interface OutputMeter {
  reset(): void;
  tally(): OutputTally;
}

export interface ContainerOptions {
  /**
   * Read the process's stdout (else it goes to /dev/null, as before): counts its bytes and the EMF metrics in
   * it. Off by default, so that no scenario's bench process pays for reading logs it does not count.
   */
  captureOutput?: boolean;
}

/** Environment of a function process: the given variables and PATH, nothing else inherited but the profiling switch. */
const functionEnv = (env: Record<string, string>) => ({
  PATH: process.env.PATH ?? '',
  ...(process.env.BENCH_PROFILE_DIR ? { BENCH_PROFILE_DIR: process.env.BENCH_PROFILE_DIR } : {}),
  ...env,
});

export async function startContainer(
  runtime: string,
  bundle: string,
  env: Record<string, string>,
  options: ContainerOptions = {},
): Promise<Container> {
  // execArgv set explicitly: a forked child would otherwise inherit the bench's TypeScript loader.
  const child: ChildProcess = fork(runtime, ['serve', bundle], {
    env: functionEnv(env),
    execArgv: ['--expose-gc'],
    stdio: ['ignore', options.captureOutput ? 'pipe' : 'ignore', 'pipe', 'ipc'],
  });
  const output = outputMeter();
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    output.stderr(chunk);
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  child.stdout?.on('data', (chunk: Buffer) => output.stdout(chunk));
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
    output,
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

/** Counts bytes, and parses the complete stdout lines that carry EMF (`"_aws"`) for their metrics. */
function outputMeter(): OutputMeter & { stdout(chunk: Buffer): void; stderr(chunk: Buffer): void } {
  let tally = { stdoutBytes: 0, stderrBytes: 0, emfLines: 0, emfMetrics: new Set<string>() };
  let partial = '';
  return {
    stdout(chunk) {
      tally.stdoutBytes += chunk.length;
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.includes('"_aws"')) emfMetricsOf(line, tally);
    },
    stderr(chunk) {
      tally.stderrBytes += chunk.length;
    },
    reset() {
      tally = { stdoutBytes: 0, stderrBytes: 0, emfLines: 0, emfMetrics: new Set<string>() };
    },
    tally: () => ({ ...tally, emfMetrics: [...tally.emfMetrics].sort() }),
  };
}

interface EmfDirective {
  Namespace?: string;
  Dimensions?: string[][];
  Metrics?: { Name?: string }[];
}

/** CloudWatch bills (and keeps) one custom metric per namespace, name and set of dimension values. */
function emfMetricsOf(line: string, tally: { emfLines: number; emfMetrics: Set<string> }): void {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line.slice(line.indexOf('{'))) as Record<string, unknown>;
  } catch {
    return;
  }
  const directives = (record._aws as { CloudWatchMetrics?: EmfDirective[] } | undefined)?.CloudWatchMetrics;
  if (!Array.isArray(directives)) return;
  tally.emfLines++;
  for (const directive of directives) {
    const sets = directive.Dimensions && directive.Dimensions.length > 0 ? directive.Dimensions : [[]];
    for (const metric of directive.Metrics ?? [])
      for (const set of sets) {
        const dims = set.map((name) => `${name}=${String(record[name])}`).join(',');
        tally.emfMetrics.add(`${directive.Namespace ?? ''}/${metric.Name ?? ''}{${dims}}`);
      }
  }
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
export function startFunction(
  builds: Builds,
  name: string,
  env: Record<string, string>,
  options: ContainerOptions = {},
): Promise<Container> {
  const bundle = builds.functions.find((f) => f.name === name);
  if (bundle === undefined) throw new Error(`bench: no function named ${name} was built`);
  return startContainer(builds.runtime, bundle.path, env, options);
}
