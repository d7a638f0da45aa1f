// EventBridge as the events' second target, through the real EventBridgeClient and the local EventBridge
// endpoint: PutEvents checked as EventBridge checks it, its envelope as an SQS target receives it, and
// recwatch's publisher: the entry it puts, big recordings reaching a queue with the default limit, an entry
// refused for its size put again at once with fewer files, and its failures as PublishErrors.
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LOCAL_AWS } from '../../infra/local/dynamo';
import { type EventBridgeEndpoint, startEventBridgeEndpoint } from '../../infra/local/eventbridge-endpoint';
import { SQS_DEFAULT_MAX_MESSAGE_SIZE } from '../../infra/local/sqs-queue';
import { createEventBridgePublisher } from '../../lib/events/eventbridge-publisher';
import type { OutcomeEvent } from '../../lib/task/outcome-event';
import { PublishError } from '../../lib/task/publisher';
import { bigEvent } from '../support/big-recordings';
import { assertValidEvent } from '../support/json-schemas';

const BUS = 'recwatch-events';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let endpoint: EventBridgeEndpoint;
let eventBridge: EventBridgeClient;

beforeAll(async () => {
  endpoint = await startEventBridgeEndpoint({ buses: [BUS] });
  eventBridge = new EventBridgeClient({
    ...LOCAL_AWS,
    endpoint: endpoint.url,
    maxAttempts: 1,
  });
});
afterAll(async () => {
  eventBridge.destroy();
  await endpoint.close();
});
beforeEach(() => endpoint.clear());
afterEach(() => {
  for (const { via } of endpoint.targets()) endpoint.removeTarget(via);
});

