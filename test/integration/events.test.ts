// Outcome events and their publishing, through the real SNSClient talking to the local SNS endpoint.
import { CreateTopicCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SnsEndpoint, startSnsEndpoint } from '../../infra/local/sns-endpoint';
import { buildSnsPublishInput, SNS_MAX_MESSAGE_BYTES } from '../../lib/events/sns-message';
import { createEventPublisher } from '../../lib/events/sns-publisher';
import { buildOutcomeEvent, type OutcomeEvent } from '../../lib/task/outcome-event';
import { PublishError } from '../../lib/task/publisher';
import type { RecordingFile, Task } from '../../lib/task/task';
import { BACKUP_STORAGE_WARNING, toRecordingView } from '../../lib/task/view';

const TOPIC = 'arn:aws:sns:us-east-1:000000000000:recwatch-events';
const APP_ID = 1234567890;
const T0 = Date.parse('2026-11-24T10:00:00.000Z');
const T1 = Date.parse('2026-11-24T10:05:00.000Z');

function file(n: number, overrides: Partial<RecordingFile> = {}): RecordingFile {
  return {
    url: `https://bucket.example.com/rec/X3CgNeE4I1qAAABN/${n}.mp4`,
    fileId: `rec/X3CgNeE4I1qAAABN/${n}.mp4`,
    streamId: `stream-${n}`,
    userId: `user-${n}`,
    format: 'mp4',
    sizeBytes: 432_643_544,
    durationMs: 33_874,
    width: 1920,
    height: 1080,
    mediaTrackType: 3,
    beginTimestamp: 1601221452099,
    status: 3,
    ...overrides,
  };
}

function task(overrides: Partial<Task> = {}): Task {
  return {
    taskId: 'X3CgNeE4I1qAAABN',
    roomId: 'room-1',
    state: 'COMPLETED',
    zegoStatus: 3,
    recordBeginTimestamp: 1601221452099,
    recordEndTimestamp: 1601221508795,
    files: [file(1), file(2)],
    trackedAt: T0,
    lastCheckedAt: T1,
    checks: 7,
    quietChecks: 0,
    faultStreak: 0,
    notFoundStreak: 0,
    closedAt: T1,
    outcomeReason: 'recording ended; every file uploaded',
    version: 8,
    ...overrides,
  };
}

const manyFiles = (count: number): RecordingFile[] =>
  Array.from({ length: count }, (_, n) => file(n, { url: `https://bucket.example.com/${'p'.repeat(300)}/${n}.mp4` }));

const parts = (event: OutcomeEvent) => {
  const input = buildSnsPublishInput(event, TOPIC);
  const message = JSON.parse(input.Message ?? '') as { default: string; email: string };
  return { input, message };
};

describe('buildOutcomeEvent', () => {
  it('builds the event exactly as the contract shows it', () => {
    // Prepare
    const closed = task();

    // Act
    const event = buildOutcomeEvent(closed, T1, APP_ID);

    // Assess
    expect(event).toStrictEqual({
      eventId: `X3CgNeE4I1qAAABN:${T0}:recording.completed`,
      eventType: 'recording.completed',
      schemaVersion: 1,
      appId: APP_ID,
      occurredAt: '2026-11-24T10:05:00.000Z',
      recording: toRecordingView(closed),
    });
    expect(event.recording).toMatchObject({
      eventId: event.eventId,
      closedAt: '2026-11-24T10:05:00.000Z',
      taskId: 'X3CgNeE4I1qAAABN',
      roomId: 'room-1',
      state: 'COMPLETED',
      checks: 7,
    });
    expect(event.recording.files?.[0]).not.toHaveProperty('beginTimestamp');
  });

  it.each([
    ['COMPLETED', 'recording.completed'],
    ['FAILED', 'recording.failed'],
    ['EXPIRED', 'recording.expired'],
  ] as const)(
    'names a %s task %s, with an eventId stable for the outcome and new for a new tracking',
    (state, eventType) => {
      // Prepare
      const closed = task({ state });
      const trackedAgain = task({ state, trackedAt: T0 + 1 });

      // Act
      const first = buildOutcomeEvent(closed, T1, APP_ID);
      const again = buildOutcomeEvent({ ...closed, version: closed.version + 2 }, T1 + 60_000, APP_ID);
      const afterRetrack = buildOutcomeEvent(trackedAgain, T1, APP_ID);

      // Assess
      expect(first.eventType).toBe(eventType);
      expect(first.eventId).toBe(`X3CgNeE4I1qAAABN:${T0}:${eventType}`);
      expect(again.eventId).toBe(first.eventId);
      expect(afterRetrack.eventId).not.toBe(first.eventId);
    },
  );

  it('refuses an OPEN task, which has no outcome', () => {
    // Act + Assess
    expect(() => buildOutcomeEvent(task({ state: 'OPEN' }), T1, APP_ID)).toThrow(/OPEN/);
  });
});

