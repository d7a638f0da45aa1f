// A local stand-in for Amazon EventBridge's PutEvents at the wire (awsJson1_1, aws-json.ts: X-Amz-Target
// AWSEvents.PutEvents), so the real EventBridgeClient can put events on it. Used by tests and the local stack.
// It checks entries as EventBridge does (a request over its size or count is refused whole; an entry without
// Source, DetailType or a JSON-object Detail, or for a bus that does not exist, fails alone, with FailedEntryCount
// saying how many), keeps what it took and every entry tried, and delivers each event it took to SQS-style
// targets inside EventBridge's envelope (sqs-queue.ts: a body over the queue's MaximumMessageSize is refused).
import { randomUUID } from 'node:crypto';
import { AwsFault } from './aws-fault';
import { awsJsonHandler } from './aws-json';
import { listen } from './http-listener';
import { byteLength, createQueueSet, type LocalQueue, type QueueDelivery } from './sqs-queue';

export interface PutEvent {
  /** EventBridge's id for it: the entry's EventId, the envelope's `id`. */
  eventId: string;
  /** The bus's name (an ARN in the entry is read as its name). */
  eventBusName: string;
  source: string;
  detailType: string;
  /** Detail as sent. */
  detail: string;
  parsedDetail: Record<string, unknown>;
  resources: string[];
  /** The event's time as the envelope shows it (whole seconds, UTC): the entry's Time, or when it was put. */
  time: string;
  /** Epoch ms when it was taken. */
  at: number;
}

/** One entry of one PutEvents call, and what became of it. */
export interface EntryAttempt {
  eventBusName?: string;
  source?: string;
  detailType?: string;
  detail?: string;
  /** The entry's size as EventBridge counts it: Time 14, Source, DetailType, Detail and Resources in UTF-8. */
  bytes: number;
  accepted: boolean;
  eventId?: string;
  /** Why it was not taken: the request's error (`request`) or the entry's own (`entry`). */
  error?: { level: 'request' | 'entry'; code: string; message: string };
  /** Epoch ms. */
  at: number;
}

export interface InjectedRequestFailure {
  status: number;
  code: string;
  message?: string;
}

export interface InjectedEntryFailure {
  /** The entry's ErrorCode, e.g. InternalFailure or ThrottlingException. */
  code: string;
  message?: string;
}

/** An SQS queue as the target of a rule that matches every event on a bus. */
export interface EventBridgeTargetOptions {
  kind: 'sqs';
  /** The bus; by default the only one besides `default`, or else `default`. */
  bus?: string;
  /** The queue's MaximumMessageSize: 262,144 (SQS's default) unless set. */
  maxMessageSize?: number;
}

export interface EventBridgeTarget extends LocalQueue {
  readonly bus: string;
}

export interface EventBridgeEndpointOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  region?: string;
  accountId?: string;
  /** The buses that exist, by name, besides `default`. */
  buses?: string[];
  /** EventBridge's limit on a request's entries: 262,144 bytes unless set (lower it to force a size refusal). */
  maxEntryBytes?: number;
  /** SQS-style targets from the start (`addTarget` adds more). */
  targets?: EventBridgeTargetOptions[];
}

export interface EventBridgeEndpoint {
  /** Base URL for the EventBridgeClient's `endpoint` (or AWS_ENDPOINT_URL_EVENTBRIDGE). */
  readonly url: string;
  buses(): string[];
  /** The events it took, in order. */
  events(): PutEvent[];
  /** Every entry of every PutEvents call, taken or not, in order. */
  attempts(): EntryAttempt[];
  /** Called for each entry before it is taken; a hook that throws fails that entry with InternalFailure. */
  onPutEvent(callback: (event: PutEvent) => void): () => void;
  /** The next `count` PutEvents calls fail whole with this status and code. */
  failNext(count: number, failure: InjectedRequestFailure): void;
  /** The next `count` entries fail alone with this ErrorCode (the call answers 200, FailedEntryCount > 0). */
  failNextEntries(count: number, failure: InjectedEntryFailure): void;
  /** Adds an SQS-style target: every event taken on its bus from now on is delivered to it. */
  addTarget(options: EventBridgeTargetOptions): EventBridgeTarget;
  targets(): EventBridgeTarget[];
  /** Takes a target away (by its `via`): nothing more is delivered to it. */
  removeTarget(via: string): void;
  /** Every delivery to every target, refused ones included. */
  deliveries(): QueueDelivery[];
  onDelivery(callback: (delivery: QueueDelivery) => void): () => void;
  /** From now on a request whose entries exceed `bytes` is refused; undefined: as at start. */
  setMaxEntryBytes(bytes: number | undefined): void;
  /** Forgets the events, attempts, deliveries, unused injected failures and a changed limit (buses, targets, hooks stay). */
  clear(): void;
  close(): Promise<void>;
}

