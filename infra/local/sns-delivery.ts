// How SNS delivers a published message to an SQS queue (or an HTTPS endpoint) subscribed without raw message
// delivery: inside its JSON notification envelope (AWS: "HTTP/HTTPS notification JSON format", "Fanout to
// Amazon SQS queues"), pretty-printed as real SNS-to-SQS bodies are, the message as an escaped string in
// `Message`. With raw message delivery the message itself is the body. Used by the local SNS endpoint.
import { createHash, createHmac } from 'node:crypto';
import type { QueueAttribute } from './sqs-queue';

/**
 * How the envelope escapes strings: `utf8` as SNS does (`"`, `\` and control characters; other characters
 * kept as UTF-8), `ascii` as the strictest encoder would (also `/` as `\/`, and every non-ASCII UTF-16 unit as
 * `\uXXXX`): what recwatch's size rule must hold for either way.
 */
export type EnvelopeEscaping = 'utf8' | 'ascii';

export interface Notification {
  messageId: string;
  topicArn: string;
  subscriptionArn: string;
  region: string;
  subject?: string;
  /** The part of the message for this protocol: the plain message, or a json-structured one's `sqs` (else `default`) key. */
  message: string;
  /** Epoch ms when SNS accepted the message. */
  timestamp: number;
  attributes: Record<string, QueueAttribute>;
}

/** The body an SQS subscriber without raw message delivery receives. */
export function notificationEnvelope(notification: Notification, escaping: EnvelopeEscaping = 'utf8'): string {
  const { messageId, topicArn, subject, message, region } = notification;
  const timestamp = new Date(notification.timestamp).toISOString();
  const host = `https://sns.${region}.amazonaws.com`;
  const fields: Array<[string, string]> = [
    ['Type', 'Notification'],
    ['MessageId', messageId],
    ['TopicArn', topicArn],
    // SNS: "If no Subject was specified, then this name-value pair does not appear".
    ...(subject === undefined ? [] : [['Subject', subject] as [string, string]]),
    ['Message', message],
    ['Timestamp', timestamp],
    ['SignatureVersion', '1'],
    ['Signature', signatureOf(notification, timestamp)],
    ['SigningCertURL', `${host}/SimpleNotificationService-${certificateId(region)}.pem`],
    ['UnsubscribeURL', `${host}/?Action=Unsubscribe&SubscriptionArn=${notification.subscriptionArn}`],
  ];
  const text = (value: string): string => jsonString(value, escaping);
  const lines = fields.map(([key, value]) => `  ${text(key)} : ${text(value)}`);
  const attributes = Object.entries(notification.attributes);
  if (attributes.length > 0) {
    const entries = attributes.map(
      ([name, a]) => `    ${text(name)} : {"Type":${text(a.dataType)},"Value":${text(a.value)}}`,
    );
    lines.push(`  "MessageAttributes" : {\n${entries.join(',\n')}\n  }`);
  }
  return `{\n${lines.join(',\n')}\n}`;
}

/** A JSON string literal for `value`, escaped as `escaping` says. */
export function jsonString(value: string, escaping: EnvelopeEscaping): string {
  const json = JSON.stringify(value);
  if (escaping === 'utf8') return json;
  return json.replace(/[/\u007f-\uffff]/g, (c) =>
    c === '/' ? '\\/' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * SignatureVersion 1 signs Message, MessageId, Subject (if present), Timestamp, TopicArn and Type with a 2048-bit
 * RSA key: 256 bytes, 344 base64 characters. Nobody can check a local one, so it is made of HMACs of that
 * string-to-sign: as long as a real one, and the same for a notification delivered again.
 */
function signatureOf(notification: Notification, timestamp: string): string {
  const stringToSign = [
    ['Message', notification.message],
    ['MessageId', notification.messageId],
    ...(notification.subject === undefined ? [] : [['Subject', notification.subject]]),
    ['Timestamp', timestamp],
    ['TopicArn', notification.topicArn],
    ['Type', 'Notification'],
  ]
    .flat()
    .join('\n');
  const blocks = Array.from({ length: 8 }, (_, i) =>
    createHmac('sha256', `local-sns-signing-key-${i}`).update(stringToSign).digest(),
  );
  return Buffer.concat(blocks).toString('base64');
}

/** SNS names its signing certificate by 32 hex digits. */
const certificateId = (region: string): string => createHash('md5').update(`local-sns-${region}`).digest('hex');
