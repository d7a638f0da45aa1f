// The callback receiver's words: why a callback is refused (the log line's `reason`, and the refusal metric's
// dimension) and what a verified one led to (the answer's `action`).

export const REFUSAL_REASONS = [
  'body_too_large',
  'invalid_json',
  'invalid_body',
  'missing_signature',
  'bad_signature',
  'wrong_app_id',
  'stale_timestamp',
  'invalid_task_id',
  'invalid_event_type',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/**
 * What a verified callback led to:
 * - hinted: the task is due at once, ahead of every other due task;
 * - candidate: nobody tracked the task: the sweep asks ZEGO whether it exists, and tracks it if it does;
 * - cooldown: the task (or candidate) was hinted less than the cooldown ago: nothing changes;
 * - closed_already: the task is closed: nothing changes (a duplicate, or a callback after the outcome);
 * - ignored: an event type that says nothing about an outcome.
 */
export const CALLBACK_ACTIONS = ['hinted', 'candidate', 'cooldown', 'closed_already', 'ignored'] as const;
export type CallbackAction = (typeof CALLBACK_ACTIONS)[number];

/** Actions that left work for the sweep. */
export const ACTED_ON: ReadonlySet<CallbackAction> = new Set(['hinted', 'candidate']);