// EventBridge: at most 10 entries a request, 256 KiB of entries (as counted below).
const MAX_ENTRIES = 10;
const MAX_ENTRY_BYTES = 262_144;
const TIME_BYTES = 14;
const DEFAULT_BUS = 'default';
const BUS_ARN = /^arn:aws[\w-]*:events:[\w-]+:\d{12}:event-bus\/(.+)$/;

export async function startEventBridgeEndpoint(options: EventBridgeEndpointOptions = {}): Promise<EventBridgeEndpoint> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const buses = new Set([DEFAULT_BUS, ...(options.buses ?? [])]);
  const startLimit = options.maxEntryBytes ?? MAX_ENTRY_BYTES;
  let maxEntryBytes = startLimit;
  let events: PutEvent[] = [];
  let attempts: EntryAttempt[] = [];
  const hooks = new Set<(event: PutEvent) => void>();
  const requestFailures: InjectedRequestFailure[] = [];
  const entryFailures: InjectedEntryFailure[] = [];
  const targets = createQueueSet<EventBridgeTarget>();

  function addTarget(target: EventBridgeTargetOptions): EventBridgeTarget {
    const others = [...buses].filter((bus) => bus !== DEFAULT_BUS);
    const bus = target.bus ?? (others.length === 1 ? others[0]! : DEFAULT_BUS);
    if (!buses.has(bus)) throw new Error(`addTarget: no bus ${bus} (there are ${[...buses].join(', ')})`);
    const queueArn = `arn:aws:sqs:${region}:${accountId}:${bus}-target-${targets.views().length + 1}`;
    return targets.add(queueArn, target.maxMessageSize, (queue) => ({ ...queue, bus }));
  }

  /** EventBridge's envelope, as a target without an input transformer receives it (compact JSON). */
  const envelopeOf = (event: PutEvent): string =>
    JSON.stringify({
      version: '0',
      id: event.eventId,
      'detail-type': event.detailType,
      source: event.source,
      account: accountId,
      time: event.time,
      region,
      resources: event.resources,
      detail: event.parsedDetail,
    });

  /** The entry taken (an event), or its ErrorCode and ErrorMessage. */
  function take(entry: Record<string, unknown>, attempt: EntryAttempt): PutEvent | InjectedEntryFailure {
    const injected = entryFailures.shift();
    if (injected) return { code: injected.code, message: injected.message ?? 'Failure injected by the local endpoint' };
    for (const name of ['Source', 'DetailType', 'Detail'] as const) {
      if (typeof entry[name] !== 'string' || entry[name] === '')
        return {
          code: 'InvalidArgument',
          message: `Parameter ${name} is not valid. Reason: ${name} is a required argument.`,
        };
    }
    const source = entry.Source as string;
    if (source.startsWith('aws.'))
      return { code: 'NotAuthorizedForSourceException', message: 'Not authorized for the source.' };
    const parsedDetail = detailObject(entry.Detail as string);
    if (parsedDetail === undefined) return { code: 'MalformedDetail', message: 'Detail is malformed.' };
    const bus = attempt.eventBusName ?? DEFAULT_BUS;
    if (!buses.has(bus)) return { code: 'ResourceNotFoundException', message: `Event bus ${bus} does not exist.` };
    const at = Date.now();
    const time = typeof entry.Time === 'number' ? entry.Time * 1000 : at;
    const event: PutEvent = {
      eventId: randomUUID(),
      eventBusName: bus,
      source,
      detailType: entry.DetailType as string,
      detail: entry.Detail as string,
      parsedDetail,
      resources: stringsOf(entry.Resources),
      time: `${new Date(Math.floor(time / 1000) * 1000).toISOString().slice(0, 19)}Z`,
      at,
    };
    for (const hook of hooks) {
      try {
        hook(event);
      } catch {
        return { code: 'InternalFailure', message: 'The onPutEvent hook failed' };
      }
    }
    return event;
  }

  function putEvents(input: Record<string, unknown>): unknown {
    const at = Date.now();
    const entries = Array.isArray(input.Entries) ? (input.Entries as unknown[]) : undefined;
    const tried = (entries ?? []).map((raw) => {
      const entry = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
      return { entry, attempt: attemptOf(entry, at) };
    });
    attempts.push(...tried.map((t) => t.attempt));
    const total = tried.reduce((sum, t) => sum + t.attempt.bytes, 0);
    try {
      const failure = requestFailures.shift();
      if (failure)
        throw new AwsFault(failure.status, failure.code, failure.message ?? 'Failure injected by the local endpoint');
      if (entries === undefined || entries.length === 0 || entries.length > MAX_ENTRIES)
        throw new AwsFault(
          400,
          'ValidationException',
          `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${MAX_ENTRIES}`,
        );
      if (total > maxEntryBytes)
        throw new AwsFault(400, 'ValidationException', 'Total size of the entries in the request is over the limit.');
    } catch (error) {
      const fault = error as AwsFault;
      for (const { attempt } of tried) attempt.error = { level: 'request', code: fault.code, message: fault.message };
      throw error;
    }
    const answers = tried.map(({ entry, attempt }) => {
      const taken = take(entry, attempt);
      if ('eventId' in taken) {
        Object.assign(attempt, { accepted: true, eventId: taken.eventId });
        events.push(taken);
        for (const { view: target, inlet } of targets.inlets())
          if (target.bus === taken.eventBusName) inlet.offer(taken.eventId, envelopeOf(taken));
        return { EventId: taken.eventId };
      }
      attempt.error = { level: 'entry', code: taken.code, message: taken.message ?? '' };
      return { ErrorCode: taken.code, ErrorMessage: taken.message };
    });
    return { FailedEntryCount: answers.filter((a) => 'ErrorCode' in a).length, Entries: answers };
  }

  const listener = await listen(
    awsJsonHandler({
      targetPrefix: 'AWSEvents',
      operations: { PutEvents: putEvents },
      internalErrorCode: 'InternalException',
      serviceName: 'EventBridge',
    }),
    { host: options.host, port: options.port },
  );
  for (const target of options.targets ?? []) addTarget(target);

  return {
    url: listener.url,
    buses: () => [...buses],
    events: () => [...events],
    attempts: () => [...attempts],
    onPutEvent(callback) {
      hooks.add(callback);
      return () => hooks.delete(callback);
    },
    failNext(count, failure) {
      for (let i = 0; i < count; i += 1) requestFailures.push(failure);
    },
    failNextEntries(count, failure) {
      for (let i = 0; i < count; i += 1) entryFailures.push(failure);
    },
    addTarget,
    targets: targets.views,
    removeTarget: targets.remove,
    deliveries: targets.deliveries,
    onDelivery: targets.onDelivery,
    setMaxEntryBytes(bytes) {
      maxEntryBytes = bytes ?? startLimit;
    },
    clear() {
      events = [];
      attempts = [];
      requestFailures.length = 0;
      entryFailures.length = 0;
      maxEntryBytes = startLimit;
      targets.clear();
    },
    close: () => listener.close(),
  };
}

