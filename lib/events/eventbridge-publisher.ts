// The event publisher's EventBridge adapter (EVENT_BUS_NAME). PutEvents fails two ways: the request
// (an exception), or the entry (FailedEntryCount, with the entry's ErrorCode); both become a PublishError.
// An entry refused for its size is sent again at once with fewer files (half, then none), as on SNS.
import { type EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { errorCode } from '../error-code';
import type { OutcomeEvent } from '../task/outcome-event';
import { type EventPublisher, PublishError } from '../task/publisher';
import { buildEventBridgeEntry } from './eventbridge-entry';
import { errorDetail, fewerFiles } from './fit';

// About the entry itself: sending it again unchanged is refused again.
const PERMANENT_CODES = new Set([
  'ValidationException',
  'InvalidArgument',
  'MalformedDetail',
  'InvalidEventPatternException',
]);
const TOO_LARGE = /too large|too long|size|over the limit|exceeds/i;

export function createEventBridgePublisher(options: {
  eventBridge: EventBridgeClient;
  eventBusName: string;
}): EventPublisher {
  const { eventBridge, eventBusName } = options;
  return {
    target: 'eventBridge',
    async publish(event) {
      let entry = buildEventBridgeEntry(event, eventBusName);
      for (;;) {
        const failure = await put(eventBridge, entry);
        if ('eventId' in failure) return { messageId: failure.eventId };
        const smaller = failure.tooLarge ? lessOf(event, entry, eventBusName) : undefined;
        if (smaller !== undefined) {
          entry = smaller;
          continue;
        }
        throw new PublishError(`EventBridge PutEvents failed: ${failure.code}${failure.detail}`, {
          cause: failure.cause,
          code: failure.code,
          permanent: PERMANENT_CODES.has(failure.code),
        });
      }
    },
  };
}

type PutResult = { eventId: string } | { code: string; detail: string; tooLarge: boolean; cause?: unknown };

async function put(eventBridge: EventBridgeClient, entry: PutEventsRequestEntry): Promise<PutResult> {
  try {
    const answer = await eventBridge.send(new PutEventsCommand({ Entries: [entry] }));
    const [result] = answer.Entries ?? [];
    if ((answer.FailedEntryCount ?? 0) === 0 && result?.EventId) return { eventId: result.EventId };
    const code = result?.ErrorCode ?? 'NoEventId';
    const message = result?.ErrorMessage ?? 'the answer carried no EventId';
    return { code, detail: errorDetail(message, code), tooLarge: TOO_LARGE.test(message) };
  } catch (error) {
    const code = errorCode(error, ['name', 'code']) ?? 'Unknown';
    const message = error instanceof Error ? error.message : '';
    return {
      code,
      detail: errorDetail(message, code),
      tooLarge: code === 'ValidationException' && TOO_LARGE.test(message),
      cause: error,
    };
  }
}

/** The entry again with fewer files than the refused one's Detail carried; undefined when it carried none. */
function lessOf(
  event: OutcomeEvent,
  refused: PutEventsRequestEntry,
  eventBusName: string,
): PutEventsRequestEntry | undefined {
  const maxFiles = fewerFiles(refused.Detail);
  return maxFiles === undefined ? undefined : buildEventBridgeEntry(event, eventBusName, { maxFiles });
}
