// An SQS-style queue as the local SNS and EventBridge endpoints deliver to it: it takes a body (and, with SNS's
// raw message delivery, message attributes) when SQS would, and refuses it as SQS does otherwise: over the
// queue's MaximumMessageSize (262,144 bytes unless raised; body and attributes count), or with characters
// SQS does not allow. The service that delivered has accepted the message all the same: a refusal is a
// failed delivery, recorded here, never an error to the publisher.

/** SQS: MaximumMessageSize is 262,144 bytes by default, 1,024 at the least and 1 MiB at the most. */
export const SQS_DEFAULT_MAX_MESSAGE_SIZE = 262_144;
const SQS_MIN_MESSAGE_SIZE = 1_024;
const SQS_MAX_MESSAGE_SIZE = 1_048_576;
// SQS: #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF (a lone surrogate is none).
const SQS_DISALLOWED = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export interface QueueAttribute {
  dataType: string;
  value: string;
}

export interface QueueDelivery {
  /** Who delivered: the SNS subscription's ARN, or the EventBridge target's id. */
  via: string;
  /** The delivering service's id for the message: SNS's MessageId, EventBridge's event id. */
  messageId: string;
  /** The body the queue took, or would have taken. */
  body: string;
  /** What SQS counts against MaximumMessageSize: the body's bytes and every attribute's name, type and value. */
  bytes: number;
  maxMessageSize: number;
  /** SQS message attributes (SNS's raw message delivery carries the message's own). */
  attributes?: Record<string, QueueAttribute>;
  delivered: boolean;
  /** SQS's reason, when it refused. */
  reason?: string;
  /** Epoch ms. */
  at: number;
}

export interface LocalQueue {
  /** The subscription's ARN (SNS) or the target's id (EventBridge). */
  readonly via: string;
  readonly maxMessageSize: number;
  /** Every delivery tried, in order, refused ones included. */
  deliveries(): QueueDelivery[];
  delivered(): QueueDelivery[];
  refused(): QueueDelivery[];
}

/** A queue and the hand that delivers to it (the endpoint's). */
export interface QueueInlet {
  readonly queue: LocalQueue;
  offer(messageId: string, body: string, attributes?: Record<string, QueueAttribute>): QueueDelivery;
  clear(): void;
}

export function createLocalQueue(
  via: string,
  maxMessageSize = SQS_DEFAULT_MAX_MESSAGE_SIZE,
  onDelivery: (delivery: QueueDelivery) => void = () => undefined,
): QueueInlet {
  if (
    !Number.isInteger(maxMessageSize) ||
    maxMessageSize < SQS_MIN_MESSAGE_SIZE ||
    maxMessageSize > SQS_MAX_MESSAGE_SIZE
  )
    throw new Error(
      `an SQS queue's MaximumMessageSize is an integer from ${SQS_MIN_MESSAGE_SIZE} to ${SQS_MAX_MESSAGE_SIZE}, not ${maxMessageSize}`,
    );
  let log: QueueDelivery[] = [];
  const queue: LocalQueue = {
    via,
    maxMessageSize,
    deliveries: () => [...log],
    delivered: () => log.filter((d) => d.delivered),
    refused: () => log.filter((d) => !d.delivered),
  };
  return {
    queue,
    offer(messageId, body, attributes) {
      const bytes =
        byteLength(body) +
        Object.entries(attributes ?? {}).reduce(
          (sum, [name, a]) => sum + byteLength(name) + byteLength(a.dataType) + byteLength(a.value),
          0,
        );
      const reason =
        bytes > maxMessageSize
          ? `One or more parameters are invalid. Reason: Message must be shorter than ${maxMessageSize} bytes.`
          : SQS_DISALLOWED.test(body)
            ? 'Invalid binary character in the message body: it is outside the characters SQS allows.'
            : undefined;
      const delivery: QueueDelivery = {
        via,
        messageId,
        body,
        bytes,
        maxMessageSize,
        ...(attributes === undefined ? {} : { attributes }),
        delivered: reason === undefined,
        ...(reason === undefined ? {} : { reason }),
        at: Date.now(),
      };
      log.push(delivery);
      // A hook that throws (a console problem) must not change what was delivered.
      try {
        onDelivery(delivery);
      } catch {
        // ignored: the delivery stands as recorded
      }
      return delivery;
    },
    clear() {
      log = [];
    },
  };
}

export const byteLength = (text: string): number => Buffer.byteLength(text, 'utf8');

/**
 * The queues an endpoint delivers to (SNS's subscriptions, EventBridge's targets), each described by the
 * endpoint's own view of it, with the hooks that see every delivery: added, taken away, cleared as one.
 */
export interface QueueSet<View extends LocalQueue> {
  /** A new queue, `describe`d as the endpoint shows it (its LocalQueue and what the endpoint adds). */
  add(via: string, maxMessageSize: number | undefined, describe: (queue: LocalQueue) => View): View;
  /** Takes the queue away (by its `via`): nothing more is delivered to it. */
  remove(via: string): void;
  views(): View[];
  /** Each queue's view and its inlet, for the endpoint's delivery. */
  inlets(): Array<{ view: View; inlet: QueueInlet }>;
  /** Every delivery to every queue, refused ones included, oldest first. */
  deliveries(): QueueDelivery[];
  onDelivery(callback: (delivery: QueueDelivery) => void): () => void;
  /** Forgets every queue's deliveries (the queues and the hooks stay). */
  clear(): void;
}

export function createQueueSet<View extends LocalQueue>(): QueueSet<View> {
  const hooks = new Set<(delivery: QueueDelivery) => void>();
  const queues: Array<{ view: View; inlet: QueueInlet }> = [];
  return {
    add(via, maxMessageSize, describe) {
      const inlet = createLocalQueue(via, maxMessageSize ?? SQS_DEFAULT_MAX_MESSAGE_SIZE, (delivery) => {
        for (const hook of hooks) hook(delivery);
      });
      const view = describe(inlet.queue);
      queues.push({ view, inlet });
      return view;
    },
    remove(via) {
      const at = queues.findIndex((q) => q.view.via === via);
      if (at >= 0) queues.splice(at, 1);
    },
    views: () => queues.map((q) => q.view),
    inlets: () => [...queues],
    deliveries: () => queues.flatMap((q) => q.view.deliveries()).sort((a, b) => a.at - b.at),
    onDelivery(callback) {
      hooks.add(callback);
      return () => hooks.delete(callback);
    },
    clear() {
      for (const { inlet } of queues) inlet.clear();
    },
  };
}
