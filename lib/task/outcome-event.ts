// The outcome event (contract: "Events"): what recwatch announces when a task closes. How it travels on
// SNS (the message, its size limit, the email text) is lib/events/sns-message.ts's.
import { EVENT_TYPE, type OutcomeEventType, type Task } from './task';
import { type RecordingView, toRecordingView } from './view';

export interface OutcomeEvent {
  /**
   * Opaque to subscribers. The same on every retry and republish of one outcome (delivery is at least once);
   * different for a task untracked and tracked again: `${taskId}:${trackedAt}:${eventType}`.
   */
  eventId: string;
  eventType: OutcomeEventType;
  schemaVersion: 1;
  occurredAt: string;
  recording: RecordingView;
}

/** The event announcing a closed task's outcome. Only closed tasks have one. */
export function buildOutcomeEvent(task: Task, occurredAt: number): OutcomeEvent {
  if (task.state === 'OPEN') throw new Error(`buildOutcomeEvent: task ${task.taskId} is still OPEN and has no outcome`);
  const eventType = EVENT_TYPE[task.state];
  return {
    eventId: `${task.taskId}:${task.trackedAt}:${eventType}`,
    eventType,
    schemaVersion: 1,
    occurredAt: new Date(occurredAt).toISOString(),
    recording: toRecordingView(task),
  };
}
