// What the local SNS endpoint does with each outcome event the sweep or the callback receiver publishes:
// prints it readably, with the path that closed the task ("by callback" or "by poll"), and appends it, as
// one JSON line (the event exactly as subscribers receive it), to the events file.
import { appendFileSync } from 'node:fs';
import type { OutcomeEvent } from '../../lib/task/outcome-event';
import type { PublishedMessage } from './sns-endpoint';
import { clock, type Terminal } from './terminal';

/** Which way in found the outcome (the recording's `closedBy`). */
const CLOSED_BY_TEXT: Record<string, string | undefined> = { callback: 'by callback', poll: 'by poll' };

export function createEventPrinter(terminal: Terminal, eventsFile: string): (message: PublishedMessage) => void {
  const { paint } = terminal;
  const colourOf = {
    'recording.completed': paint.green,
    'recording.failed': paint.red,
    'recording.expired': paint.yellow,
  };
  return (message) => {
    // A hook that throws would fail the Publish, and the sweep would announce the outcome again later:
    // a console or disk problem here must not change what the system does.
    try {
      const text = typeof message.parsedMessage?.default === 'string' ? message.parsedMessage.default : message.message;
      const event = JSON.parse(text) as OutcomeEvent;
      appendFileSync(eventsFile, `${JSON.stringify(event)}\n`);
      const { recording } = event;
      const colour = colourOf[event.eventType] ?? paint.bold;
      const files = recording.files ?? [];
      const facts = [
        CLOSED_BY_TEXT[recording.closedBy ?? ''],
        recording.roomId === undefined ? undefined : `room ${recording.roomId}`,
        `${files.length} file${files.length === 1 ? '' : 's'}`,
        recording.outcomeReason,
      ].filter((fact) => fact !== undefined);
      terminal.say(
        `${paint.dim(clock(message.at))} ${colour(paint.bold(event.eventType))} ${paint.bold(recording.taskId)}  ${facts.join(' · ')}`,
      );
      const indent = ' '.repeat(9);
      for (const file of files)
        terminal.say(
          `${indent}${file.url ?? file.videoId ?? file.fileId ?? '(no location)'}  ${paint.dim(`file status ${file.status}`)}`,
        );
      for (const warning of recording.warnings ?? []) terminal.say(`${indent}${paint.yellow(`warning: ${warning}`)}`);
    } catch (error) {
      terminal.warn(
        `could not show or save an outcome event (${error instanceof Error ? error.message : String(error)})`,
      );
    }
  };
}
