// What SNS delivers to an SQS queue, through the real SNSClient and the local SNS endpoint: the notification
// envelope as SNS builds it, a queue's refusal of a body over its MaximumMessageSize, SNS's own limit on a
// Publish, and recwatch's big recordings reaching a queue with the default limit, a publish refused for its
// size being sent again at once with fewer files.
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LOCAL_AWS } from '../../infra/local/dynamo';
import { type SnsEndpoint, startSnsEndpoint } from '../../infra/local/sns-endpoint';
import { buildSnsPublishInput, SNS_MAX_MESSAGE_BYTES, SQS_DEFAULT_MAX_BYTES } from '../../lib/events/sns-message';
import { createEventPublisher } from '../../lib/events/sns-publisher';
import type { OutcomeEvent } from '../../lib/task/outcome-event';
import { PublishError } from '../../lib/task/publisher';
import { bigEvent } from '../support/big-recordings';
import { assertValidEvent } from '../support/json-schemas';

const TOPIC = 'arn:aws:sns:us-east-1:000000000000:recwatch-delivery';

let endpoint: SnsEndpoint;
let strict: SnsEndpoint;
let sns: SNSClient;
let strictSns: SNSClient;

const clientFor = (url: string): SNSClient =>
  new SNSClient({
    ...LOCAL_AWS,
    endpoint: url,
    maxAttempts: 1,
  });

beforeAll(async () => {
  endpoint = await startSnsEndpoint({ topicArn: TOPIC });
  // An SNS that escapes at worst (`/` and every non-ASCII character too): the size rule must hold for it as well.
  strict = await startSnsEndpoint({ topicArn: TOPIC, escaping: 'ascii' });
  sns = clientFor(endpoint.url);
  strictSns = clientFor(strict.url);
});
afterAll(async () => {
  sns.destroy();
  strictSns.destroy();
  await Promise.all([endpoint.close(), strict.close()]);
});
beforeEach(() => {
  endpoint.clear();
  strict.clear();
});
afterEach(() => {
  for (const target of [endpoint, strict])
    for (const { subscriptionArn } of target.subscriptions()) target.unsubscribe(subscriptionArn);
});

/** The event inside an SQS body SNS delivered (the envelope's Message). */
const eventInBody = (body: string): OutcomeEvent => JSON.parse((JSON.parse(body) as { Message: string }).Message);
const filesOf = (message: string | undefined): number =>
  (JSON.parse((JSON.parse(message ?? '{}') as { default: string }).default) as OutcomeEvent).recording.files?.length ??
  0;

