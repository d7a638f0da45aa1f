// A stand-in for the Lambda runtime, run as a fresh `node` process on a built bundle (no TypeScript loader,
// nothing else in the process). Two modes:
//   once  <bundle> <event JSON>  a cold start: import the bundle, handle one event, print one BENCH line, exit;
//   serve <bundle>               a warm container: handle each event sent over IPC and answer with what it cost.
// performance.now() counts from the process's start, so the cold start includes Node's own.
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { GCProfiler, getHeapStatistics } from 'node:v8';

type Handler = (
  event: unknown,
  context: { awsRequestId: string; getRemainingTimeInMillis(): number },
) => Promise<unknown>;

export interface ColdStartTiming {
  /** Process start until the runtime's first line: Node itself. */
  bootMs: number;
  /** Importing the bundle: module evaluation and the functions' cold-start setup. */
  initMs: number;
  /** The first event. */
  invokeMs: number;
  /** Process start until the first event's answer. */
  totalMs: number;
  /** The answer's statusCode, for an HTTP function. */
  statusCode?: number;
  error?: string;
}

export interface InvokeRequest {
  id: number;
  event: unknown;
  remainingMs: number;
}

export interface InvokeReport {
  id: number;
  result?: unknown;
  error?: string;
  /** User + system CPU of this process during the invocation. */
  cpuMs: number;
  /** Of which the kernel's (sockets, mostly). */
  cpuSystemMs: number;
  wallMs: number;
  heapBeforeBytes: number;
  peakHeapBytes: number;
  /** Largest resident set of the process so far (what Lambda reports as "Max Memory Used"). */
  maxRssBytes: number;
}

const bootMs = performance.now();
const [mode, bundle, eventJson] = process.argv.slice(2);
let sequence = 0;
const functionName = (bundle ?? 'handler').replace(/^.*[\\/]/, '').replace(/\.[cm]?js$/, '');
/** What Lambda passes: the same fields, made up. */
const context = (remainingMs: number) => {
  const deadline = Date.now() + remainingMs;
  return {
    awsRequestId: `bench-${process.pid}-${++sequence}`,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'bench',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
};
// BENCH_PROFILE_DIR=<dir>: a CPU profile of each invocation (open it in Chrome's DevTools), to see where it goes.
async function startProfile() {
  const dir = process.env.BENCH_PROFILE_DIR;
  if (!dir) return undefined;
  const { Session } = await import('node:inspector/promises'); // only when asked: it is not part of a cold start
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop(name: string) {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(`${dir}/${name}.cpuprofile`, JSON.stringify(profile));
      session.disconnect();
    },
  };
}
const describe = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

const { handler } = (await import(pathToFileURL(bundle!).href)) as { handler: Handler };
const initMs = performance.now() - bootMs;

if (mode === 'once') {
  const started = performance.now();
  let error: string | undefined;
  let result: unknown;
  try {
    result = await handler(JSON.parse(eventJson ?? '{}'), context(30_000));
  } catch (caught) {
    error = describe(caught);
  }
  const done = performance.now();
  const statusCode = (result as { statusCode?: unknown } | undefined)?.statusCode;
  const timing: ColdStartTiming = {
    bootMs,
    initMs,
    invokeMs: done - started,
    totalMs: done,
    ...(typeof statusCode === 'number' ? { statusCode } : {}),
    ...(error ? { error } : {}),
  };
  process.stdout.write(`\nBENCH ${JSON.stringify(timing)}\n`, () => process.exit(0)); // open sockets must not keep it alive
} else {
  const heapUsed = () => getHeapStatistics().used_heap_size;
  process.on('message', (message: InvokeRequest | 'exit') => {
    if (message === 'exit') process.exit(0);
    void (async () => {
      (globalThis as { gc?: () => void }).gc?.();
      const heapBeforeBytes = heapUsed();
      // The heap peaks just before each collection: V8's GC profiler reports the size there, at no cost
      // between collections (a sampling timer would wake the process and be charged to the sweep).
      const gcs = new GCProfiler();
      gcs.start();
      const profiling = await startProfile();
      const cpu = process.cpuUsage();
      const started = performance.now();
      const report: Partial<InvokeReport> = { id: message.id };
      try {
        report.result = await handler(message.event, context(message.remainingMs));
      } catch (caught) {
        report.error = describe(caught);
      }
      const wallMs = performance.now() - started;
      const used = process.cpuUsage(cpu);
      await profiling?.stop(`invoke-${process.pid}-${message.id}`);
      const peakHeapBytes = Math.max(
        heapBeforeBytes,
        heapUsed(),
        ...(gcs.stop()?.statistics ?? []).map((gc) => gc.beforeGC.heapStatistics.usedHeapSize),
      );
      process.send!({
        ...report,
        cpuMs: (used.user + used.system) / 1000,
        cpuSystemMs: used.system / 1000,
        wallMs,
        heapBeforeBytes,
        peakHeapBytes,
        maxRssBytes: process.resourceUsage().maxRSS * 1024,
      });
    })();
  });
  process.send!({ ready: true, initMs });
}