describe('buildSnsPublishInput', () => {
  it('publishes json-structured, the event whole under default', () => {
    // Prepare
    const event = buildOutcomeEvent(task(), T1, APP_ID);

    // Act
    const { input, message } = parts(event);

    // Assess
    expect(input.TopicArn).toBe(TOPIC);
    expect(input.MessageStructure).toBe('json');
    expect(message.default).toBe(JSON.stringify(event));
  });

  it.each([
    [task(), 'Recording X3CgNeE4I1qAAABN completed: 2 files'],
    [task({ files: [file(1)] }), 'Recording X3CgNeE4I1qAAABN completed: 1 file'],
    [task({ files: [] }), 'Recording X3CgNeE4I1qAAABN completed: 0 files'],
    [task({ state: 'FAILED', outcomeReason: 'upload failed' }), 'Recording X3CgNeE4I1qAAABN failed: upload failed'],
    [
      task({ state: 'EXPIRED', outcomeReason: 'not finished 3 days after the recording began' }),
      'Recording X3CgNeE4I1qAAABN expired',
    ],
  ])('titles the outcome (%#)', (closed, subject) => {
    // Act + Assess
    expect(buildSnsPublishInput(buildOutcomeEvent(closed, T1, APP_ID), TOPIC).Subject).toBe(subject);
  });

  it('keeps the Subject ASCII, on one line and under 100 characters', () => {
    // Prepare
    const closed = task({
      taskId: 'T'.repeat(64),
      state: 'FAILED',
      outcomeReason: `échec\nde l'envoi 上传失败 ${'x'.repeat(120)}`,
    });

    // Act
    const subject = buildSnsPublishInput(buildOutcomeEvent(closed, T1, APP_ID), TOPIC).Subject ?? '';

    // Assess
    expect(subject.length).toBeLessThan(100);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
    expect(subject).toContain(`Recording ${'T'.repeat(37)}... failed: echec de l'envoi ?`);
    expect(subject.endsWith('...')).toBe(true);
  });

  it('lists every file in the email text, with its URL or else its file id, and the backup warning', () => {
    // Prepare
    const files = [file(1), file(2, { status: 4 }), file(3, { url: undefined, fileId: 'only-an-id.mp4' })];
    const event = buildOutcomeEvent(task({ files }), T1, APP_ID);

    // Act
    const { email } = parts(event).message;

    // Assess
    expect(email).toContain('Recording X3CgNeE4I1qAAABN completed.');
    expect(email).toContain('room-1');
    expect(email).toContain('2020-09-27T15:44:12.099Z');
    expect(email).toContain('recording ended; every file uploaded');
    expect(email).toContain(`${files[0]?.url} (412.6 MiB, 33.9 s)`);
    expect(email).toContain(`${files[1]?.url} (412.6 MiB, 33.9 s, in ZEGO backup storage)`);
    expect(email).toContain('file id only-an-id.mp4, no URL');
    expect(email).toContain(BACKUP_STORAGE_WARNING);
  });

  it('sets eventType always, and roomId only when known and non-empty', () => {
    // Prepare
    const withRoom = buildOutcomeEvent(task(), T1, APP_ID);
    const noRoom = buildOutcomeEvent(task({ roomId: undefined }), T1, APP_ID);
    const emptyRoom = buildOutcomeEvent(task({ roomId: '' }), T1, APP_ID);

    // Act
    const [a, b, c] = [withRoom, noRoom, emptyRoom].map((e) => buildSnsPublishInput(e, TOPIC).MessageAttributes);

    // Assess
    expect(a).toStrictEqual({
      eventType: { DataType: 'String', StringValue: 'recording.completed' },
      roomId: { DataType: 'String', StringValue: 'room-1' },
    });
    expect(b).toStrictEqual({ eventType: { DataType: 'String', StringValue: 'recording.completed' } });
    expect(c).toStrictEqual(b);
  });

  it('shortens the email file list of an oversized message, never the default event', () => {
    // Prepare: an event of about 190 KB, so the email's copy of the URLs cannot fit beside it.
    const files = manyFiles(300);
    const event = buildOutcomeEvent(task({ files }), T1, APP_ID);

    // Act
    const { input, message } = parts(event);

    // Assess
    const attributeBytes = Object.entries(input.MessageAttributes ?? {}).reduce(
      (sum, [name, v]) =>
        sum + Buffer.byteLength(name) + Buffer.byteLength(v.DataType ?? '') + Buffer.byteLength(v.StringValue ?? ''),
      0,
    );
    expect(Buffer.byteLength(input.Message ?? '') + attributeBytes).toBeLessThanOrEqual(SNS_MAX_MESSAGE_BYTES);
    expect(message.default).toBe(JSON.stringify(event));
    const listed = files.filter((f) => message.email.includes(`${f.url} (`)).length;
    expect(listed).toBeGreaterThan(0);
    expect(listed).toBeLessThan(files.length);
    expect(message.email).toContain(`…and ${files.length - listed} more files, see the JSON event`);
  });
});