describe('the local SNS endpoint delivering to an SQS queue', () => {
  it('wraps the message in the notification envelope, pretty-printed and signed as SNS does', async () => {
    // Prepare
    const queue = endpoint.subscribe({ kind: 'sqs' });
    const structured = JSON.stringify({ default: '{"said":"a/b \\"é\\""}', email: 'for people' });

    // Act
    const { MessageId } = await sns.send(
      new PublishCommand({
        TopicArn: TOPIC,
        Message: structured,
        MessageStructure: 'json',
        Subject: 'Recording X completed: 2 files',
        MessageAttributes: { eventType: { DataType: 'String', StringValue: 'recording.completed' } },
      }),
    );

    // Assess
    const [delivery] = queue.delivered();
    expect(queue.deliveries()).toHaveLength(1);
    expect(delivery?.body).toMatch(/^\{\n {2}"Type" : "Notification",\n {2}"MessageId" : "/);
    expect(delivery?.body).toContain(
      '  "MessageAttributes" : {\n    "eventType" : {"Type":"String","Value":"recording.completed"}\n  }\n}',
    );
    const envelope = JSON.parse(delivery?.body ?? '{}') as Record<string, unknown>;
    expect(Object.keys(envelope)).toStrictEqual([
      'Type',
      'MessageId',
      'TopicArn',
      'Subject',
      'Message',
      'Timestamp',
      'SignatureVersion',
      'Signature',
      'SigningCertURL',
      'UnsubscribeURL',
      'MessageAttributes',
    ]);
    expect(envelope).toMatchObject({
      MessageId,
      TopicArn: TOPIC,
      Subject: 'Recording X completed: 2 files',
      Message: '{"said":"a/b \\"é\\""}',
      Timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      SignatureVersion: '1',
      Signature: expect.stringMatching(/^[A-Za-z0-9+/]{342}==$/),
      SigningCertURL: expect.stringMatching(
        /^https:\/\/sns\.us-east-1\.amazonaws\.com\/SimpleNotificationService-[0-9a-f]{32}\.pem$/,
      ),
      UnsubscribeURL: `https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${queue.subscriptionArn}`,
      MessageAttributes: { eventType: { Type: 'String', Value: 'recording.completed' } },
    });
    expect(queue.subscriptionArn).toMatch(new RegExp(`^${TOPIC}:[0-9a-f-]{36}$`));
    expect(delivery?.bytes).toBe(Buffer.byteLength(delivery?.body ?? ''));
  });

  it("gives a queue a structured message's sqs part, leaves Subject out when there is none, and escapes at worst when told", async () => {
    // Prepare
    const queue = endpoint.subscribe({ kind: 'sqs' });
    const worst = strict.subscribe({ kind: 'sqs' });
    const message = JSON.stringify({ default: 'for everyone', sqs: 'for queues: a/b é' });

    // Act
    for (const client of [sns, strictSns])
      await client.send(new PublishCommand({ TopicArn: TOPIC, Message: message, MessageStructure: 'json' }));

    // Assess
    const body = queue.delivered()[0]?.body ?? '';
    expect(JSON.parse(body)).toMatchObject({ Message: 'for queues: a/b é' });
    expect(JSON.parse(body)).not.toHaveProperty('Subject');
    expect(JSON.parse(body)).not.toHaveProperty('MessageAttributes');
    expect(body).toContain('"Message" : "for queues: a/b é"');
    expect(worst.delivered()[0]?.body).toContain('"Message" : "for queues: a\\/b \\u00e9"');
  });

  it('delivers the message itself, with its attributes, to a queue with raw message delivery', async () => {
    // Prepare
    const raw = endpoint.subscribe({ kind: 'sqs', raw: true });

    // Act
    await sns.send(
      new PublishCommand({
        TopicArn: TOPIC,
        Message: 'plain',
        MessageAttributes: { roomId: { DataType: 'String', StringValue: 'room-1' } },
      }),
    );

    // Assess
    expect(raw.delivered()).toMatchObject([
      { body: 'plain', attributes: { roomId: { dataType: 'String', value: 'room-1' } }, bytes: 5 + 6 + 6 + 6 },
    ]);
  });

  it("refuses a body over the queue's MaximumMessageSize as SQS does, while SNS's publish stands", async () => {
    // Prepare
    const small = endpoint.subscribe({ kind: 'sqs', maxMessageSize: 1_024 });
    const roomy = endpoint.subscribe({ kind: 'sqs' });

    // Act
    const { MessageId } = await sns.send(new PublishCommand({ TopicArn: TOPIC, Message: 'x'.repeat(1_000) }));

    // Assess
    expect(MessageId).toBeDefined();
    expect(endpoint.published()).toHaveLength(1);
    expect(small.delivered()).toEqual([]);
    expect(small.refused()).toMatchObject([
      {
        messageId: MessageId,
        delivered: false,
        maxMessageSize: 1_024,
        reason: 'One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.',
      },
    ]);
    expect(small.refused()[0]?.bytes).toBeGreaterThan(1_024);
    expect(roomy.delivered()).toHaveLength(1);
    expect(endpoint.deliveries()).toHaveLength(2);
  });

  it("refuses a Publish over SNS's 256 KiB, attributes counted, and one over a lowered limit", async () => {
    // Prepare: the attribute counts 9 + 6 + 19 bytes.
    const attributes = { eventType: { DataType: 'String', StringValue: 'recording.completed' } };
    const room = SNS_MAX_MESSAGE_BYTES - 34;
    const publish = (bytes: number) =>
      sns
        .send(new PublishCommand({ TopicArn: TOPIC, Message: 'x'.repeat(bytes), MessageAttributes: attributes }))
        .then(() => 'accepted')
        .catch((e: unknown) => e);

    // Act
    const atLimit = await publish(room);
    const overLimit = await publish(room + 1);
    endpoint.setMaxMessageBytes(2_000);
    const overLowered = await publish(2_000 - 34 + 1);

    // Assess
    expect(atLimit).toBe('accepted');
    for (const refused of [overLimit, overLowered])
      expect(refused).toMatchObject({
        name: 'InvalidParameterException',
        message: 'Invalid parameter: Message too long',
      });
    expect(endpoint.attempts().map((a) => [a.accepted, a.bytes, a.error?.code])).toStrictEqual([
      [true, SNS_MAX_MESSAGE_BYTES, undefined],
      [false, SNS_MAX_MESSAGE_BYTES + 1, 'InvalidParameter'],
      [false, 2_001, 'InvalidParameter'],
    ]);
    expect(endpoint.published()).toHaveLength(1);
  });
});

describe('big recordings through the SNS publisher to an SQS queue with the default limit', () => {
  it.each([
    [800, 'utf8'],
    [8_000, 'utf8'],
    [800, 'ascii'],
    [8_000, 'ascii'],
  ] as const)(
    'delivers a recording of %i files (escaping %s) whole enough: within 256 KiB, valid, saying it was cut',
    async (count, escaping) => {
      // Prepare
      const target = escaping === 'utf8' ? endpoint : strict;
      const queue = target.subscribe({ kind: 'sqs' });
      const event = bigEvent(count);

      // Act
      await createEventPublisher({ sns: escaping === 'utf8' ? sns : strictSns, topicArn: TOPIC }).publish(event);

      // Assess
      expect(target.attempts()).toHaveLength(1);
      const [delivery] = queue.deliveries();
      expect(delivery).toMatchObject({ delivered: true, maxMessageSize: SQS_DEFAULT_MAX_BYTES });
      expect(delivery?.bytes).toBeLessThanOrEqual(SQS_DEFAULT_MAX_BYTES);
      const delivered = eventInBody(delivery?.body ?? '');
      assertValidEvent(delivered);
      expect(delivered.recording).toMatchObject({ fileCount: count, filesTruncated: true });
      const carried = delivered.recording.files ?? [];
      expect(carried.length).toBeGreaterThan(100);
      expect(carried).toStrictEqual(event.recording.files?.slice(0, carried.length));
      expect(delivered.eventId).toBe(event.eventId);
    },
  );
});

describe('a publish SNS refuses for its size', () => {
  it('is published again at once with fewer files, in the same publish() call', async () => {
    // Prepare
    endpoint.setMaxMessageBytes(100_000);
    const queue = endpoint.subscribe({ kind: 'sqs' });

    // Act
    const { messageId } = await createEventPublisher({ sns, topicArn: TOPIC }).publish(bigEvent(800));

    // Assess
    const attempts = endpoint.attempts();
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(attempts.slice(0, -1).every((a) => a.error?.message === 'Invalid parameter: Message too long')).toBe(true);
    expect(attempts.at(-1)).toMatchObject({ accepted: true, messageId });
    const files = attempts.map((a) => filesOf(a.message));
    for (let i = 1; i < files.length; i++) expect(files[i]).toBeLessThan(files[i - 1]!);
    expect(endpoint.published()).toHaveLength(1);
    const delivered = eventInBody(queue.delivered()[0]?.body ?? '');
    expect(delivered.recording).toMatchObject({ fileCount: 800, filesTruncated: true });
    expect(delivered.recording.files?.length).toBe(files.at(-1));
  });

  it('goes down to no files beyond fileCount when fewer still do not fit', async () => {
    // Prepare: room for the event and its email without any file, and not one byte more.
    const event = bigEvent(800);
    const none = buildSnsPublishInput(event, TOPIC, { maxFiles: 0 });
    const attributeBytes = Object.entries(none.MessageAttributes ?? {}).reduce(
      (sum, [name, a]) => sum + Buffer.byteLength(name) + Buffer.byteLength(`${a.DataType}${a.StringValue}`),
      0,
    );
    endpoint.setMaxMessageBytes(Buffer.byteLength(none.Message ?? '') + attributeBytes);

    // Act
    await createEventPublisher({ sns, topicArn: TOPIC }).publish(event);

    // Assess
    const [published] = endpoint.published();
    expect(filesOf(endpoint.attempts().at(-2)?.message)).toBe(1);
    expect(filesOf(published?.message)).toBe(0);
    const announced = JSON.parse(String(published?.parsedMessage?.default)) as OutcomeEvent;
    expect(announced.recording).toMatchObject({ files: [], fileCount: 800, filesTruncated: true });
    expect(published?.parsedMessage?.email).toContain('…and 800 more files: GET /recordings/');
  });

  it('fails for good only when even the event without files is too long', async () => {
    // Prepare
    endpoint.setMaxMessageBytes(1_024);

    // Act
    const error = await createEventPublisher({ sns, topicArn: TOPIC })
      .publish(bigEvent(800))
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(PublishError);
    expect(error).toMatchObject({ code: 'InvalidParameter', permanent: true });
    expect(filesOf(endpoint.attempts().at(-1)?.message)).toBe(0);
    expect(endpoint.published()).toEqual([]);
  });
});
