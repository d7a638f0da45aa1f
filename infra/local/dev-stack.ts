// `npm start`: the whole system in one process. The real functions (functions/*.ts) run unchanged against
// local stand-ins for what AWS gives them: dynalite for DynamoDB (on disk), wire-level SNS and EventBridge
// endpoints (each with an SQS-style queue at the default size limit subscribed), an HTTP server in place of
// API Gateway, a timer in place of EventBridge Scheduler's rule; and the ZEGO simulator playing demo recordings (and sending their callbacks), unless ZEGO credentials are given.
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { ConfigError, loadSweepConfig } from '../../lib/config';
import type { ApiServer } from './api-server';
import { startApiServer } from './api-server';
import { bannerLines, type DemoStatus } from './banner';
import { claimDataDir } from './data-dir';
import { DEMO_RECORDINGS, type DemoPlayback, HINT_ME, playDemoRecordings, TRY_ME } from './demo-recordings';
import { type DevConfig, SIMULATED_APP_ID, StartError } from './dev-config';
import { LOCAL_AWS, startLocalDynamo } from './dynamo';
import { createEventPrinter } from './event-printer';
import { startEventBridgeEndpoint } from './eventbridge-endpoint';
import { localFunctionEnv } from './function-env';
import { divertFunctionLogs } from './function-logs';
import { startLambdaEndpoint } from './lambda-endpoint';
import { startSnsEndpoint } from './sns-endpoint';
import { startSweepLoop } from './sweep-loop';
import { clock, type Terminal } from './terminal';
import { startZegoSimulator } from './zego-simulator';

export const LOCAL_TABLE = 'recwatch-local-tasks';
export const LOCAL_TOPIC_ARN = `arn:aws:sns:${LOCAL_AWS.region}:000000000000:recwatch-local-events`;
/** The local sweep puts every event on this bus as well (EVENT_BUS_NAME), as a stack with `eventBusName` does. */
export const LOCAL_EVENT_BUS = 'recwatch-local-bus';
/** The sweep's name on the local Lambda endpoint, where the callback starts a run when none is taking work. */
export const LOCAL_SWEEP_FUNCTION = 'recwatch-local-sweep';
/** Where ZEGO's callbacks are received, under the API's URL (as serverless.yml routes them). */
export const CALLBACK_PATH = '/callbacks/zego';
/** How long Ctrl-C waits for a sweep in progress (locally a run takes milliseconds) before closing anyway. */
const SWEEP_STOP_WAIT_MS = 5_000;

export interface DevStack {
  apiUrl: string;
  dataDir: string;
  /** Stops everything it started: the sweep first, then the API, the stand-ins, and the store last. */
  close(): Promise<void>;
}

type Closer = () => unknown;

