// A local stand-in for Amazon SNS at the wire (awsQuery: form-encoded POST, XML answers), so the real
// SNSClient can publish to it. Used by tests and the local stack; it keeps what was published instead of
// delivering it. Signatures are not checked: any credentials do.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AwsFault } from './aws-fault';
import { listen, readBody } from './http-listener';

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

export interface SnsEndpointOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Topics that exist from the start (CreateTopic adds more). */
  topicArn?: string | string[];
  region?: string;
  accountId?: string;
}

export interface SnsEndpoint {
  /** Base URL for the SNSClient's `endpoint`. */
  readonly url: string;
  topics(): string[];
  published(): PublishedMessage[];
  /** Forgets what was published and any injected failures not yet used (topics and hooks stay). */
  clear(): void;
  /** Called for each Publish before it is accepted; a hook that throws turns the Publish into an InternalError. */
  onPublish(callback: (message: PublishedMessage) => void): () => void;
  /** The next `count` Publish calls fail with this status and code (CreateTopic is never failed). */
  failNext(count: number, failure: InjectedFailure): void;
  close(): Promise<void>;
}

// SNS: Message plus attribute names, types and values, at most 256 KiB.
const MAX_MESSAGE_BYTES = 262_144;
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
  let messages: PublishedMessage[] = [];
  const hooks = new Set<(message: PublishedMessage) => void>();
  const failures: InjectedFailure[] = [];

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
    Publish(params) {
      const failure = failures.shift();
      if (failure)
        throw new AwsFault(
          failure.status,
          failure.code,
          failure.message ?? 'Failure injected by the local SNS endpoint',
        );
      const record = parsePublish(params, topics);
      for (const hook of hooks) {
        try {
          hook(record);
        } catch {
          throw new AwsFault(500, 'InternalError', 'The onPublish hook failed');
        }
      }
      messages.push(record);
      return `<MessageId>${record.messageId}</MessageId>`;
    },
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

  return {
    url: listener.url,
    topics: () => [...topics],
    published: () => [...messages],
    clear() {
      messages = [];
      failures.length = 0;
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

function parsePublish(params: URLSearchParams, topics: Set<string>): PublishedMessage {
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
    (sum, [name, a]) => sum + bytes(name) + bytes(a.dataType) + bytes(a.value),
    0,
  );
  if (bytes(message) + attributeBytes > MAX_MESSAGE_BYTES) throw invalid('Invalid parameter: Message too long');
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
const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');
const xml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
