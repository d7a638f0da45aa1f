// Builds the sweep from its configuration: SDK clients, logger and metrics once per container (module
// scope of the function), injectable so tests and the local stack point them at local endpoints.
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type Clock, systemClock } from '../clock';
import { SWEEP_SCHEDULE_MS, type SweepConfig } from '../config';
import { createEventBridgePublisher } from '../events/eventbridge-publisher';
import { createEventPublisher } from '../events/sns-publisher';
import { createFunctionBase } from '../function-base';
import type { LambdaContextLike, Logger } from '../log';
import { createMetrics } from '../metrics';
import { createSecretSource } from '../secret';
import { createDocumentClient } from '../store/document-client';
import { createDynamoSweepLease } from '../store/dynamodb-sweep-lease';
import { createZegoClient } from '../zego/client';
import type { ZegoClient } from '../zego/types';
import { runSweep } from './engine';
import { type RunOptions, stopReserveMs } from './run-inputs';
import type { SweepSummary } from './summary';
import { publishSweepMetrics } from './sweep-metrics';
import { logZegoFailures } from './zego-failure-log';

export interface SweepAppOverrides {
  dynamo?: DynamoDBDocumentClient;
  sns?: SNSClient;
  eventBridge?: EventBridgeClient;
  ssm?: SSMClient;
  logger?: Logger;
  clock?: Clock;
}

/** One run; `startedByHint` when a callback's receiver started it (it then waits for the lease to come free). */
export type Sweep = (
  run: Omit<RunOptions, 'startedByHint'> & { context?: LambdaContextLike; startedByHint?: boolean },
) => Promise<SweepSummary>;

/** A run stopped by a configuration fault: the invocation fails with it, so that it alarms. */
export class SweepConfigurationError extends Error {
  override name = 'SweepConfigurationError';
  constructor(summary: SweepSummary) {
    super(`sweep stopped: ZEGO rejected our configuration (${summary.lastConfigFault ?? 'no detail'})`);
  }
}

/** How long a run a callback started stays with nothing to do, for the hints that arrive meanwhile. */
const HINT_LINGER_MS = 5_000;

/**
 * Open tasks are counted on the first run of every 5-minute bucket (runs come every minute): a COUNT of
 * the due index reads every open task, which is worth doing for a metric now and then, not every run.
 */
const OPEN_COUNT_EVERY_MS = 5 * 60_000;

export function createSweep(config: SweepConfig, overrides: SweepAppOverrides = {}): Sweep {
  const dynamo = overrides.dynamo ?? createDocumentClient();
  const { store, logger } = createFunctionBase(config, 'sweep', { ...overrides, dynamo });
  const metrics = createMetrics(config.observability);
  const clock = overrides.clock ?? systemClock;
  const { serverSecret } = config.zego;
  // No refresh interval: the engine itself refreshes at most once a run, and only after a bad signature.
  const secret = createSecretSource(serverSecret, {
    ssm: serverSecret.kind === 'ssm' ? (overrides.ssm ?? new SSMClient({})) : undefined,
    now: () => clock.now(),
    minRefreshIntervalMs: 0,
  });
  const publishers = [
    createEventPublisher({ sns: overrides.sns ?? new SNSClient({}), topicArn: config.eventsTopicArn }),
  ];
  if (config.eventBusName !== undefined) {
    const eventBridge = overrides.eventBridge ?? new EventBridgeClient({});
    publishers.push(createEventBridgePublisher({ eventBridge, eventBusName: config.eventBusName }));
  }
  const deps = {
    store,
    lease: createDynamoSweepLease({ client: dynamo, table: config.tasksTable }),
    publishers,
    clock,
    random: Math.random,
    logger,
  };
  const settings = {
    appId: config.zego.appId,
    rateLimit: config.zego.rateLimit,
    concurrency: config.concurrency,
    policy: { checkIntervalMs: config.checkIntervalMs, checkIntervalMaxMs: config.checkIntervalMaxMs },
    zegoTimeoutMs: config.zego.timeoutMs,
    triage: config.triage,
    listRateLimit: config.listRateLimit,
    discover: config.discover,
    keepChecking: config.keepChecking,
  };
  // Made once the secret is known, then kept while the secret stays the same (its connections too). The
  // secret is read again after 15 minutes, and after a bad signature once a run (refreshCredentials).
  let zego: ZegoClient | undefined;
  let signingSecret: string | undefined;
  const clientFor = (serverSecret: string): ZegoClient => {
    if (zego === undefined || serverSecret !== signingSecret) {
      const client = createZegoClient({
        appId: config.zego.appId,
        serverSecret,
        baseUrl: config.zego.apiUrl,
        timeoutMs: config.zego.timeoutMs,
      });
      zego = logZegoFailures(client, logger);
      signingSecret = serverSecret;
    }
    return zego;
  };
  const refreshCredentials = async (): Promise<ZegoClient | undefined> => {
    const fresh = await secret.refresh();
    return fresh === undefined || fresh === signingSecret ? undefined : clientFor(fresh);
  };

  // A run a callback started waits for a stopping run to finish its requests in flight (its stop reserve).
  const startedByHint = { waitForLeaseMs: stopReserveMs(config.zego.timeoutMs) + 1_000, lingerMs: HINT_LINGER_MS };

  return async ({ context, startedByHint: byHint = false, ...run }) => {
    if (context !== undefined) logger.addContext(context);
    const client = clientFor(await secret.get());
    const countOpenTasks = clock.now() % OPEN_COUNT_EVERY_MS < SWEEP_SCHEDULE_MS;
    const summary = await runSweep(
      { ...deps, zego: client, refreshCredentials },
      { ...settings, countOpenTasks },
      { ...run, ...(byHint ? { startedByHint } : {}) },
    );
    publishSweepMetrics(metrics, summary);
    return summary;
  };
}