export async function startDevStack(
  config: DevConfig,
  terminal: Terminal,
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<DevStack> {
  const closers: Closer[] = [];
  const closeAll = async (): Promise<void> => {
    for (const closer of closers.splice(0).reverse()) {
      try {
        await closer();
      } catch (error) {
        terminal.warn(`while stopping: ${(error as Error).message}`);
      }
    }
  };
  try {
    // The port first: a second `npm start` should hear about the port, before touching the data directory.
    const api = await startApiServer({
      host: config.host,
      port: config.port,
      onRequest: ({ method, path, statusCode, ms }) =>
        terminal.say(
          `${terminal.paint.dim(clock())} ${method} ${path} → ${statusCode < 400 ? statusCode : terminal.paint.yellow(String(statusCode))} ${terminal.paint.dim(`${ms} ms`)}`,
        ),
    });
    const closeApi = once(() => api.close());
    closers.push(closeApi);
    const data = claimDataDir(config.dataDir);
    closers.push(() => data.release());
    const logs = divertFunctionLogs(data.logFile, (problem) =>
      terminal.warn(`${terminal.paint.dim(clock())} ${terminal.paint.yellow(problem)}`),
    );
    closers.push(() => logs.close());

    const dynamo = await startLocalDynamo({ path: data.store });
    closers.push(() => dynamo.close());
    const tableState = await dynamo.ensureTasksTable(LOCAL_TABLE);
    // Each target with an SQS queue at the default MaximumMessageSize behind it, as a subscriber would have:
    // the console shows what the queue took, and any event it would refuse.
    const printer = createEventPrinter(terminal, data.eventsFile);
    const sns = await startSnsEndpoint({
      topicArn: LOCAL_TOPIC_ARN,
      region: LOCAL_AWS.region,
      subscribers: [{ kind: 'sqs' }],
    });
    closers.push(() => sns.close());
    sns.onPublish(printer.sns);
    sns.onDelivery(printer.delivery);
    const eventBridge = await startEventBridgeEndpoint({
      region: LOCAL_AWS.region,
      buses: [LOCAL_EVENT_BUS],
      targets: [{ kind: 'sqs' }],
    });
    closers.push(() => eventBridge.close());
    eventBridge.onPutEvent(printer.eventBridge);
    eventBridge.onDelivery(printer.delivery);
    // Until the sweep loop runs, a start a callback asks for is a run the loop makes anyway.
    const lambda = await startLambdaEndpoint();
    closers.push(() => lambda.close());
    lambda.define(LOCAL_SWEEP_FUNCTION, async () => undefined);

    // The CallbackSecret ZEGO would sign its callbacks with: the user's (ZEGO_CALLBACK_SECRET), or a fresh one
    // per run, kept in the data directory (owner-only) for `npm run callback` while the stack runs.
    const callbackUrl = `${api.url}${CALLBACK_PATH}`;
    let callbackSecret = config.callbackSecret;
    rmSync(data.callbackSecretFile, { force: true }); // a stale one, from a stack that was killed
    if (callbackSecret === undefined) {
      callbackSecret = randomBytes(16).toString('hex');
      writeFileSync(data.callbackSecretFile, `${callbackSecret}\n`, { mode: 0o600 });
      closers.push(() => rmSync(data.callbackSecretFile, { force: true }));
    }
    let demoPlayback: DemoPlayback | undefined;

    let zego: { appId: string; serverSecret: string; apiUrl: string; simulatorUrl?: string };
    if (config.zego.kind === 'real') {
      zego = config.zego;
    } else {
      // A fresh secret per run: the simulator and the sweep share it, and nobody else needs it.
      const serverSecret = randomBytes(16).toString('hex');
      const simulator = await startZegoSimulator({ appId: Number(SIMULATED_APP_ID), serverSecret });
      closers.push(() => simulator.close());
      // The demos' callbacks go to the local API as ZEGO would send them; one that came before the functions
      // were loaded would get a 503, and ZEGO's retry, 5 s later, would get past it.
      const playback = playDemoRecordings(simulator, Date.now(), {
        url: callbackUrl,
        appId: Number(SIMULATED_APP_ID),
        callbackSecret,
        onDropped: (problem) => terminal.warn(`${terminal.paint.dim(clock())} ${terminal.paint.yellow(problem)}`),
      });
      demoPlayback = playback;
      closers.push(() => playback.stop());
      zego = { appId: SIMULATED_APP_ID, serverSecret, apiUrl: simulator.url, simulatorUrl: simulator.url };
    }

    // The functions read their configuration at import (cold start): set it first. Wiring is forced;
    // the functions' other variables (LOG_LEVEL, ZEGO_RATE_LIMIT…) stay the user's to set.
    delete env.AWS_SESSION_TOKEN;
    delete env.AWS_PROFILE;
    Object.assign(
      env,
      { POWERTOOLS_SERVICE_NAME: env.POWERTOOLS_SERVICE_NAME ?? 'recwatch-local' },
      config.functionDefaults,
      localFunctionEnv({
        dynamoEndpoint: dynamo.endpoint,
        table: LOCAL_TABLE,
        sns: { url: sns.url, topicArn: LOCAL_TOPIC_ARN },
        eventBridge: { url: eventBridge.url, busName: LOCAL_EVENT_BUS },
        zego,
        callbackSecret,
        pageTokenKey: randomBytes(16).toString('hex'),
        lambda: { url: lambda.url, sweepFunctionName: LOCAL_SWEEP_FUNCTION },
      }),
    );
    const sweepConfig = checkedSweepConfig(env);
    const [sweep, track, lookup, callback, list, untrack] = await importFunctions();
    api.use({
      track: track.handler,
      lookup: lookup.handler,
      callback: callback.handler,
      list: list.handler,
      untrack: untrack.handler,
    });

    const demos = zego.simulatorUrl === undefined ? [] : await trackDemos(api);
    const lines = bannerLines(
      {
        config,
        apiUrl: api.url,
        dynamoUrl: dynamo.endpoint,
        snsUrl: sns.url,
        eventBridgeUrl: eventBridge.url,
        eventBus: LOCAL_EVENT_BUS,
        callbackUrl,
        callbackSecretFile: config.callbackSecret === undefined ? data.callbackSecretFile : undefined,
        ...(zego.simulatorUrl === undefined ? {} : { simulatorUrl: zego.simulatorUrl }),
        table: LOCAL_TABLE,
        tableState,
        store: data.store,
        eventsFile: data.eventsFile,
        logFile: data.logFile,
        rateLimit: sweepConfig.zego.rateLimit,
        triage: { on: sweepConfig.triage, listRateLimit: sweepConfig.listRateLimit, discover: sweepConfig.discover },
        checkIntervals: {
          shortestS: sweepConfig.checkIntervalMs / 1000,
          longestS: sweepConfig.checkIntervalMaxMs / 1000,
        },
        demos,
        ...(zego.simulatorUrl === undefined
          ? { tryTaskId: 'YOUR_TASK_ID' }
          : { tryTaskId: TRY_ME.taskId, tryRoomId: TRY_ME.roomId, hintTaskId: HINT_ME.taskId }),
      },
      terminal.paint,
      cwd,
    );
    for (const line of lines) terminal.say(line);

    const loop = startSweepLoop({
      handler: sweep.handler,
      intervalMs: config.sweepIntervalMs,
      rateLimit: sweepConfig.zego.rateLimit,
      terminal,
    });
    lambda.define(LOCAL_SWEEP_FUNCTION, async (event) => loop.nudge(event));
    closers.push(closeApi); // stopped right after the sweep and the demos' callbacks, before the stand-ins behind it go
    closers.push(() => demoPlayback?.stop());
    closers.push(() => loop.stop(SWEEP_STOP_WAIT_MS));
    return { apiUrl: api.url, dataDir: data.path, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** The functions' own check of their configuration, here so a bad variable stops the start with its name. */
function checkedSweepConfig(env: NodeJS.ProcessEnv): ReturnType<typeof loadSweepConfig> {
  try {
    return loadSweepConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) throw new StartError(error.message);
    throw error;
  }
}

async function importFunctions() {
  try {
    return await Promise.all([
      import('../../functions/sweep'),
      import('../../functions/track'),
      import('../../functions/lookup'),
      import('../../functions/callback'),
      import('../../functions/list'),
      import('../../functions/untrack'),
    ]);
  } catch (error) {
    if (error instanceof ConfigError) throw new StartError(error.message);
    throw error;
  }
}

/** Tracks the demos meant to start tracked, through the real track handler; a known one is left as it is. */
async function trackDemos(api: ApiServer): Promise<DemoStatus[]> {
  const statuses: DemoStatus[] = [];
  for (const demo of DEMO_RECORDINGS) {
    const answer = demo.autoTrack
      ? await api.invoke({
          method: 'POST',
          url: '/recordings',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ taskId: demo.taskId, roomId: demo.roomId }),
        })
      : await api.invoke({ method: 'GET', url: `/recordings/${demo.taskId}` });
    const state = (JSON.parse(answer.body) as { state?: unknown }).state;
    const tracking =
      answer.statusCode === 201
        ? 'tracked now'
        : answer.statusCode === 200
          ? `already tracked (${String(state)})`
          : answer.statusCode === 404
            ? 'not tracked'
            : `not tracked (HTTP ${answer.statusCode})`;
    statuses.push({ taskId: demo.taskId, story: demo.story, tracking });
  }
  return statuses;
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}
