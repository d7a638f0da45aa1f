// The port outcome events leave through: the task core's recorder publishes through it, and the targets'
// adapters (lib/events/sns-publisher.ts) turn a target's failures into a PublishError at their edge.
import type { OutcomeEvent } from './outcome-event';

export interface EventPublisher {
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
