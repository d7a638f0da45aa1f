// The outcome event (contract: "Events") and the SNS Publish input that carries it: the JSON event for
// machines under `default`, a short text for people under `email`, a Subject and filterable attributes.
import type { PublishCommandInput } from '@aws-sdk/client-sns';
import { EVENT_TYPE, toRecordingView, type OutcomeEventType, type RecordingFileView, type RecordingView, type Task } from '../recording';

export interface OutcomeEvent {
  /** Stable across re-publishes (delivery is at least once): `${taskId}:${eventType}`. */
  eventId: string;
  eventType: OutcomeEventType;
  schemaVersion: 1;
  occurredAt: string;
  recording: RecordingView;
}

// SNS: Message plus every attribute's name, type and value must fit in 256 KiB (262,144 bytes).
export const SNS_MAX_MESSAGE_BYTES = 262_144;
// SNS: Subject must be ASCII without line breaks or control characters, "less than 100 characters".
const SUBJECT_MAX = 99;
// Long ids are cut so the outcome part of the Subject always shows.
const SUBJECT_ID_MAX = 40;

const OUTCOME_WORD: Record<OutcomeEventType, string> = {
  'recording.completed': 'completed',
  'recording.failed': 'failed',
  'recording.expired': 'expired',
};

// ZEGO: file status 4 = kept in ZEGO backup storage, 5 = upload failed.
const FILE_STATUS_NOTE: Partial<Record<number, string>> = { 4: 'in ZEGO backup storage', 5: 'upload failed' };

/** The event announcing a closed task's outcome. Only closed tasks have one. */
export function buildOutcomeEvent(task: Task, occurredAt: number): OutcomeEvent {
  if (task.state === 'OPEN') throw new Error(`buildOutcomeEvent: task ${task.taskId} is still OPEN and has no outcome`);
  const eventType = EVENT_TYPE[task.state];
  return {
    eventId: `${task.taskId}:${eventType}`,
    eventType,
    schemaVersion: 1,
    occurredAt: new Date(occurredAt).toISOString(),
    recording: toRecordingView(task),
  };
}

/** The SNS Publish input for an event; the `default` event is never cut, only the email's file list. */
export function buildSnsPublishInput(event: OutcomeEvent, topicArn: string): PublishCommandInput {
  const attributes: NonNullable<PublishCommandInput['MessageAttributes']> = {
    eventType: { DataType: 'String', StringValue: event.eventType },
  };
  const { roomId } = event.recording;
  if (roomId !== undefined && roomId !== '') attributes.roomId = { DataType: 'String', StringValue: roomId };

  const json = JSON.stringify(event);
  const messageWith = (shown: number): string => JSON.stringify({ default: json, email: emailText(event, shown) });
  const fits = (message: string): boolean => byteLength(message) + attributeBytes(attributes) <= SNS_MAX_MESSAGE_BYTES;

  const fileCount = event.recording.files?.length ?? 0;
  let message = messageWith(fileCount);
  if (!fits(message)) {
    // Largest number of listed files that still fits (fewer files never make the text longer).
    let low = 0;
    let high = fileCount - 1;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (fits(messageWith(mid))) low = mid;
      else high = mid - 1;
    }
    // When even no file fits, the event alone is too large: SNS will refuse it, and cutting it is not ours to do.
    message = messageWith(low);
  }

  return {
    TopicArn: topicArn,
    MessageStructure: 'json',
    Message: message,
    Subject: subjectFor(event),
    MessageAttributes: attributes,
  };
}

function subjectFor(event: OutcomeEvent): string {
  const { recording } = event;
  const id = fitAscii(recording.taskId, SUBJECT_ID_MAX);
  const head = `Recording ${id} ${OUTCOME_WORD[event.eventType]}`;
  let detail = '';
  if (event.eventType === 'recording.completed') detail = plural(recording.files?.length ?? 0, 'file');
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
  lines.push('', files.length === 0 ? 'No files.' : `Files (${files.length}):`);
  for (const file of files.slice(0, shown)) lines.push(`- ${fileLine(file)}`);
  const hidden = files.length - Math.min(shown, files.length);
  if (hidden > 0) lines.push(`…and ${plural(hidden, 'more file')}, see the JSON event`);

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
    (sum, [name, value]) => sum + byteLength(name) + byteLength(value.DataType ?? '') + byteLength(value.StringValue ?? ''),
    0,
  );
}

const byteLength = (text: string): number => Buffer.byteLength(text, 'utf8');
const isoOf = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());
const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;
