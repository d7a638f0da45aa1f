// The SNS Publish input that carries an outcome event (contract: "Events"): the JSON event for machines
// under `default`, a short text for people under `email`, a Subject and filterable attributes. Two sizes
// must fit: the message SNS takes (256 KiB), and what SNS delivers to an SQS queue or an HTTPS endpoint, the
// `default` event escaped inside SNS's JSON envelope, which a queue with the default MaximumMessageSize
// (256 KiB) must take. The email's file list is cut first, then, for a recording whose files do not fit, the
// event's own list (with `fileCount` and `filesTruncated` saying so).
import type { PublishCommandInput } from '@aws-sdk/client-sns';
import type { OutcomeEvent } from '../task/outcome-event';
import type { OutcomeEventType } from '../task/task';
import type { RecordingFileView } from '../task/view';
import { FILE_STATUS } from '../zego/vocabulary';
import { escapedBytes, fitFiles, largest, withFiles } from './fit';

// SNS: Message plus every attribute's name, type and value must fit in 256 KiB (262,144 bytes).
export const SNS_MAX_MESSAGE_BYTES = 262_144;
// SQS: a queue's MaximumMessageSize is 262,144 bytes unless raised; SNS delivers the envelope below as the body.
export const SQS_DEFAULT_MAX_BYTES = 262_144;
/**
 * SNS's notification envelope, as delivered to SQS and HTTPS subscribers without raw message delivery (AWS:
 * "Parsing message formats"), beside the escaped Message: Type, MessageId (a UUID), TopicArn, Subject (99
 * ASCII characters at most, escaped), Timestamp, SignatureVersion, Signature (344 base64 characters for a
 * 2048-bit key, 684 for 4096), SigningCertURL (about 110), UnsubscribeURL (about 120 beside the subscription
 * ARN), the keys and their pretty-printing: counted at their longest, rounded up. The topic ARN is counted
 * apart, four times (TopicArn, and the subscription ARN in UnsubscribeURL, URL-encoded at worst), and so are the
 * message attributes.
 */
export const SNS_ENVELOPE_FIXED_BYTES = 2_048;
// SNS: Subject must be ASCII without line breaks or control characters, "less than 100 characters".
const SUBJECT_MAX = 99;
// Long ids are cut so the outcome part of the Subject always shows.
const SUBJECT_ID_MAX = 40;

const OUTCOME_WORD: Record<OutcomeEventType, string> = {
  'recording.completed': 'completed',
  'recording.failed': 'failed',
  'recording.expired': 'expired',
};

// What the email says of a file whose status is worth a word.
const FILE_STATUS_NOTE: Partial<Record<number, string>> = {
  [FILE_STATUS.inBackupStorage]: 'in ZEGO backup storage',
  [FILE_STATUS.failed]: 'upload failed',
};

/**
 * The SNS Publish input for an event. When it would exceed 256 KiB, the email lists fewer files; when even
 * an email with none does not fit, the JSON event carries as many files as fit, with `fileCount` (the
 * total) and `filesTruncated: true`, and both say where the rest is (GET /recordings/{taskId}).
 */
export function buildSnsPublishInput(
  event: OutcomeEvent,
  topicArn: string,
  options: { maxFiles?: number } = {},
): PublishCommandInput {
  const attributes: NonNullable<PublishCommandInput['MessageAttributes']> = {
    eventType: { DataType: 'String', StringValue: event.eventType },
  };
  const { roomId } = event.recording;
  if (roomId !== undefined && roomId !== '') attributes.roomId = { DataType: 'String', StringValue: roomId };
  const fits = (message: string): boolean => byteLength(message) + attributeBytes(attributes) <= SNS_MAX_MESSAGE_BYTES;
  // What an SQS queue or HTTPS endpoint receives: the JSON event escaped in the envelope.
  const envelopeOverhead = SNS_ENVELOPE_FIXED_BYTES + 4 * escapedBytes(topicArn) + envelopeAttributeBytes(attributes);
  const delivered = (carried: OutcomeEvent): boolean =>
    envelopeOverhead + escapedBytes(JSON.stringify(carried)) <= SQS_DEFAULT_MAX_BYTES;
  const eventFits = (carried: OutcomeEvent): boolean => delivered(carried) && fits(messageWith(carried, 0));

  const messageWith = (carried: OutcomeEvent, shown: number): string =>
    JSON.stringify({ default: JSON.stringify(carried), email: emailText(carried, shown) });

  // Even without an email list the files may not fit: the most the event can carry (at least none).
  let carried = fitFiles(event, eventFits);
  // A retry after SNS refused the message for its size: fewer files still.
  const carriedFiles = carried.recording.files?.length ?? 0;
  if (options.maxFiles !== undefined && options.maxFiles < carriedFiles) carried = withFiles(event, options.maxFiles);
  const listed = carried.recording.files?.length ?? 0;
  const shown = fits(messageWith(carried, listed)) ? listed : largest(listed - 1, (n) => fits(messageWith(carried, n)));
  return {
    TopicArn: topicArn,
    MessageStructure: 'json',
    Message: messageWith(carried, shown),
    Subject: subjectFor(carried),
    MessageAttributes: attributes,
  };
}