describe('event publisher over SNS', () => {
  let endpoint: SnsEndpoint;
  let sns: SNSClient;

  beforeAll(async () => {
    endpoint = await startSnsEndpoint({ topicArn: TOPIC });
    sns = new SNSClient({
      region: 'us-east-1',
      endpoint: endpoint.url,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  });
  afterAll(async () => {
    sns.destroy();
    await endpoint.close();
  });
  beforeEach(() => endpoint.clear());

  it('publishes the event and returns the MessageId SNS gave it', async () => {
    // Prepare
    const publisher = createEventPublisher({ sns, topicArn: TOPIC });
    const event = buildOutcomeEvent(
      task({ files: [file(1), file(2, { url: 'https://b.example.com/é ü&x=1+2.mp4' })] }),
      T1,
      APP_ID,
    );

    // Act
    const { messageId } = await publisher.publish(event);

    // Assess
    const [published] = endpoint.published();
    expect(endpoint.published()).toHaveLength(1);
    expect(messageId).toBe(published?.messageId);
    expect(published).toMatchObject({
      topicArn: TOPIC,
      subject: 'Recording X3CgNeE4I1qAAABN completed: 2 files',
      messageStructure: 'json',
      attributes: {
        eventType: { dataType: 'String', value: 'recording.completed' },
        roomId: { dataType: 'String', value: 'room-1' },
      },
    });
    expect(JSON.parse(String(published?.parsedMessage?.default))).toStrictEqual(event);
    expect(published?.parsedMessage?.email).toContain('https://b.example.com/é ü&x=1+2.mp4');
  });

  it('gets an oversized event through SNS with its default whole', async () => {
    // Prepare
    const event = buildOutcomeEvent(task({ files: manyFiles(300) }), T1, APP_ID);

    // Act
    await createEventPublisher({ sns, topicArn: TOPIC }).publish(event);

    // Assess
    expect(JSON.parse(String(endpoint.published()[0]?.parsedMessage?.default))).toStrictEqual(event);
  });

  it('turns an SNS failure into a PublishError naming the AWS code', async () => {
    // Prepare
    endpoint.failNext(1, {
      status: 403,
      code: 'AuthorizationError',
      message: 'User is not authorized to perform: SNS:Publish',
    });
    const publisher = createEventPublisher({ sns, topicArn: TOPIC });

    // Act
    const error = await publisher.publish(buildOutcomeEvent(task(), T1, APP_ID)).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(PublishError);
    expect((error as PublishError).message).toMatch(/^SNS Publish failed: AuthorizationError/);
    expect((error as PublishError).code).toBe('AuthorizationError');
    expect((error as PublishError).cause).toMatchObject({ name: 'AuthorizationErrorException' });
    expect(endpoint.published()).toHaveLength(0);
  });

  it('reports an unknown topic as NotFound', async () => {
    // Prepare
    const publisher = createEventPublisher({ sns, topicArn: 'arn:aws:sns:us-east-1:000000000000:nobody-made-this' });

    // Act
    const error = await publisher.publish(buildOutcomeEvent(task(), T1, APP_ID)).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(PublishError);
    expect((error as PublishError).message).toMatch(/^SNS Publish failed: NotFound/);
  });
});

describe('local SNS endpoint', () => {
  let endpoint: SnsEndpoint;
  let sns: SNSClient;

  beforeAll(async () => {
    endpoint = await startSnsEndpoint();
    sns = new SNSClient({
      region: 'us-east-1',
      endpoint: endpoint.url,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    sns.destroy();
    await endpoint.close();
  });

  it('creates topics and hands each publish to onPublish hooks', async () => {
    // Prepare
    const seen: string[] = [];
    const stop = endpoint.onPublish((m) => seen.push(m.message));

    // Act
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'made-here' }));
    await sns.send(new PublishCommand({ TopicArn, Message: 'plain text' }));
    stop();

    // Assess
    expect(TopicArn).toBe('arn:aws:sns:us-east-1:000000000000:made-here');
    expect(seen).toStrictEqual(['plain text']);
    expect(endpoint.published()[0]).toMatchObject({ topicArn: TopicArn, message: 'plain text', attributes: {} });
  });

  it.each([
    [{ Subject: 'line\nbreak' }, 'InvalidParameterException', /Subject/],
    [{ Subject: 'x'.repeat(101) }, 'InvalidParameterException', /Subject/],
    [{ Subject: 'café' }, 'InvalidParameterException', /Subject/],
    [{ MessageStructure: 'json', Message: '{"email":"no default"}' }, 'InvalidParameterException', /No default entry/],
    [{ MessageStructure: 'json', Message: 'not json' }, 'InvalidParameterException', /failed to parse/],
    [{ Message: 'x'.repeat(SNS_MAX_MESSAGE_BYTES + 1) }, 'InvalidParameterException', /too long/],
  ])('refuses what SNS refuses (%#)', async (overrides, name, message) => {
    // Prepare
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'strict' }));

    // Act
    const error = await sns
      .send(new PublishCommand({ TopicArn, Message: 'ok', ...overrides }))
      .catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ name, message: expect.stringMatching(message) });
  });
});
