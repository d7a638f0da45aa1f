// A local stand-in for Amazon SNS at the wire (awsQuery: form-encoded POST, XML answers), so the real
// SNSClient can publish to it. Used by tests and the local stack. It keeps what was published, every Publish
// tried (refused ones too), and delivers each accepted message to its SQS-style subscribers as SNS does:
// inside the notification envelope (sns-delivery.ts), or raw, to a queue that refuses a body over its
// MaximumMessageSize (sqs-queue.ts) while the publish itself stands. Signatures are not checked: any
// credentials do.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AwsFault } from './aws-fault';
import { listen, readBody } from './http-listener';
import { type EnvelopeEscaping, notificationEnvelope } from './sns-delivery';
import { byteLength, createQueueSet, type LocalQueue, type QueueDelivery } from './sqs-queue';

export interface SnsMessageAttribute {
  dataType: string;
  /** The string value, or the base64 text of a Binary value. */
  value: string;
}

export interface PublishedMessage {
  messageId: string;
  topicArn: string;
  subject?: string;
  messageStructure?: string;
  /** The Message parameter as sent. */
  message: string;
  /** The Message parsed, when MessageStructure is json. */
  parsedMessage?: Record<string, unknown>;
  attributes: Record<string, SnsMessageAttribute>;
  /** Epoch milliseconds when it was accepted. */
  at: number;
}

export interface InjectedFailure {
  status: number;
  code: string;
  message?: string;
}

/** One Publish call as it arrived, and what became of it. */
export interface PublishAttempt {
  topicArn?: string;
  subject?: string;
  /** The Message parameter as sent (absent when there was none). */
  message?: string;
  /** What SNS counts against its limit: the message and every attribute's name, type and value, in bytes. */
  bytes: number;
  accepted: boolean;
  /** The MessageId, when accepted. */
  messageId?: string;
  /** SNS's error, when refused (injected failures included). */
  error?: { code: string; message: string };
  /** Epoch ms. */
  at: number;
}

/** An SQS queue subscribed to a topic. */
export interface SqsSubscriberOptions {
  kind: 'sqs';
  /** The topic; by default the endpoint's only topic. */
  topicArn?: string;
  /** The queue's MaximumMessageSize: 262,144 (SQS's default) unless set. */
  maxMessageSize?: number;
  /** Raw message delivery: the message itself as the body, its attributes as the queue message's. Default off. */
  raw?: boolean;
}

export interface SnsSubscription extends LocalQueue {
  readonly subscriptionArn: string;
  readonly topicArn: string;
  readonly raw: boolean;
}

export interface SnsEndpointOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Topics that exist from the start (CreateTopic adds more). */
  topicArn?: string | string[];
  region?: string;
  accountId?: string;
  /** SNS's limit on a message and its attributes: 262,144 bytes unless set (lower it to force a size refusal). */
  maxMessageBytes?: number;
  /** SQS-style subscribers from the start (`subscribe` adds more). */
  subscribers?: SqsSubscriberOptions[];
  /** How delivered envelopes escape strings: `utf8` (default) as SNS does, `ascii` as the strictest encoder. */
  escaping?: EnvelopeEscaping;
}

export interface SnsEndpoint {
  /** Base URL for the SNSClient's `endpoint`. */
  readonly url: string;
  topics(): string[];
  published(): PublishedMessage[];
  /** Every Publish call, accepted or refused, in order. */
  attempts(): PublishAttempt[];
  /** Subscribes an SQS-style queue: every message accepted from now on is delivered to it. */
  subscribe(options: SqsSubscriberOptions): SnsSubscription;
  subscriptions(): SnsSubscription[];
  /** Ends a subscription: nothing more is delivered to it. */
  unsubscribe(subscriptionArn: string): void;
  /** Every delivery to every subscriber, refused ones included. */
  deliveries(): QueueDelivery[];
  /** Called for each delivery to a subscriber, after it was taken or refused. */
  onDelivery(callback: (delivery: QueueDelivery) => void): () => void;
  /** From now on a Publish over `bytes` (message and attributes) is refused as too long; undefined: as at start. */
  setMaxMessageBytes(bytes: number | undefined): void;
  /**
   * Forgets what was published and tried, the deliveries, any injected failures not yet used, and a changed
   * message limit (topics, subscriptions and hooks stay).
   */
  clear(): void;
  /** Called for each Publish before it is accepted; a hook that throws turns the Publish into an InternalError. */
  onPublish(callback: (message: PublishedMessage) => void): () => void;
  /** The next `count` Publish calls fail with this status and code (CreateTopic is never failed). */
  failNext(count: number, failure: InjectedFailure): void;
  close(): Promise<void>;
}

// SNS: Message plus attribute names, types and values, at most 256 KiB.
const MAX_MESSAGE_BYTES = 262_144;
// SNS: with MessageStructure json, an SQS subscriber gets the `sqs` key, or else `default`.
const SQS_KEY = 'sqs';
const SUBJECT_MAX = 100;
const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
// SNS: in a json-structured message, these keys must hold plain strings.
const PROTOCOL_KEYS = [
  'default',
  'email',
  'email-json',
  'http',
  'https',
  'sqs',
  'sms',
  'lambda',
  'firehose',
  'application',
];

