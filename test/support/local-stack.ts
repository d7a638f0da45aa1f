// Everything a sweep talks to, for real, on loopback: dynalite with the deployed table schema, the ZEGO
// simulator, and wire-level SNS and EventBridge endpoints. `sweepEnv()` gives the environment the real
// function reads; EventBridge is off in it (as deployed by default) unless `EVENT_BUS_NAME: EVENT_BUS` is passed.
import { randomUUID } from 'node:crypto';
import { type EventBridgeEndpoint, startEventBridgeEndpoint } from '../../infra/local/eventbridge-endpoint';
import { localFunctionEnv } from '../../infra/local/function-env';
import { type LambdaEndpoint, startLambdaEndpoint } from '../../infra/local/lambda-endpoint';
import { type SnsEndpoint, startSnsEndpoint } from '../../infra/local/sns-endpoint';
import { type SimulatorOptions, startZegoSimulator, type ZegoSimulator } from '../../infra/local/zego-simulator';
import { createDynamoTaskStore } from '../../lib/store/dynamodb-task-store';
import type { TaskStore } from '../../lib/store/task-store';
import { newTask, type Task } from '../../lib/task/task';
import { type LocalDynamo, startLocalDynamo } from './dynamo';
import { eventProblems } from './json-schemas';

export const APP_ID = 1234567890;
export const SECRET = '9193cc662a4c0ec135ec71fb57194b38';
/** ZEGO's published callback example uses 'secret'; any value does. */
export const CALLBACK_SECRET = 'local-callback-secret-0123456789';
export const TOPIC_ARN = 'arn:aws:sns:us-east-1:000000000000:recwatch-test-events';
/** The bus on the local EventBridge endpoint; the sweep puts events there when EVENT_BUS_NAME names it. */
export const EVENT_BUS = 'recwatch-test-bus';
/** The sweep function the callback receiver starts, on the local Lambda endpoint (a no-op until a test defines it). */
export const SWEEP_FUNCTION = 'recwatch-test-sweep';

export interface LocalStack {
  dynamo: LocalDynamo;
  zego: ZegoSimulator;
  sns: SnsEndpoint;
  eventBridge: EventBridgeEndpoint;
  lambda: LambdaEndpoint;
  table: string;
  store: TaskStore;
  /** Variables for the sweep and callback functions (and the AWS SDK) pointing at this stack. */
  sweepEnv(overrides?: Record<string, string>): Record<string, string>;
  /** Tracks a task the way the HTTP API will: OPEN and due at once. */
  track(taskId: string, extra?: Partial<Task>): Promise<Task>;
  close(): Promise<void>;
}

export async function startLocalStack(options: Partial<SimulatorOptions> = {}): Promise<LocalStack> {
  const dynamo = await startLocalDynamo();
  const table = `recwatch-${randomUUID().slice(0, 8)}`;
  await dynamo.createTasksTable(table);
  const zego = await startZegoSimulator({ appId: APP_ID, serverSecret: SECRET, ...options });
  const sns = await startSnsEndpoint({ topicArn: TOPIC_ARN });
  const eventBridge = await startEventBridgeEndpoint({ buses: [EVENT_BUS] });
  // Every event published in a test, on either target, validates against docs/event.schema.json: close()
  // fails the suite otherwise.
  const invalid: string[] = [];
  const check = (where: string, json: unknown): void => {
    const problems = typeof json === 'string' ? eventProblems(JSON.parse(json)) : ['no event JSON'];
    if (problems.length > 0) invalid.push(`${where}: ${problems.join('; ')}`);
  };
  sns.onPublish((message) => check(`SNS ${message.messageId}`, message.parsedMessage?.default));
  eventBridge.onPutEvent((event) => check(`EventBridge ${event.eventId}`, event.detail));
  const lambda = await startLambdaEndpoint();
  lambda.define(SWEEP_FUNCTION, async () => undefined);
  const store = createDynamoTaskStore({ client: dynamo.doc, table, shards: 1, retentionDays: 30 });
  return {
    dynamo,
    zego,
    sns,
    eventBridge,
    lambda,
    table,
    store,
    sweepEnv: (overrides = {}) => ({
      ...localFunctionEnv({
        dynamoEndpoint: dynamo.endpoint,
        table,
        sns: { url: sns.url, topicArn: TOPIC_ARN },
        eventBridge: { url: eventBridge.url },
        zego: { appId: APP_ID, serverSecret: SECRET, apiUrl: zego.url },
        callbackSecret: CALLBACK_SECRET,
        lambda: { url: lambda.url, sweepFunctionName: SWEEP_FUNCTION },
      }),
      ZEGO_TIMEOUT_MS: '400',
      CHECK_INTERVAL_SECONDS: '1',
      CHECK_INTERVAL_MAX_SECONDS: '2',
      // The suites written before triage count status requests and runs one by one: they run the sweep
      // as it was (one sweep over the due tasks, every one checked). The triage suites turn both on.
      SWEEP_TRIAGE: 'off',
      SWEEP_KEEP_CHECKING: 'off',
      ...overrides,
    }),
    async track(taskId, extra = {}) {
      return (await store.create(newTask(taskId, Date.now(), extra))).task;
    },
    async close() {
      await lambda.settled();
      await Promise.all([zego.close(), sns.close(), eventBridge.close(), lambda.close(), dynamo.close()]);
      if (invalid.length > 0)
        throw new Error(`events that do not validate against docs/event.schema.json:\n${invalid.join('\n')}`);
    },
  };
}

/** A Lambda context whose clock runs out `ms` from now. */
export function lambdaContext(ms = 20_000) {
  const deadline = Date.now() + ms;
  return { awsRequestId: randomUUID(), getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
