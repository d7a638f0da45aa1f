// The size walls, through the real handlers against dynalite, the ZEGO simulator and SNS at the wire: a
// recording with hundreds or thousands of files is stored, readable and announced; an answer too large to
// read ends the task, saying why; a task whose processing always throws is set aside, not retried every pass.
import { randomBytes } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type ZegoRecordFile, zegoFile } from '../../infra/local/zego-simulator';
import { SNS_MAX_MESSAGE_BYTES } from '../../lib/events/sns-message';
import { FILES_GZIP_ATTR, ITEM_MAX_BYTES } from '../../lib/store/task-item';
import type { SweepSummary } from '../../lib/sweep/summary';
import type { OutcomeEvent } from '../../lib/task/outcome-event';
import { newTask } from '../../lib/task/task';
import type { RecordingView } from '../../lib/task/view';
import { lambdaContext as apiContext, lookup } from '../support/api-gateway';
import { type LocalStack, lambdaContext, sleep, startLocalStack } from '../support/local-stack';

let stack: LocalStack;
let sweep: (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<SweepSummary>;
let lookupHandler: (
  event: ReturnType<typeof lookup>,
  context: ReturnType<typeof apiContext>,
) => Promise<{ statusCode: number; body: string }>;

beforeAll(async () => {
  stack = await startLocalStack({ rateLimit: 50 });
  Object.assign(process.env, stack.sweepEnv({ ZEGO_TIMEOUT_MS: '5000' }));
  vi.resetModules();
  ({ handler: sweep } = await import('../../functions/sweep'));
  ({ handler: lookupHandler } = (await import('../../functions/lookup')) as never);
});
afterAll(async () => {
  await stack.close();
});
beforeEach(() => {
  stack.sns.clear();
  stack.zego.resetStats();
});

/** A recording's files as ZEGO lists them: several per stream, one more per recorder failover. */
function files(taskId: string, count: number): ZegoRecordFile[] {
  return Array.from({ length: count }, (_, n) => {
    const stream = `stream_${n % 40}`;
    const FileId = `${taskId}_room_${stream}_VA_2026112410${String(n).padStart(5, '0')}.mp4`;
    return zegoFile({
      status: 3,
      FileId,
      StreamId: stream,
      UserId: `user_${n % 40}`,
      UserName: `user_${n % 40}`,
      FileUrl: `https://records.example-storage.com/app/1234567890/2026/11/24/${FileId}`,
    });
  });
}
const ended = (taskId: string, count: number) => ({
  Status: 3,
  RoomId: 'big-room',
  RecordBeginTimestamp: Date.now() - 3_600_000,
  RecordEndTimestamp: Date.now() - 1_000,
  RecordFiles: files(taskId, count),
});
const events = () =>
  stack.sns.published().map((p) => ({
    bytes: Buffer.byteLength(p.message),
    event: JSON.parse(p.parsedMessage!.default as string) as OutcomeEvent,
    email: String(p.parsedMessage!.email),
  }));
const view = async (taskId: string) => {
  const answer = await lookupHandler(lookup(taskId), apiContext());
  return { status: answer.statusCode, view: JSON.parse(answer.body) as RecordingView };
};

describe('big recordings', () => {
  it('announces a recording of 800 files in a message of at most 256 KiB, and GET has them all', async () => {
    // Prepare
    stack.zego.setTask('big-800', ended('big-800', 800));
    await stack.track('big-800');

    // Act
    const summary = await sweep({}, lambdaContext());

    // Assess: the SNS endpoint refuses a message over 256 KiB, as SNS does; this one went through.
    expect(summary).toMatchObject({ published: 1, publishFailures: 0 });
    const [published] = events();
    expect(published!.bytes).toBeLessThanOrEqual(SNS_MAX_MESSAGE_BYTES);
    const { recording } = published!.event;
    expect(recording).toMatchObject({ fileCount: 800, filesTruncated: true, state: 'COMPLETED' });
    expect(recording.files!.length).toBeGreaterThan(100);
    expect(recording.files!.length).toBeLessThan(800);
    expect(published!.email).toContain('GET /recordings/big-800');
    const { status, view: stored } = await view('big-800');
    expect(status).toBe(200);
    expect(stored.files).toHaveLength(800);
    expect(stored.filesTruncated).toBeUndefined();
  });

  it('stores 8,000 files compressed (an answer over 4 MiB) and keeps every one', async () => {
    // Prepare
    stack.zego.setTask('big-8k', ended('big-8k', 8_000));
    await stack.track('big-8k');

    // Act
    const summary = await sweep({}, lambdaContext());

    // Assess
    expect(summary).toMatchObject({ published: 1, filesTruncated: 0 });
    const { Item } = await stack.dynamo.doc.send(
      new (await import('@aws-sdk/lib-dynamodb')).GetCommand({ TableName: stack.table, Key: { taskId: 'big-8k' } }),
    );
    expect(Item?.[FILES_GZIP_ATTR]).toBeInstanceOf(Uint8Array);
    expect((Item![FILES_GZIP_ATTR] as Uint8Array).byteLength).toBeLessThan(ITEM_MAX_BYTES);
    const { view: stored } = await view('big-8k');
    expect(stored.files).toHaveLength(8_000);
    expect(stored.files![7_999]!.fileId).toContain('_VA_202611241007999.mp4');
    expect(events()[0]!.event.recording).toMatchObject({ fileCount: 8_000, filesTruncated: true });
  });

  it('keeps as many files as an item holds when even compressed they do not fit, and says so in the view, the event and a metric', async () => {
    // Prepare: 20,000 files whose URLs carry a signature each (random: about 500 KB even compressed).
    const many = files('big-20k', 20_000).map((file) => ({
      ...file,
      FileUrl: `${file.FileUrl}?sig=${randomBytes(24).toString('base64url')}`,
    }));
    stack.zego.setTask('big-20k', { ...ended('big-20k', 0), RecordFiles: many });
    await stack.track('big-20k');

    // Act
    const summary = await sweep({}, lambdaContext(30_000));

    // Assess
    expect(summary, JSON.stringify(summary)).toMatchObject({ published: 1, filesTruncated: 1 });
    const { view: stored } = await view('big-20k');
    expect(stored).toMatchObject({ state: 'COMPLETED', fileCount: 20_000, filesTruncated: true });
    expect(stored.files!.length).toBeGreaterThan(1_000);
    expect(stored.files!.length).toBeLessThan(20_000);
    expect(stored.warnings?.join(' ')).toMatch(/could keep only \d+ of this recording's 20000 files/);
    expect(events()[0]!.event.recording).toMatchObject({ fileCount: 20_000, filesTruncated: true });
  }, 60_000);

  it('ends a task whose answer is larger than the client reads (16 MiB) as failed, saying why, after two checks', async () => {
    // Prepare: about 22 MB of RecordFiles.
    stack.zego.setTask('too-big', ended('too-big', 40_000));
    await stack.track('too-big');

    // Act
    const first = await sweep({}, lambdaContext(30_000));
    await sleep(1_100);
    const second = await sweep({}, lambdaContext(30_000));

    // Assess
    expect(first, JSON.stringify(first)).toMatchObject({ published: 0, faults: { task: 1 } });
    expect(second).toMatchObject({ published: 1 });
    expect(events()[0]!.event).toMatchObject({
      eventType: 'recording.failed',
      recording: { outcomeReason: expect.stringContaining('larger than recwatch reads (response larger than 16 MiB)') },
    });
  }, 60_000);
});

describe('a poison task', () => {
  it('is set aside with backoff and reported once per step, while the others complete', async () => {
    // Prepare: an item an older version or a hand edit left with a 400 KB room id (the rule is 128
    // characters): any write of it with files is over DynamoDB's 400 KB, so processing it throws every time.
    const { dueAt: _due, ...poison } = newTask('poison-1', Date.now(), { roomId: 'r'.repeat(400_000) });
    await stack.dynamo.doc.send(
      new PutCommand({ TableName: stack.table, Item: { ...poison, dueShard: 'due#0', dueAt: Date.now() - 1_000 } }),
    );
    stack.zego.setTask('poison-1', ended('poison-1', 60));
    for (const id of ['fine-1', 'fine-2']) {
      stack.zego.setTask(id, ended(id, 2));
      await stack.track(id);
    }

    // Act: three runs in a row.
    const runs = [await sweep({}, lambdaContext()), await sweep({}, lambdaContext()), await sweep({}, lambdaContext())];

    // Assess
    expect(runs[0], JSON.stringify(runs[0])).toMatchObject({ published: 2, errors: 1 });
    expect(runs[1]!.errors + runs[2]!.errors).toBe(0); // set aside: not retried in the next runs
    expect(stack.zego.stats().byTask['poison-1']).toBe(1);
    const { view: stored } = await view('poison-1');
    expect(stored).toMatchObject({
      state: 'OPEN',
      lastError: {
        kind: 'processing',
        message: expect.stringContaining('could not process this task (1 time in a row)'),
      },
    });
    expect(Date.parse(stored.nextCheckAt!)).toBeGreaterThan(Date.now());
  });
});
