// The port outcome events leave through, one per target: the task core's recorder publishes through each,
// and the targets' adapters (lib/events/sns-publisher.ts, lib/events/eventbridge-publisher.ts) turn a
// target's failures into a PublishError at their edge.
import type { OutcomeEvent } from './outcome-event';
import type { EventTargetName } from './task';

export interface EventPublisher {
  /** Which target this is: the task records that the event went out there, so a retry skips it. */
  readonly target: EventTargetName;
  publish(event: OutcomeEvent): Promise<{ messageId: string }>;
}

/**
 * Publishing failed; `code` is the target's error code (or the network error's) when there was one.
 * `permanent` when the target refused the message itself, so that the same message would be refused again.
 */
export class PublishError extends Error {
  override readonly name = 'PublishError';
  readonly code: string | undefined;
  readonly permanent: boolean;

  constructor(message: string, options: { cause?: unknown; code?: string; permanent?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.code = options.code;
    this.permanent = options.permanent ?? false;
  }
}