export async function startSnsEndpoint(options: SnsEndpointOptions = {}): Promise<SnsEndpoint> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const topics = new Set(options.topicArn === undefined ? [] : [options.topicArn].flat());
  const startLimit = options.maxMessageBytes ?? MAX_MESSAGE_BYTES;
  let maxMessageBytes = startLimit;
  let messages: PublishedMessage[] = [];
  let attempts: PublishAttempt[] = [];
  const hooks = new Set<(message: PublishedMessage) => void>();
  const failures: InjectedFailure[] = [];
  const subscribers = createQueueSet<SnsSubscription>();

  function subscribe(subscriber: SqsSubscriberOptions): SnsSubscription {
    const only = topics.size === 1 ? [...topics][0] : undefined;
    const topicArn = subscriber.topicArn ?? only;
    if (topicArn === undefined || !topics.has(topicArn))
      throw new Error(`subscribe: name one of the endpoint's topics (${[...topics].join(', ') || 'none yet'})`);
    const subscriptionArn = `${topicArn}:${randomUUID()}`;
    return subscribers.add(subscriptionArn, subscriber.maxMessageSize, (queue) => ({
      ...queue,
      subscriptionArn,
      topicArn,
      raw: subscriber.raw ?? false,
    }));
  }

  function deliver(record: PublishedMessage): void {
    const part = record.parsedMessage;
    const message = part === undefined ? record.message : String(part[SQS_KEY] ?? part.default);
    for (const { view: subscription, inlet } of subscribers.inlets()) {
      if (subscription.topicArn !== record.topicArn) continue;
      const { attributes } = record;
      if (subscription.raw) {
        inlet.offer(record.messageId, message, attributes);
        continue;
      }
      const envelope = notificationEnvelope(
        {
          messageId: record.messageId,
          topicArn: record.topicArn,
          subscriptionArn: subscription.subscriptionArn,
          region,
          ...(record.subject === undefined ? {} : { subject: record.subject }),
          message,
          timestamp: record.at,
          attributes,
        },
        options.escaping,
      );
      inlet.offer(record.messageId, envelope);
    }
  }

  function publish(params: URLSearchParams): string {
    const attempt: PublishAttempt = { bytes: 0, accepted: false, at: Date.now() };
    for (const [key, name] of [
      ['TopicArn', 'topicArn'],
      ['Subject', 'subject'],
      ['Message', 'message'],
    ] as const) {
      const value = params.get(key) ?? (key === 'TopicArn' ? params.get('TargetArn') : null);
      if (value !== null) attempt[name] = value;
    }
    attempt.bytes = byteLength(attempt.message ?? '');
    attempts.push(attempt);
    try {
      const failure = failures.shift();
      if (failure)
        throw new AwsFault(
          failure.status,
          failure.code,
          failure.message ?? 'Failure injected by the local SNS endpoint',
        );
      const record = parsePublish(params, topics, maxMessageBytes, (bytes) => {
        attempt.bytes = bytes;
      });
      for (const hook of hooks) {
        try {
          hook(record);
        } catch {
          throw new AwsFault(500, 'InternalError', 'The onPublish hook failed');
        }
      }
      messages.push(record);
      Object.assign(attempt, { accepted: true, messageId: record.messageId });
      deliver(record);
      return `<MessageId>${record.messageId}</MessageId>`;
    } catch (error) {
      if (error instanceof AwsFault) attempt.error = { code: error.code, message: error.message };
      throw error;
    }
  }

  // Each action returns the inside of its <ActionResult> element.
  const actions: Record<string, (params: URLSearchParams) => string> = {
    CreateTopic(params) {
      const name = params.get('Name') ?? '';
      // SNS: 1-256 letters, digits, hyphens and underscores (".fifo" suffix for FIFO topics).
      if (!/^[A-Za-z0-9_-]{1,256}(\.fifo)?$/.test(name)) throw invalid('Invalid parameter: Topic Name');
      const arn = `arn:aws:sns:${region}:${accountId}:${name}`;
      topics.add(arn);
      return `<TopicArn>${xml(arn)}</TopicArn>`;
    },
    Publish: publish,
  };

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    try {
      const body = await readBody(request);
      const query = new URL(request.url ?? '/', 'http://localhost').searchParams;
      const params = new URLSearchParams(body === '' ? query : body);
      const action = params.get('Action') ?? '';
      const run = Object.hasOwn(actions, action) ? actions[action] : undefined;
      if (!run)
        throw new AwsFault(400, 'InvalidAction', `The action ${action || '(none)'} is not valid for this web service.`);
      send(
        response,
        200,
        `<${action}Response xmlns="${XMLNS}"><${action}Result>${run(params)}</${action}Result>` +
          `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
      );
    } catch (error) {
      const fault =
        error instanceof AwsFault
          ? error
          : new AwsFault(500, 'InternalError', 'Internal error in the local SNS endpoint');
      const type = fault.status >= 500 ? 'Receiver' : 'Sender';
      send(
        response,
        fault.status,
        `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${type}</Type><Code>${xml(fault.code)}</Code>` +
          `<Message>${xml(fault.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      );
    }
  }

  const listener = await listen((request, response) => void handle(request, response), {
    host: options.host,
    port: options.port,
  });
  for (const subscriber of options.subscribers ?? []) subscribe(subscriber);

  return {
    url: listener.url,
    topics: () => [...topics],
    published: () => [...messages],
    attempts: () => [...attempts],
    subscribe,
    subscriptions: subscribers.views,
    unsubscribe: subscribers.remove,
    deliveries: subscribers.deliveries,
    onDelivery: subscribers.onDelivery,
    setMaxMessageBytes(bytes) {
      maxMessageBytes = bytes ?? startLimit;
    },
    clear() {
      messages = [];
      attempts = [];
      failures.length = 0;
      maxMessageBytes = startLimit;
      subscribers.clear();
    },
    onPublish(callback) {
      hooks.add(callback);
      return () => hooks.delete(callback);
    },
    failNext(count, failure) {
      for (let i = 0; i < count; i += 1) failures.push(failure);
    },
    close: () => listener.close(),
  };
}