const entry = (overrides: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry => ({
  EventBusName: BUS,
  Source: 'recwatch',
  DetailType: 'Recording Completed',
  Detail: '{"eventId":"e-1"}',
  ...overrides,
});
const put = (...entries: PutEventsRequestEntry[]) => eventBridge.send(new PutEventsCommand({ Entries: entries }));
const publisher = () => createEventBridgePublisher({ eventBridge, eventBusName: BUS });
const filesOf = (detail: string | undefined): number =>
  (JSON.parse(detail ?? '{}') as OutcomeEvent).recording?.files?.length ?? 0;

describe('the local EventBridge endpoint', () => {
  it('takes good entries and fails bad ones alone, answering an EventId or an ErrorCode for each', async () => {
    // Act
    const answer = await put(
      entry(),
      entry({ Source: undefined }),
      entry({ EventBusName: `arn:aws:events:us-east-1:000000000000:event-bus/${BUS}` }),
    );

    // Assess
    expect(answer.FailedEntryCount).toBe(1);
    expect(answer.Entries?.[0]?.EventId).toMatch(UUID);
    expect(answer.Entries?.[1]).toStrictEqual({
      ErrorCode: 'InvalidArgument',
      ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.',
    });
    expect(answer.Entries?.[2]?.EventId).toMatch(UUID);
    expect(endpoint.events().map((e) => [e.eventId, e.eventBusName])).toStrictEqual([
      [answer.Entries?.[0]?.EventId, BUS],
      [answer.Entries?.[2]?.EventId, BUS],
    ]);
    expect(endpoint.attempts().map((a) => a.accepted)).toStrictEqual([true, false, true]);
  });

  it.each([
    [{ DetailType: undefined }, 'InvalidArgument', /DetailType is a required argument/],
    [{ Detail: undefined }, 'InvalidArgument', /Detail is a required argument/],
    [{ Detail: 'not json' }, 'MalformedDetail', /^Detail is malformed\.$/],
    [{ Detail: '[1, 2]' }, 'MalformedDetail', /^Detail is malformed\.$/],
    [{ Detail: '"a string"' }, 'MalformedDetail', /^Detail is malformed\.$/],
    [{ Source: 'aws.s3' }, 'NotAuthorizedForSourceException', /source/],
    [{ EventBusName: 'nobody-made-this' }, 'ResourceNotFoundException', /nobody-made-this does not exist/],
  ])('fails an entry EventBridge would fail (%#)', async (overrides, code, message) => {
    // Act
    const answer = await put(entry(overrides));

    // Assess
    expect(answer.FailedEntryCount).toBe(1);
    expect(answer.Entries?.[0]).toMatchObject({ ErrorCode: code, ErrorMessage: expect.stringMatching(message) });
    expect(endpoint.events()).toEqual([]);
  });

  it('refuses a request of more than 10 entries, or over 256 KiB as AWS counts entries, whole', async () => {
    // Prepare: Time 14 bytes, Source 8, DetailType 19, Resources 5: the Detail has the rest.
    const detail = (bytes: number) => `{"x":"${'y'.repeat(bytes - 8)}"}`;
    const atLimit = entry({ Time: new Date(), Resources: ['res-1'], Detail: detail(262_144 - 14 - 8 - 19 - 5) });
    const overLimit = { ...atLimit, Detail: detail(262_144 - 14 - 8 - 19 - 5 + 1) };

    // Act
    const eleven = await put(...Array.from({ length: 11 }, () => entry())).catch((e: unknown) => e);
    const over = await put(overLimit).catch((e: unknown) => e);
    const at = await put(atLimit);

    // Assess
    expect(eleven).toMatchObject({ name: 'ValidationException', message: expect.stringMatching(/entries/) });
    expect(over).toMatchObject({
      name: 'ValidationException',
      message: 'Total size of the entries in the request is over the limit.',
    });
    expect(at.FailedEntryCount).toBe(0);
    expect(
      endpoint
        .attempts()
        .slice(-2)
        .map((a) => a.bytes),
    ).toStrictEqual([262_145, 262_144]);
    expect(endpoint.events()).toHaveLength(1);
  });

  it('fails requests and entries as told, and says so in its attempts', async () => {
    // Prepare
    endpoint.failNext(1, { status: 400, code: 'AccessDeniedException', message: 'not allowed' });
    endpoint.failNextEntries(1, { code: 'InternalFailure', message: 'try again' });

    // Act
    const refused = await put(entry()).catch((e: unknown) => e);
    const failed = await put(entry(), entry());

    // Assess
    expect(refused).toMatchObject({ name: 'AccessDeniedException', message: 'not allowed' });
    expect(failed.FailedEntryCount).toBe(1);
    expect(failed.Entries?.[0]).toStrictEqual({ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' });
    expect(endpoint.attempts().map((a) => a.error?.level ?? 'taken')).toStrictEqual(['request', 'entry', 'taken']);
  });

  it("delivers each event to an SQS target in EventBridge's envelope, and a small queue refuses a big one", async () => {
    // Prepare
    const queue = endpoint.addTarget({ kind: 'sqs' });
    const small = endpoint.addTarget({ kind: 'sqs', maxMessageSize: 1_024 });
    const time = new Date('2026-11-24T10:05:00.750Z');

    // Act
    const answer = await put(
      entry({ Time: time, Detail: JSON.stringify({ eventId: 'e-1', url: `https://x/${'é'.repeat(600)}` }) }),
    );

    // Assess
    const [delivery] = queue.delivered();
    expect(JSON.parse(delivery?.body ?? '{}')).toStrictEqual({
      version: '0',
      id: answer.Entries?.[0]?.EventId,
      'detail-type': 'Recording Completed',
      source: 'recwatch',
      account: '000000000000',
      time: '2026-11-24T10:05:00Z',
      region: 'us-east-1',
      resources: [],
      detail: { eventId: 'e-1', url: `https://x/${'é'.repeat(600)}` },
    });
    expect(queue.bus).toBe(BUS);
    expect(small.refused()).toMatchObject([
      { delivered: false, reason: expect.stringMatching(/Message must be shorter than 1024 bytes/) },
    ]);
    expect(answer.FailedEntryCount).toBe(0);
  });
});

describe('the EventBridge publisher', () => {
  it('puts the event on the bus: Source recwatch, its DetailType, the event as Detail, its time', async () => {
    // Prepare
    const event = bigEvent(2);

    // Act
    const { messageId } = await publisher().publish(event);

    // Assess
    const [taken] = endpoint.events();
    expect(taken).toMatchObject({
      eventId: messageId,
      eventBusName: BUS,
      source: 'recwatch',
      detailType: 'Recording Completed',
      time: `${event.occurredAt.slice(0, 19)}Z`,
    });
    expect(JSON.parse(taken?.detail ?? '')).toStrictEqual(event);
  });

  it.each([800, 8_000])(
    'gets a recording of %i files to an SQS target with the default limit: valid, saying it was cut',
    async (count) => {
      // Prepare
      const queue = endpoint.addTarget({ kind: 'sqs' });
      const event = bigEvent(count);

      // Act
      await publisher().publish(event);

      // Assess
      expect(endpoint.attempts()).toHaveLength(1);
      const [delivery] = queue.deliveries();
      expect(delivery).toMatchObject({ delivered: true, maxMessageSize: SQS_DEFAULT_MAX_MESSAGE_SIZE });
      expect(delivery?.bytes).toBeLessThanOrEqual(SQS_DEFAULT_MAX_MESSAGE_SIZE);
      const delivered = (JSON.parse(delivery?.body ?? '{}') as { detail: OutcomeEvent }).detail;
      assertValidEvent(delivered);
      expect(delivered.recording).toMatchObject({ fileCount: count, filesTruncated: true });
      const carried = delivered.recording.files ?? [];
      expect(carried.length).toBeGreaterThan(100);
      expect(carried).toStrictEqual(event.recording.files?.slice(0, carried.length));
    },
  );

  it('puts an entry refused for its size again at once with fewer files, in the same publish() call', async () => {
    // Prepare
    endpoint.setMaxEntryBytes(100_000);

    // Act
    const { messageId } = await publisher().publish(bigEvent(800));

    // Assess
    const attempts = endpoint.attempts();
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    for (const refused of attempts.slice(0, -1))
      expect(refused.error).toMatchObject({ level: 'request', code: 'ValidationException', message: /over the limit/ });
    expect(attempts.at(-1)).toMatchObject({ accepted: true, eventId: messageId });
    const files = attempts.map((a) => filesOf(a.detail));
    for (let i = 1; i < files.length; i++) expect(files[i]).toBeLessThan(files[i - 1]!);
    expect(JSON.parse(endpoint.events()[0]?.detail ?? '').recording).toMatchObject({
      fileCount: 800,
      filesTruncated: true,
    });
  });

  it('fails for good only when even the event without files is too large', async () => {
    // Prepare
    endpoint.setMaxEntryBytes(500);

    // Act
    const error = await publisher()
      .publish(bigEvent(800))
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(PublishError);
    expect(error).toMatchObject({ code: 'ValidationException', permanent: true });
    expect(filesOf(endpoint.attempts().at(-1)?.detail)).toBe(0);
  });

  it.each([
    [
      'an entry failing for a while',
      (): void => endpoint.failNextEntries(1, { code: 'ThrottlingException' }),
      'ThrottlingException',
      false,
    ],
    [
      'a request failing',
      (): void => endpoint.failNext(1, { status: 400, code: 'AccessDeniedException' }),
      'AccessDeniedException',
      false,
    ],
    ['a bus that does not exist', (): void => undefined, 'ResourceNotFoundException', false],
  ] as const)('turns %s into a PublishError naming the code', async (what, inject, code, permanent) => {
    // Prepare
    inject();
    const target = what === 'a bus that does not exist' ? 'nobody-made-this' : BUS;

    // Act
    const error = await createEventBridgePublisher({ eventBridge, eventBusName: target })
      .publish(bigEvent(1))
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(PublishError);
    expect(error).toMatchObject({
      code,
      permanent,
      message: expect.stringMatching(`^EventBridge PutEvents failed: ${code}`),
    });
    expect(endpoint.events()).toEqual([]);
  });
});
