// The EventBridge PutEvents entry that carries an outcome event (contract: "Events"): Source `recwatch`,
// DetailType `Recording Completed|Failed|Expired`, Detail the event JSON. Two sizes must fit: EventBridge's
// 256 KiB per entry (Source, DetailType, Detail and Time, as AWS counts them), and what EventBridge delivers
// to an SQS target, the event inside its own envelope, which a queue with the default MaximumMessageSize
// (256 KiB) must take. A recording whose files do not fit carries as many as fit, with `fileCount` and
// `filesTruncated`, as on SNS.
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { OutcomeEvent } from '../task/outcome-event';
import type { OutcomeEventType } from '../task/task';
import { escapedBytes, fitFiles, withFiles } from './fit';

export const EVENT_SOURCE = 'recwatch';

export const DETAIL_TYPE: Record<OutcomeEventType, string> = {
  'recording.completed': 'Recording Completed',
  'recording.failed': 'Recording Failed',
  'recording.expired': 'Recording Expired',
};

// EventBridge: an entry (Time 14 bytes, Source, DetailType, Detail, Resources, in UTF-8) is at most 256 KiB.
export const EVENTBRIDGE_MAX_ENTRY_BYTES = 262_144;
// SQS's default MaximumMessageSize: the body EventBridge delivers to a queue target must fit it.
const SQS_DEFAULT_MAX_BYTES = 262_144;
/**
 * EventBridge's envelope around Detail, as delivered to a target without an input transformer: version, id (a
 * UUID), detail-type, source, account, time, region, resources and the keys, about 250 bytes: counted as 1 KiB.
 */
export const EVENTBRIDGE_ENVELOPE_BYTES = 1_024;
const TIME_BYTES = 14;

/** The PutEvents entry for an event on `eventBusName` (a name or an ARN); `maxFiles` after a size refusal. */
export function buildEventBridgeEntry(
  event: OutcomeEvent,
  eventBusName: string,
  options: { maxFiles?: number } = {},
): PutEventsRequestEntry {
  const detailType = DETAIL_TYPE[event.eventType];
  const head = TIME_BYTES + byteLength(EVENT_SOURCE) + byteLength(detailType);
  const fits = (carried: OutcomeEvent): boolean => {
    const detail = JSON.stringify(carried);
    // Delivered, Detail is JSON inside JSON (not a string): counted as if EventBridge re-escaped it at worst.
    const deliveredBytes = EVENTBRIDGE_ENVELOPE_BYTES + detailType.length + reencodedBytes(detail);
    return head + byteLength(detail) <= EVENTBRIDGE_MAX_ENTRY_BYTES && deliveredBytes <= SQS_DEFAULT_MAX_BYTES;
  };
  let carried = fitFiles(event, fits);
  const carriedFiles = carried.recording.files?.length ?? 0;
  if (options.maxFiles !== undefined && options.maxFiles < carriedFiles) carried = withFiles(event, options.maxFiles);
  return {
    EventBusName: eventBusName,
    Source: EVENT_SOURCE,
    DetailType: detailType,
    Detail: JSON.stringify(carried),
    Time: new Date(event.occurredAt),
  };
}

/**
 * A JSON text's bytes if re-encoded with every non-ASCII character and `/` escaped: its structure's quotes and
 * backslashes are kept as they are (escapedBytes counts them twice, as for a string's content).
 */
function reencodedBytes(json: string): number {
  let quotesAndBackslashes = 0;
  for (let i = 0; i < json.length; i++) {
    const code = json.charCodeAt(i);
    if (code === 0x22 || code === 0x5c) quotesAndBackslashes++;
  }
  return escapedBytes(json) - quotesAndBackslashes;
}

const byteLength = (text: string): number => Buffer.byteLength(text, 'utf8');
