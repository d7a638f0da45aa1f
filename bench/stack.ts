// What the functions talk to during the benchmark, all in the bench's own process (so that none of its CPU
// is charged to the function, which runs in a process of its own): dynalite with a meter on its wire, the
// SNS endpoint, and one ZEGO simulator per scenario (each with its own limit and latency, and a rate
// window no other scenario has touched). Each scenario gets a fresh table.
import { randomUUID } from 'node:crypto';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { type LocalDynamo, startLocalDynamo } from '../infra/local/dynamo';
import { localFunctionEnv } from '../infra/local/function-env';
import { type SnsEndpoint, startSnsEndpoint } from '../infra/local/sns-endpoint';
import { startZegoSimulator, type ZegoRecordData, type ZegoSimulator, zegoFile } from '../infra/local/zego-simulator';
import { toItem } from '../lib/store/task-item';
import type { OutcomeEvent } from '../lib/task/outcome-event';
import { newTask, type Task } from '../lib/task/task';
import type { Builds } from './build';
import { type Container, type ContainerOptions, startFunction } from './container';
import { type DynamoMeter, meterDynamo } from './dynamo-meter';

export const APP_ID = 1234567890;
const SECRET = '9193cc662a4c0ec135ec71fb57194b38';
/** What ZEGO signs its callbacks with (functions/callback.ts verifies them with it). */
export const CALLBACK_SECRET = 'bench-callback-secret-0123456789';
const TOPIC_ARN = 'arn:aws:sns:us-east-1:000000000000:recwatch-bench-events';
const ITEM_OPTIONS = { shards: 1, retentionMs: 30 * 86_400_000 };

export interface BenchStack {
  dynamo: LocalDynamo;
  meter: DynamoMeter;
  sns: SnsEndpoint;
  newTable(): Promise<string>;
  startZego(options: { rateLimit: number; latencyMs: number; listRateLimit?: number }): Promise<ZegoSimulator>;
  /** The variables a function reads, pointed at this stack (the callback's too); `zego` only for the sweep. */
  env(table: string, zego?: ZegoSimulator, overrides?: Record<string, string>): Record<string, string>;
  /** A warm container of a built function, its environment pointed at this stack (see `env`). */
  start(
    builds: Builds,
    name: string,
    target: { table: string; zego?: ZegoSimulator; env?: Record<string, string> },
    options?: ContainerOptions,
  ): Promise<Container>;
  /** Writes tasks straight into the table (BatchWriteItem, in parallel), as the store would shape them. */
  seed(table: string, tasks: Iterable<Task>): Promise<void>;
  close(): Promise<void>;
}

export async function startBenchStack(): Promise<BenchStack> {
  const dynamo = await startLocalDynamo();
  const meter = meterDynamo(dynamo.server);
  const sns = await startSnsEndpoint({ topicArn: TOPIC_ARN });
  const simulators: ZegoSimulator[] = [];
  const env: BenchStack['env'] = (table, zego, overrides = {}) => ({
    ...localFunctionEnv({
      dynamoEndpoint: dynamo.endpoint,
      table,
      sns: { url: sns.url, topicArn: TOPIC_ARN },
      ...(zego ? { zego: { appId: APP_ID, serverSecret: SECRET, apiUrl: zego.url } } : {}),
      callbackSecret: CALLBACK_SECRET,
    }),
    ZEGO_APP_ID: String(APP_ID),
    // Scenarios 1–4 measure the status path as such: every due task checked, one sweep per invocation.
    // The capacity scenario sets both itself, triage on beside triage off.
    SWEEP_TRIAGE: 'off',
    SWEEP_KEEP_CHECKING: 'off',
    ...overrides,
  });
  return {
    dynamo,
    meter,
    sns,
    async newTable() {
      const table = `recwatch-bench-${randomUUID().slice(0, 8)}`;
      await dynamo.createTasksTable(table);
      return table;
    },
    async startZego({ rateLimit, latencyMs, listRateLimit }) {
      const zego = await startZegoSimulator({
        appId: APP_ID,
        serverSecret: SECRET,
        rateLimit,
        latencyMs,
        ...(listRateLimit === undefined ? {} : { describeTasksRateLimit: listRateLimit }),
      });
      simulators.push(zego);
      return zego;
    },
    env,
    start: (builds, name, { table, zego, env: overrides = {} }, options = {}) =>
      startFunction(builds, name, env(table, zego, overrides), options),
    async seed(table, tasks) {
      const items = [...tasks].map((task) => ({ PutRequest: { Item: toItem(task, ITEM_OPTIONS) } }));
      let next = 0;
      const writer = async () => {
        while (next < items.length) {
          const batch = items.slice(next, next + 25); // DynamoDB: at most 25 per BatchWriteItem
          next += batch.length;
          let unprocessed: Record<string, unknown[]> | undefined = { [table]: batch };
          while (unprocessed && Object.keys(unprocessed).length > 0) {
            const answer = await dynamo.doc.send(new BatchWriteCommand({ RequestItems: unprocessed as never }));
            unprocessed = answer.UnprocessedItems as Record<string, unknown[]> | undefined;
          }
        }
      };
      await Promise.all(Array.from({ length: 8 }, writer));
    },
    async close() {
      await Promise.all([...simulators.map((z) => z.close()), sns.close()]);
      await dynamo.close();
    },
  };
}