function parsePublish(
  params: URLSearchParams,
  topics: Set<string>,
  maxMessageBytes: number,
  counted: (bytes: number) => void,
): PublishedMessage {
  const topicArn = params.get('TopicArn') ?? params.get('TargetArn');
  if (!topicArn) throw invalid('Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter');
  if (!/^arn:aws[\w-]*:sns:[\w-]+:\d{12}:[\w.-]+$/.test(topicArn)) throw invalid('Invalid parameter: TopicArn');
  if (!topics.has(topicArn)) throw new AwsFault(404, 'NotFound', 'Topic does not exist');

  const message = params.get('Message');
  if (message === null)
    throw new AwsFault(
      400,
      'ValidationError',
      "1 validation error detected: Value null at 'message' failed to satisfy constraint: Member must not be null",
    );
  if (message === '') throw invalid('Invalid parameter: Empty message');

  const record: PublishedMessage = {
    messageId: randomUUID(),
    topicArn,
    message,
    attributes: parseAttributes(params),
    at: Date.now(),
  };
  const subject = params.get('Subject');
  if (subject !== null) {
    if (subject === '' || subject.length > SUBJECT_MAX || !/^[\x20-\x7e]+$/.test(subject))
      throw invalid('Invalid parameter: Subject');
    record.subject = subject;
  }
  const structure = params.get('MessageStructure');
  if (structure !== null) {
    if (structure !== 'json') throw invalid('Invalid parameter: MessageStructure');
    record.messageStructure = structure;
    record.parsedMessage = parseStructured(message);
  }

  const attributeBytes = Object.entries(record.attributes).reduce(
    (sum, [name, a]) => sum + byteLength(name) + byteLength(a.dataType) + byteLength(a.value),
    0,
  );
  const total = byteLength(message) + attributeBytes;
  counted(total);
  if (total > maxMessageBytes) throw invalid('Invalid parameter: Message too long');
  return record;
}

function parseStructured(message: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    throw invalid('Invalid parameter: Message Structure - JSON message body failed to parse');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalid('Invalid parameter: Message Structure - JSON message body failed to parse');
  }
  const object = parsed as Record<string, unknown>;
  if (typeof object.default !== 'string')
    throw invalid('Invalid parameter: Message Structure - No default entry in JSON message body');
  for (const key of PROTOCOL_KEYS) {
    if (key in object && typeof object[key] !== 'string')
      throw invalid(`Invalid parameter: Message Structure - value for ${key} must be a string`);
  }
  return object;
}

// awsQuery map shape: MessageAttributes.entry.N.Name / .Value.DataType / .Value.StringValue|BinaryValue.
function parseAttributes(params: URLSearchParams): Record<string, SnsMessageAttribute> {
  const attributes: Record<string, SnsMessageAttribute> = {};
  for (let n = 1; params.has(`MessageAttributes.entry.${n}.Name`); n += 1) {
    const prefix = `MessageAttributes.entry.${n}`;
    const name = params.get(`${prefix}.Name`) ?? '';
    const dataType = params.get(`${prefix}.Value.DataType`) ?? '';
    const value = params.get(`${prefix}.Value.StringValue`) ?? params.get(`${prefix}.Value.BinaryValue`) ?? '';
    if (name === '') throw new AwsFault(400, 'ParameterValueInvalid', 'The message attribute name must not be empty.');
    if (!/^(String|Number|Binary)(\..+)?$/.test(dataType) && dataType !== 'String.Array') {
      throw new AwsFault(
        400,
        'ParameterValueInvalid',
        `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
      );
    }
    if (value === '') {
      throw new AwsFault(
        400,
        'ParameterValueInvalid',
        `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${dataType}'.`,
      );
    }
    if (Object.hasOwn(attributes, name))
      throw new AwsFault(400, 'ParameterValueInvalid', `Message attribute name '${name}' has already been entered.`);
    attributes[name] = { dataType, value };
  }
  return attributes;
}

function send(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

const invalid = (message: string): AwsFault => new AwsFault(400, 'InvalidParameter', message);
const xml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
