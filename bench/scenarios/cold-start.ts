// Scenario 5: each function's bundle and its cold start (a fresh `node` process that imports the bundle
// and handles one event) against a bare handler bundled the same way from only the same AWS SDK clients.
// Runs alternate function and bare handler, so that drift in the machine's load hits both alike.
import { callbackFile, uploadFinishedDetail, zegoCallbackBody } from '../../infra/local/zego-callback';
import type { Builds } from '../build';
import { coldStart } from '../container';
import type { ColdStartTiming } from '../lambda-runtime';
import { APP_ID, type BenchStack, CALLBACK_SECRET, openTask } from '../stack';

export interface ColdStartResult {
  name: string;
  bytes: number;
  bareBytes: number;
  sdkPackages: string[];
  runs: number;
  /** Medians over the runs. */
  function: Median;
  bare: Median;
  /** Median total of the function ÷ median total of the bare handler. */
  ratio: number;
  /** What the function answered, when that was not a success. */
  failures: string[];
}

interface Median {
  initMs: number;
  invokeMs: number;
  totalMs: number;
}

const LOOKED_UP = 'cold-start-lookup';

/** The event each known function is invoked with; a function added later gets an empty event until it has one here. */
function eventFor(name: string, run: number): unknown {
  const id = `cold-${run}-${Date.now()}`;
  switch (name) {
    case 'sweep':
      return {
        version: '0',
        id,
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        account: '000000000000',
        time: new Date().toISOString(),
        region: 'us-east-1',
        resources: [],
        detail: {},
      };
    case 'track':
      return restEvent('POST', '/recordings', '/recordings', null, JSON.stringify({ taskId: id, roomId: 'room-cold' }));
    case 'lookup':
      return restEvent('GET', '/recordings/{taskId}', `/recordings/${LOOKED_UP}`, { taskId: LOOKED_UP }, null);
    case 'callback': {
      // ZEGO's upload-finished callback for a task nobody tracked: tracked, decided and announced.
      const body = zegoCallbackBody({
        appId: APP_ID,
        callbackSecret: CALLBACK_SECRET,
        taskId: id,
        roomId: 'room-cold',
        eventType: 1,
        detail: uploadFinishedDetail([callbackFile({ status: 3 })]),
      });
      return restEvent('POST', '/callbacks/zego', '/callbacks/zego', null, JSON.stringify(body), false);
    }
    case 'list':
      return {
        ...restEvent('GET', '/recordings', '/recordings', null, null),
        queryStringParameters: { roomId: 'room-cold' },
        multiValueQueryStringParameters: { roomId: ['room-cold'] },
      };
    case 'untrack':
      // A task nobody tracks: the conditional delete finds nothing (404), as cheap as the real one.
      return restEvent('DELETE', '/recordings/{taskId}', `/recordings/${id}`, { taskId: id }, null);
    default:
      return {};
  }
}

/** An API Gateway REST (v1 proxy) event, with what the functions read. */
function restEvent(
  httpMethod: string,
  resource: string,
  path: string,
  pathParameters: Record<string, string> | null,
  body: string | null,
  withKey = true,
) {
  const headers = {
    accept: '*/*',
    ...(withKey ? { 'x-api-key': 'bench-key' } : {}),
    ...(body ? { 'content-type': 'application/json' } : {}),
  };
  return {
    resource,
    path,
    httpMethod,
    headers,
    pathParameters,
    body,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    isBase64Encoded: false,
    requestContext: {
      requestId: `bench-${Date.now()}`,
      stage: 'bench',
      httpMethod,
      path: `/bench${path}`,
      resourcePath: resource,
      identity: { sourceIp: '203.0.113.7', apiKey: withKey ? 'bench-key' : null },
    },
  };
}

export async function runColdStarts(stack: BenchStack, builds: Builds, runs: number): Promise<ColdStartResult[]> {
  const table = await stack.newTable();
  await stack.seed(table, [openTask(LOOKED_UP, Date.now() + 3_600_000)]);
  const zego = await stack.startZego({ rateLimit: 10, latencyMs: 20 });
  const env = stack.env(table, zego);
  const results: ColdStartResult[] = [];
  for (const fn of builds.functions) {
    const bare = builds.bare[fn.name]!;
    const timings: { function: ColdStartTiming[]; bare: ColdStartTiming[] } = { function: [], bare: [] };
    for (let run = 0; run < runs; run++) {
      timings.function.push(await coldStart(builds.runtime, fn.path, env, eventFor(fn.name, run)));
      timings.bare.push(await coldStart(builds.runtime, bare.path, env, {}));
    }
    const failures = [...timings.function, ...timings.bare]
      .filter(
        (t) =>
          t.error !== undefined || ((t.statusCode ?? 200) >= 400 && !(fn.name === 'untrack' && t.statusCode === 404)),
      )
      .map((t) => t.error ?? `HTTP ${t.statusCode}`);
    const fnMedian = median(timings.function);
    const bareMedian = median(timings.bare);
    results.push({
      name: fn.name,
      bytes: fn.bytes,
      bareBytes: bare.bytes,
      sdkPackages: fn.sdkPackages,
      runs,
      function: fnMedian,
      bare: bareMedian,
      ratio: fnMedian.totalMs / bareMedian.totalMs,
      failures: [...new Set(failures)],
    });
  }
  return results;
}

function median(timings: ColdStartTiming[]): Median {
  const of = (pick: (t: ColdStartTiming) => number) => {
    const sorted = timings.map(pick).sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  };
  return { initMs: of((t) => t.initMs), invokeMs: of((t) => t.invokeMs), totalMs: of((t) => t.totalMs) };
}