/** A task as the HTTP API tracks it: OPEN and due at `dueAt`. */
export function openTask(taskId: string, dueAt: number): Task {
  return newTask(taskId, dueAt, { roomId: `room-${taskId}` });
}

/** A task closed and announced long ago: history, outside the due index. */
export function closedTask(taskId: string, now: number): Task {
  const closedAt = now - 86_400_000;
  return {
    ...openTask(taskId, 0),
    state: 'COMPLETED',
    zegoStatus: 3,
    recordBeginTimestamp: closedAt - 3_600_000,
    recordEndTimestamp: closedAt - 60_000,
    files: [0, 1].map((n) => ({
      url: `https://storage.example.com/record/${taskId}_${n}.mp4`,
      fileId: `${taskId}_${n}.mp4`,
      streamId: `s${n}`,
      userId: `u${n}`,
      format: 'mp4',
      sizeBytes: 43_264_354,
      durationMs: 3_540_000,
      width: 1280,
      height: 720,
      mediaTrackType: 3,
      status: 3,
    })),
    checks: 12,
    lastCheckedAt: closedAt,
    closedAt,
    publishedAt: closedAt,
    outcomeReason: 'recording ended; every file uploaded',
    version: 14,
    dueAt: undefined,
  };
}

/** What ZEGO answers for a recording in progress (two streams, files still recording). */
export function recording(taskId: string, beganAt: number): ZegoRecordData {
  return { Status: 2, RoomId: `room-${taskId}`, RecordBeginTimestamp: beganAt, RecordFiles: files(taskId, 1) };
}

/** What ZEGO answers once the recording ended and both files are in storage. */
export function finished(taskId: string, beganAt: number, endedAt: number): ZegoRecordData {
  return {
    Status: 3,
    RoomId: `room-${taskId}`,
    RecordBeginTimestamp: beganAt,
    RecordEndTimestamp: endedAt,
    RecordFiles: files(taskId, 3),
  };
}

function files(taskId: string, status: number) {
  return [0, 1].map((n) => zegoFile({ status, FileId: `${taskId}_${n}.mp4`, StreamId: `s${n}`, UserId: `u${n}` }));
}

/** When each task's first event reached the SNS endpoint (epoch ms), from now until `unhook()`. */
export function firstPublishTimes(sns: SnsEndpoint): { publishedAt: Map<string, number>; unhook: () => void } {
  const publishedAt = new Map<string, number>();
  const unhook = sns.onPublish((message) => {
    const event = JSON.parse(String(message.parsedMessage?.default ?? message.message)) as OutcomeEvent;
    if (!publishedAt.has(event.recording.taskId)) publishedAt.set(event.recording.taskId, Date.now());
  });
  return { publishedAt, unhook };
}