function subjectFor(event: OutcomeEvent): string {
  const { recording } = event;
  const id = fitAscii(recording.taskId, SUBJECT_ID_MAX);
  const head = `Recording ${id} ${OUTCOME_WORD[event.eventType]}`;
  let detail = '';
  if (event.eventType === 'recording.completed')
    detail = plural(recording.fileCount ?? recording.files?.length ?? 0, 'file');
  else if (event.eventType === 'recording.failed' && recording.outcomeReason) detail = recording.outcomeReason;
  return fitAscii(detail ? `${head}: ${detail}` : head, SUBJECT_MAX);
}

/** Plain text for email subscribers; lists the first `shown` files and points to the JSON event for the rest. */
function emailText(event: OutcomeEvent, shown: number): string {
  const r = event.recording;
  const lines = [`Recording ${r.taskId} ${OUTCOME_WORD[event.eventType]}.`, ''];
  const field = (label: string, value: string | undefined): void => {
    if (value !== undefined && value !== '') lines.push(`${`${label}:`.padEnd(9)} ${value}`);
  };
  field('Task', r.taskId);
  field('Room', r.roomId);
  field('Began', isoOf(r.recordBeginTimestamp));
  field('Ended', isoOf(r.recordEndTimestamp));
  field('Closed', r.closedAt);
  field('Reason', r.outcomeReason);

  const files = r.files ?? [];
  const total = r.fileCount ?? files.length;
  lines.push('', total === 0 ? 'No files.' : `Files (${total}):`);
  for (const file of files.slice(0, shown)) lines.push(`- ${fileLine(file)}`);
  const hidden = total - Math.min(shown, files.length);
  const everyFile = `GET /recordings/${r.taskId} on recwatch's HTTP API lists them all`;
  if (hidden > 0 && r.filesTruncated === true) lines.push(`…and ${plural(hidden, 'more file')}: ${everyFile}`);
  else if (hidden > 0) lines.push(`…and ${plural(hidden, 'more file')}, see the JSON event (or ${everyFile})`);

  for (const warning of r.warnings ?? []) lines.push('', `Warning: ${warning}`);
  lines.push('', `Event id: ${event.eventId}`);
  return lines.join('\n');
}

function fileLine(file: RecordingFileView): string {
  const facts = [
    file.sizeBytes === undefined ? undefined : formatBytes(file.sizeBytes),
    file.durationMs === undefined ? undefined : formatDuration(file.durationMs),
    FILE_STATUS_NOTE[file.status],
  ].filter((fact) => fact !== undefined);
  const where = file.url ?? `file id ${file.fileId ?? '(unknown)'}, no URL`;
  return facts.length === 0 ? where : `${where} (${facts.join(', ')})`;
}

function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const total = Math.round(ms / 1000);
  const [h, m, s] = [Math.floor(total / 3600), Math.floor((total % 3600) / 60), total % 60];
  return h > 0 ? `${h} h ${m} min ${s} s` : `${m} min ${s} s`;
}

/** Printable ASCII only (accents dropped, other characters become `?`), one line, at most `max` characters. */
function fitAscii(text: string, max: number): string {
  const ascii = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .trim();
  return ascii.length <= max ? ascii : `${ascii.slice(0, max - 3).trimEnd()}...`;
}

function attributeBytes(attributes: NonNullable<PublishCommandInput['MessageAttributes']>): number {
  return Object.entries(attributes).reduce(
    (sum, [name, value]) =>
      sum + byteLength(name) + byteLength(value.DataType ?? '') + byteLength(value.StringValue ?? ''),
    0,
  );
}

/** SNS's envelope's attributes: `"name":{"Type":"String","Value":"…"}` each, escaped. */
function envelopeAttributeBytes(attributes: NonNullable<PublishCommandInput['MessageAttributes']>): number {
  return Object.entries(attributes).reduce(
    (sum, [name, value]) =>
      sum + 40 + escapedBytes(name) + escapedBytes(value.DataType ?? '') + escapedBytes(value.StringValue ?? ''),
    0,
  );
}

const byteLength = (text: string): number => Buffer.byteLength(text, 'utf8');
const isoOf = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString();
const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;
