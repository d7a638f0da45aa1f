// The outcome event (contract: "Events"): what recwatch announces when a task closes. How it travels on
// SNS (the message, its size limit, the email text) is lib/events/sns-message.ts's, on EventBridge
// lib/events/eventbridge-entry.ts's. Its JSON Schema is docs/event.schema.json.
import { EVENT_TYPE, eventIdOf, type OutcomeEventType, type Task } from './task';
import { type RecordingView, toRecordingView } from './view';

export interface OutcomeEvent {
  /**
   * Opaque to subscribers. The same on every retry and republish of one outcome (delivery is at least once);
   * different for a task untracked and tracked again: `${taskId}:${trackedAt}:${eventType}`.
   */
  eventId: string;
  eventType: OutcomeEventType;
  schemaVersion: 1;
  /** The ZEGO AppId the recording belongs to (ZEGO_APP_ID). */
  appId: number;
  occurredAt: string;
  recording: RecordingView;
}

/** The event announcing a closed task's outcome. Only closed tasks have one. */
export function buildOutcomeEvent(task: Task, occurredAt: number, appId: number): OutcomeEvent {
  const eventId = eventIdOf(task);
  if (task.state === 'OPEN' || eventId === undefined)
    throw new Error(`buildOutcomeEvent: task ${task.taskId} is still OPEN and has no outcome`);
  return {
    eventId,
    eventType: EVENT_TYPE[task.state],
    schemaVersion: 1,
    appId,
    occurredAt: new Date(occurredAt).toISOString(),
    recording: toRecordingView(task),
  };
}
