// The size rules of the events' targets, as pure functions: the EventBridge entry (256 KiB as AWS counts an
// entry, and EventBridge's envelope within a default SQS queue's 256 KiB), and the bound recwatch puts on what
// SNS delivers to a queue (its envelope, the message escaped in it), for contents that escape badly: quotes,
// backslashes, slashes, non-ASCII text and emoji, whichever way the service escapes them.
import { describe, expect, it } from 'vitest';
import { entrySize } from '../../infra/local/eventbridge-endpoint';
import { type EnvelopeEscaping, jsonString, notificationEnvelope } from '../../infra/local/sns-delivery';
import {
  buildEventBridgeEntry,
  DETAIL_TYPE,
  EVENT_SOURCE,
  EVENTBRIDGE_ENVELOPE_BYTES,
} from '../../lib/events/eventbridge-entry';
import { escapedBytes } from '../../lib/events/fit';
import { buildSnsPublishInput, SNS_MAX_MESSAGE_BYTES, SQS_DEFAULT_MAX_BYTES } from '../../lib/events/sns-message';
import { buildOutcomeEvent, type OutcomeEvent } from '../../lib/task/outcome-event';
import type { RecordingFile } from '../../lib/task/task';
import { bigEvent, bigTask } from '../support/big-recordings';
import { assertValidEvent } from '../support/json-schemas';

const BUS = 'recwatch-events';
// A topic name at SNS's longest (256 characters), in a long region name: the most the envelope repeats.
const TOPIC = `arn:aws:sns:ap-southeast-2:123456789012:${'t'.repeat(256)}`;
const ESCAPINGS: EnvelopeEscaping[] = ['utf8', 'ascii'];

/** Files whose every string escapes badly. */
const awkwardFiles = (count: number): RecordingFile[] =>
  Array.from({ length: count }, (_, n) => ({
    url: `https://b.example.com/"q"\\b\\/é/会议室/😀/${'/"é'.repeat(60)}/${n}.mp4?a="1"&b=\\2`,
    fileId: `会议/"${n}"\\😀.mp4`,
    userId: `用户 "${n}"`,
    streamId: `s/${n}`,
    status: 3,
  }));
const awkwardEvent = (count: number): OutcomeEvent => {
  // A failed one: its Subject carries the reason, here all quotes and backslashes (escaped twice as long).
  const task = bigTask(count, {
    files: awkwardFiles(count),
    taskId: 'T'.repeat(64),
    roomId: '房间 "1" \\ /',
    state: 'FAILED',
    outcomeReason: '"\\'.repeat(50),
  });
  return buildOutcomeEvent(task, task.closedAt!, 1234567890);
};

