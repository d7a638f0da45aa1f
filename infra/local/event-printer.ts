// What `npm start` shows of each outcome event, on each target: the local SNS endpoint's (printed readably,
// with the path that closed the task, "by callback" or "by poll", and its files; appended, as one JSON line,
// the event exactly as subscribers receive it, to the events file), the local EventBridge endpoint's (one
// line, with its bus and DetailType), and what an SQS queue with the default MaximumMessageSize, subscribed to
// each, did with it: took it (and how much of its limit it used) or refused it.
import { appendFileSync } from 'node:fs';
import type { OutcomeEvent } from '../../lib/task/outcome-event';
import type { PutEvent } from './eventbridge-endpoint';
import type { PublishedMessage } from './sns-endpoint';
import type { QueueDelivery } from './sqs-queue';
import { clock, type Terminal } from './terminal';

/** Which way in found the outcome (the recording's `closedBy`). */
const CLOSED_BY_TEXT: Record<string, string | undefined> = { callback: 'by callback', poll: 'by poll' };
const INDENT = ' '.repeat(9);
// The widest target name, so that the event types line up.
const TARGET_WIDTH = 'EventBridge'.length;

export interface EventPrinter {
  /** The SNS endpoint's onPublish hook: the event, its files and warnings; and a line in the events file. */
  sns(message: PublishedMessage): void;
  /** The EventBridge endpoint's onPutEvent hook: the event on its bus, in one line (its files are shown once, above). */
  eventBridge(event: PutEvent): void;
  /** Either endpoint's onDelivery hook: what its SQS-style queue did with the event. */
  delivery(delivery: QueueDelivery): void;
}

export function createEventPrinter(terminal: Terminal, eventsFile: string): EventPrinter {
  const { paint } = terminal;
  const colourOf = {
    'recording.completed': paint.green,
    'recording.failed': paint.red,
    'recording.expired': paint.yellow,
  };
  // A hook that throws would fail the Publish (or the entry), and the sweep would announce the outcome again
  // later: a console or disk problem here must not change what the system does.
  const safely =
    <T>(show: (value: T) => void) =>
    (value: T): void => {
      try {
        show(value);
      } catch (error) {
        terminal.warn(
          `could not show or save an outcome event (${error instanceof Error ? error.message : String(error)})`,
        );
      }
    };
  const headLine = (target: string, at: number, event: OutcomeEvent, more: string[] = []): string => {
    const { recording } = event;
    const colour = colourOf[event.eventType] ?? paint.bold;
    const files = recording.files ?? [];
    const facts = [
      CLOSED_BY_TEXT[recording.closedBy ?? ''],
      recording.roomId === undefined ? undefined : `room ${recording.roomId}`,
      `${files.length} file${files.length === 1 ? '' : 's'}`,
      recording.outcomeReason,
      ...more,
    ].filter((fact) => fact !== undefined);
    return `${paint.dim(clock(at))} ${paint.dim(target.padEnd(TARGET_WIDTH))} ${colour(paint.bold(event.eventType))} ${paint.bold(recording.taskId)}  ${facts.join(' · ')}`;
  };

  return {
    sns: safely((message: PublishedMessage) => {
      const text = typeof message.parsedMessage?.default === 'string' ? message.parsedMessage.default : message.message;
      const event = JSON.parse(text) as OutcomeEvent;
      appendFileSync(eventsFile, `${JSON.stringify(event)}\n`);
      terminal.say(headLine('SNS', message.at, event));
      for (const file of event.recording.files ?? [])
        terminal.say(
          `${INDENT}${file.url ?? file.videoId ?? file.fileId ?? '(no location)'}  ${paint.dim(`file status ${file.status}`)}`,
        );
      for (const warning of event.recording.warnings ?? [])
        terminal.say(`${INDENT}${paint.yellow(`warning: ${warning}`)}`);
    }),
    eventBridge: safely((put: PutEvent) => {
      const event = put.parsedDetail as unknown as OutcomeEvent;
      terminal.say(headLine('EventBridge', put.at, event, [`bus ${put.eventBusName}, "${put.detailType}"`]));
    }),
    delivery: safely((delivery: QueueDelivery) => {
      const size = `${kib(delivery.bytes)} of its ${kib(delivery.maxMessageSize)}`;
      terminal.say(
        delivery.delivered
          ? `${INDENT}${paint.dim(`→ an SQS queue took it: ${size}`)}`
          : `${INDENT}${paint.yellow(`→ an SQS queue refused it: ${size} (${delivery.reason ?? 'refused'}); the publish itself stands, so this subscriber never gets the event`)}`,
      );
    }),
  };
}

const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;