/** The entry as tried: its fields, and its size as EventBridge counts it. */
function attemptOf(entry: Record<string, unknown>, at: number): EntryAttempt {
  const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  const attempt: EntryAttempt = { bytes: entrySize(entry), accepted: false, at };
  const bus = text(entry.EventBusName);
  if (bus !== undefined && bus !== '') attempt.eventBusName = BUS_ARN.exec(bus)?.[1] ?? bus;
  for (const [key, name] of [
    ['Source', 'source'],
    ['DetailType', 'detailType'],
    ['Detail', 'detail'],
  ] as const) {
    const value = text(entry[key]);
    if (value !== undefined) attempt[name] = value;
  }
  return attempt;
}

/** AWS: "Calculating PutEvents event entry size": Time 14 bytes if given, the rest in UTF-8 bytes. */
export function entrySize(entry: Record<string, unknown>): number {
  const utf8 = (value: unknown): number => (typeof value === 'string' ? byteLength(value) : 0);
  return (
    (entry.Time === undefined || entry.Time === null ? 0 : TIME_BYTES) +
    utf8(entry.Source) +
    utf8(entry.DetailType) +
    utf8(entry.Detail) +
    stringsOf(entry.Resources).reduce((sum, resource) => sum + utf8(resource), 0)
  );
}

/** EventBridge: Detail must be a JSON object. */
function detailObject(detail: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(detail);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const stringsOf = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