/** A whole JSON text as the strictest encoder writes it: `/` and every non-ASCII UTF-16 unit escaped. */
const asciiJson = (value: unknown): string =>
  JSON.stringify(value).replace(/[/\u007f-\uffff]/g, (c) =>
    c === '/' ? '\\/' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
/** EventBridge's envelope around an entry's Detail, as an SQS target gets it. */
const eventBridgeEnvelope = (detail: string) => ({
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'Recording Completed',
  source: EVENT_SOURCE,
  account: '123456789012',
  time: '2026-11-24T10:05:00Z',
  region: 'ap-southeast-2',
  resources: [],
  detail: JSON.parse(detail) as unknown,
});
const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

describe('buildEventBridgeEntry', () => {
  it.each(['COMPLETED', 'FAILED', 'EXPIRED'] as const)(
    'puts a %s event whole: Source, DetailType, Detail, Time',
    (state) => {
      // Prepare
      const task = bigTask(2, { state });
      const event = buildOutcomeEvent(task, task.closedAt!, 1234567890);

      // Act
      const entry = buildEventBridgeEntry(event, BUS);

      // Assess
      expect(entry).toStrictEqual({
        EventBusName: BUS,
        Source: 'recwatch',
        DetailType: DETAIL_TYPE[event.eventType],
        Detail: JSON.stringify(event),
        Time: new Date(event.occurredAt),
      });
      expect(DETAIL_TYPE[event.eventType]).toBe(`Recording ${state[0]}${state.slice(1).toLowerCase()}`);
    },
  );

  it.each([
    ['realistic', 800],
    ['realistic', 8_000],
    ['awkward', 1_000],
    ['awkward', 3_000],
  ] as const)(
    'cuts a %s recording of %i files to fit the entry limit and a default queue, escaped at worst',
    (kind, count) => {
      // Prepare
      const event = kind === 'realistic' ? bigEvent(count) : awkwardEvent(count);

      // Act
      const entry = buildEventBridgeEntry(event, BUS);

      // Assess
      expect(entrySize(entry as Record<string, unknown>)).toBeLessThanOrEqual(262_144);
      const envelope = eventBridgeEnvelope(entry.Detail ?? '');
      for (const body of [JSON.stringify(envelope), asciiJson(envelope)])
        expect(bytes(body)).toBeLessThanOrEqual(SQS_DEFAULT_MAX_BYTES);
      // What the envelope adds to the Detail is within what the rule keeps for it.
      expect(bytes(asciiJson(envelope)) - bytes(asciiJson(envelope.detail))).toBeLessThanOrEqual(
        EVENTBRIDGE_ENVELOPE_BYTES,
      );
      const carried = JSON.parse(entry.Detail ?? '') as OutcomeEvent;
      assertValidEvent(carried);
      expect(carried.recording).toMatchObject({ fileCount: count, filesTruncated: true });
      expect(carried.recording.files?.length).toBeGreaterThan(kind === 'realistic' ? 300 : 50);
      expect(carried.recording.files).toStrictEqual(event.recording.files?.slice(0, carried.recording.files?.length));
    },
  );

  it('cuts further to maxFiles after a refusal, never adds files beyond what fits, and leaves a small event as it is', () => {
    // Prepare
    const event = bigEvent(800);
    const small = bigEvent(3);

    // Act
    const ten = JSON.parse(buildEventBridgeEntry(event, BUS, { maxFiles: 10 }).Detail ?? '') as OutcomeEvent;
    const fitted = JSON.parse(buildEventBridgeEntry(event, BUS).Detail ?? '') as OutcomeEvent;
    const asked = JSON.parse(buildEventBridgeEntry(event, BUS, { maxFiles: 700 }).Detail ?? '') as OutcomeEvent;
    const whole = JSON.parse(buildEventBridgeEntry(small, BUS).Detail ?? '') as OutcomeEvent;

    // Assess
    expect(ten.recording).toMatchObject({ fileCount: 800, filesTruncated: true });
    expect(ten.recording.files).toHaveLength(10);
    expect(asked.recording.files).toHaveLength(fitted.recording.files?.length ?? -1);
    expect(whole).toStrictEqual(small);
    expect(whole.recording).not.toHaveProperty('filesTruncated');
  });
});

describe("the bound on SNS's envelope", () => {
  it.each([
    '',
    'plain ascii',
    '"quoted" and \\back\\slashed',
    'https://example.com/a/b/c?d=e&f=g',
    'control \n\t\r\u0001 characters',
    'non-ASCII: é ü 会议室 房间',
    'emoji: 😀👍🏽',
    'a lone surrogate: \ud800',
    '\u007f\u0080\u2028',
  ])('counts at least what either escaping writes (%#)', (text) => {
    // Act
    const bound = escapedBytes(text);

    // Assess
    for (const escaping of ESCAPINGS) expect(bound).toBeGreaterThanOrEqual(bytes(jsonString(text, escaping)) - 2);
  });

  it.each([
    ['realistic', 800],
    ['realistic', 8_000],
    ['awkward', 1],
    ['awkward', 300],
    ['awkward', 3_000],
  ] as const)(
    'keeps what SNS delivers of a %s recording of %i files within a default queue, either escaping',
    (kind, count) => {
      // Prepare
      const event = kind === 'realistic' ? bigEvent(count) : awkwardEvent(count);

      // Act
      const input = buildSnsPublishInput(event, TOPIC);

      // Assess
      const attributes = Object.fromEntries(
        Object.entries(input.MessageAttributes ?? {}).map(([name, a]) => [
          name,
          { dataType: a.DataType ?? '', value: a.StringValue ?? '' },
        ]),
      );
      const message = (JSON.parse(input.Message ?? '') as { default: string }).default;
      const attributeBytes = Object.entries(attributes).reduce(
        (sum, [name, a]) => sum + bytes(name) + bytes(a.dataType) + bytes(a.value),
        0,
      );
      expect(bytes(input.Message ?? '') + attributeBytes).toBeLessThanOrEqual(SNS_MAX_MESSAGE_BYTES);
      for (const escaping of ESCAPINGS) {
        const body = notificationEnvelope(
          {
            messageId: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
            topicArn: TOPIC,
            subscriptionArn: `${TOPIC}:6a7e8feb-b491-4cf7-a9f1-bf3703467718`,
            region: 'ap-southeast-2',
            ...(input.Subject === undefined ? {} : { subject: input.Subject }),
            message,
            timestamp: Date.parse(event.occurredAt),
            attributes,
          },
          escaping,
        );
        // 340 more: room for SignatureVersion 2's 684-character signature, where this one has 344.
        expect(bytes(body) + 340).toBeLessThanOrEqual(SQS_DEFAULT_MAX_BYTES);
      }
      const carried = JSON.parse(message) as OutcomeEvent;
      assertValidEvent(carried);
      if (count > 1) expect(carried.recording).toMatchObject({ fileCount: count, filesTruncated: true });
    },
  );
});
