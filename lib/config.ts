// Configuration is read and validated once, at cold start, into one typed object. Nothing else reads
// process.env. A missing or malformed variable fails with one line that names it (and never its value
// when the value could be a secret).
import { LOG_LEVELS, type LogLevel } from './log';
import { stopReserveMs } from './sweep/run-inputs';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

/**
 * The value of every variable that has a default, by variable name: the one place each default lives. The
 * stack deploys the same values (serverless.yml's `${param:…, 'default'}`; test/deploy/config-defaults.test.ts
 * checks that they agree), and the local stack takes them from here too.
 */
export const DEFAULTS = {
  LOG_LEVEL: 'INFO',
  POWERTOOLS_SERVICE_NAME: 'recwatch',
  POWERTOOLS_METRICS_NAMESPACE: 'recwatch',
  TASK_INDEX_SHARDS: 1,
  TASK_RETENTION_DAYS: 30,
  ZEGO_API_URL: 'https://cloudrecord-api.zego.im',
  ZEGO_TIMEOUT_MS: 5000,
  ZEGO_RATE_LIMIT: 10,
  SWEEP_CONCURRENCY: 5,
  CHECK_INTERVAL_SECONDS: 30,
  CHECK_INTERVAL_MAX_SECONDS: 300,
  SWEEP_TRIAGE: true,
  ZEGO_DESCRIBE_TASKS_RATE_LIMIT: 10,
  DISCOVER_TASKS: false,
  SWEEP_KEEP_CHECKING: true,
  SWEEP_TIMEOUT_SECONDS: 60,
} as const;

/** How often the stack runs the sweep (serverless.yml: `rate(1 minute)`); what the sweep times its once-in-a-while work by. */
export const SWEEP_SCHEDULE_MS = 60_000;

export interface ObservabilityConfig {
  /** LOG_LEVEL: DEBUG, INFO, WARN, ERROR or SILENT. */
  logLevel: LogLevel;
  /** POWERTOOLS_SERVICE_NAME: the `service` of every log line and metric (the stack sets recwatch-<stage>). */
  serviceName: string;
  /** POWERTOOLS_METRICS_NAMESPACE: the CloudWatch namespace of the metrics. */
  metricsNamespace: string;
}

export interface StoreConfig {
  observability: ObservabilityConfig;
  tasksTable: string;
  /** Write shards of the due index (see README, "How far one shard goes"). */
  indexShards: number;
  /** How long a closed task is kept before DynamoDB's TTL removes it. */
  retentionDays: number;
}

export interface SweepConfig extends StoreConfig {
  eventsTopicArn: string;
  /** EVENT_BUS_NAME: an EventBridge bus (name or ARN) that also gets every event; undefined when off. */
  eventBusName?: string;
  zego: {
    appId: number;
    /** ZEGO_SERVER_SECRET (local use) or ZEGO_SERVER_SECRET_PARAM (an SSM parameter name). */
    serverSecret: SecretConfig;
    apiUrl: string;
    timeoutMs: number;
    rateLimit: number;
  };
  concurrency: number;
  checkIntervalMs: number;
  checkIntervalMaxMs: number;
  /** SWEEP_TRIAGE: list the recordings in progress with DescribeTasks before checking (default on). */
  triage: boolean;
  /** ZEGO_DESCRIBE_TASKS_RATE_LIMIT: DescribeTasks requests in any rolling second (default 10). */
  listRateLimit: number;
  /** DISCOVER_TASKS: track every recording the listing finds (default off). */
  discover: boolean;
  /** SWEEP_KEEP_CHECKING: a run passes again until its stop time while anything is open (default on). */
  keepChecking: boolean;
}

function text(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function required(env: Env, name: string): string {
  const value = text(env, name);
  if (value === undefined) throw new ConfigError(`${name} is required but not set`);
  return value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max)
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got ${raw}`);
  return value;
}

function onOff(env: Env, name: string, fallback: boolean): boolean {
  const raw = text(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (raw !== 'on' && raw !== 'off') throw new ConfigError(`${name} must be "on" or "off", got "${raw}"`);
  return raw === 'on';
}

function httpUrl(env: Env, name: string, fallback: string): string {
  const raw = text(env, name) ?? fallback;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an http(s) URL, got "${raw}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new ConfigError(`${name} must be an http(s) URL, got "${raw}"`);
  if (url.search || url.hash) throw new ConfigError(`${name} must be a base URL without query or fragment`);
  return raw.replace(/\/+$/, '');
}

function loadObservabilityConfig(env: Env): ObservabilityConfig {
  const level = (text(env, 'LOG_LEVEL') ?? DEFAULTS.LOG_LEVEL).toUpperCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level))
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${level}"`);
  const name = (variable: 'POWERTOOLS_SERVICE_NAME' | 'POWERTOOLS_METRICS_NAMESPACE'): string => {
    const value = text(env, variable) ?? DEFAULTS[variable];
    if (!/^[A-Za-z0-9_.\-/]{1,255}$/.test(value))
      throw new ConfigError(`${variable} must be 1 to 255 letters, digits, _ . - or /, got "${value}"`);
    return value;
  };
  return {
    logLevel: level as LogLevel,
    serviceName: name('POWERTOOLS_SERVICE_NAME'),
    metricsNamespace: name('POWERTOOLS_METRICS_NAMESPACE'),
  };
}

export function loadStoreConfig(env: Env): StoreConfig {
  const tasksTable = required(env, 'TASKS_TABLE');
  if (!/^[A-Za-z0-9_.-]{3,255}$/.test(tasksTable))
    throw new ConfigError(`TASKS_TABLE is not a valid DynamoDB table name: "${tasksTable}"`);
  return {
    observability: loadObservabilityConfig(env),
    tasksTable,
    indexShards: integer(env, 'TASK_INDEX_SHARDS', DEFAULTS.TASK_INDEX_SHARDS, 1, 64),
    retentionDays: integer(env, 'TASK_RETENTION_DAYS', DEFAULTS.TASK_RETENTION_DAYS, 1, 3650),
  };
}

/** Where a secret comes from: the value itself (local use) or the name of an SSM SecureString (deployed use). */
export type SecretConfig = { kind: 'value'; value: string } | { kind: 'ssm'; parameterName: string };

/** ZEGO: AppId is an unsigned 32-bit integer. */
function zegoAppId(env: Env): number {
  const appIdRaw = required(env, 'ZEGO_APP_ID');
  if (!/^\d{1,10}$/.test(appIdRaw) || Number(appIdRaw) > 0xffffffff || Number(appIdRaw) === 0) {
    throw new ConfigError(`ZEGO_APP_ID must be an unsigned 32-bit integer above 0, got "${appIdRaw}"`);
  }
  return Number(appIdRaw);
}

/** Exactly one of `${name}` (the value, local use) and `${name}_PARAM` (an SSM parameter name) must be set. */
function secretSource(env: Env, name: string): SecretConfig {
  const value = text(env, name);
  const parameterName = text(env, `${name}_PARAM`);
  if (value !== undefined && parameterName !== undefined)
    throw new ConfigError(`set only one of ${name} and ${name}_PARAM`);
  if (value !== undefined) return { kind: 'value', value };
  if (parameterName === undefined)
    throw new ConfigError(`${name}_PARAM (or ${name} for local use) is required but not set`);
  if (!/^[A-Za-z0-9_.\-/]{1,2048}$/.test(parameterName)) {
    throw new ConfigError(`${name}_PARAM is not a valid SSM parameter name: "${parameterName}"`);
  }
  return { kind: 'ssm', parameterName };
}

function eventsTopic(env: Env): string {
  const eventsTopicArn = required(env, 'EVENTS_TOPIC_ARN');
  if (!/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(eventsTopicArn)) {
    throw new ConfigError(`EVENTS_TOPIC_ARN is not an SNS topic ARN: "${eventsTopicArn}"`);
  }
  return eventsTopicArn;
}

/** EVENT_BUS_NAME: unset or empty means off; otherwise a bus name (EventBridge's rule) or an event bus ARN. */
function eventBus(env: Env): string | undefined {
  const eventBusName = text(env, 'EVENT_BUS_NAME');
  if (eventBusName === undefined) return undefined;
  const name = /^[A-Za-z0-9._\-/]{1,256}$/;
  const arn = /^arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/[A-Za-z0-9._\-/]{1,256}$/;
  if (!name.test(eventBusName) && !arn.test(eventBusName)) {
    throw new ConfigError(`EVENT_BUS_NAME is neither an EventBridge bus name nor an event bus ARN: "${eventBusName}"`);
  }
  return eventBusName;
}

/**
 * SWEEP_TIMEOUT_SECONDS (the stack sets it to the sweep's Lambda timeout, which a function cannot read): a run
 * stops taking work its stop reserve (2 × ZEGO_TIMEOUT_MS + 2 s) before the deadline, which must leave at
 * least half of the timeout to work.
 */
function sweepTimeLeft(env: Env, zegoTimeoutMs: number): void {
  const timeoutSeconds = integer(env, 'SWEEP_TIMEOUT_SECONDS', DEFAULTS.SWEEP_TIMEOUT_SECONDS, 10, 900);
  const reserveMs = stopReserveMs(zegoTimeoutMs);
  if (reserveMs > (timeoutSeconds * 1000) / 2) {
    const most = Math.floor(((timeoutSeconds * 1000) / 2 - stopReserveMs(0)) / 2);
    throw new ConfigError(
      `ZEGO_TIMEOUT_MS (${zegoTimeoutMs}) leaves the sweep too little time: its stop reserve (2 × ZEGO_TIMEOUT_MS + 2 s = ${reserveMs / 1000} s) must be at most half of SWEEP_TIMEOUT_SECONDS (${timeoutSeconds}), so ZEGO_TIMEOUT_MS at most ${most}`,
    );
  }
}

function checkIntervals(env: Env): { checkIntervalMs: number; checkIntervalMaxMs: number } {
  const checkIntervalSeconds = integer(env, 'CHECK_INTERVAL_SECONDS', DEFAULTS.CHECK_INTERVAL_SECONDS, 1, 86_400);
  const checkIntervalMaxSeconds = integer(
    env,
    'CHECK_INTERVAL_MAX_SECONDS',
    DEFAULTS.CHECK_INTERVAL_MAX_SECONDS,
    1,
    86_400,
  );
  if (checkIntervalMaxSeconds < checkIntervalSeconds) {
    throw new ConfigError(
      `CHECK_INTERVAL_MAX_SECONDS (${checkIntervalMaxSeconds}) must not be below CHECK_INTERVAL_SECONDS (${checkIntervalSeconds})`,
    );
  }
  return { checkIntervalMs: checkIntervalSeconds * 1000, checkIntervalMaxMs: checkIntervalMaxSeconds * 1000 };
}

export function loadSweepConfig(env: Env): SweepConfig {
  const store = loadStoreConfig(env);
  const eventsTopicArn = eventsTopic(env);
  const eventBusName = eventBus(env);
  const zego: SweepConfig['zego'] = {
    appId: zegoAppId(env),
    serverSecret: secretSource(env, 'ZEGO_SERVER_SECRET'),
    apiUrl: httpUrl(env, 'ZEGO_API_URL', DEFAULTS.ZEGO_API_URL),
    timeoutMs: integer(env, 'ZEGO_TIMEOUT_MS', DEFAULTS.ZEGO_TIMEOUT_MS, 100, 60_000),
    rateLimit: integer(env, 'ZEGO_RATE_LIMIT', DEFAULTS.ZEGO_RATE_LIMIT, 1, 10_000),
  };
  sweepTimeLeft(env, zego.timeoutMs);
  return {
    ...store,
    eventsTopicArn,
    ...(eventBusName === undefined ? {} : { eventBusName }),
    zego,
    concurrency: integer(env, 'SWEEP_CONCURRENCY', DEFAULTS.SWEEP_CONCURRENCY, 1, 1000),
    ...checkIntervals(env),
    triage: onOff(env, 'SWEEP_TRIAGE', DEFAULTS.SWEEP_TRIAGE),
    listRateLimit: integer(env, 'ZEGO_DESCRIBE_TASKS_RATE_LIMIT', DEFAULTS.ZEGO_DESCRIBE_TASKS_RATE_LIMIT, 1, 10_000),
    discover: onOff(env, 'DISCOVER_TASKS', DEFAULTS.DISCOVER_TASKS),
    keepChecking: onOff(env, 'SWEEP_KEEP_CHECKING', DEFAULTS.SWEEP_KEEP_CHECKING),
  };
}

/** What functions/list.ts needs: the store, and the key its nextTokens are signed with. */
export interface ListConfig extends StoreConfig {
  /** PAGE_TOKEN_KEY: signs the listing's nextTokens; the stack sets it to its own id, which API clients never see. */
  pageTokenKey: string;
}

export function loadListConfig(env: Env): ListConfig {
  const pageTokenKey = required(env, 'PAGE_TOKEN_KEY');
  if (pageTokenKey.length < 16) throw new ConfigError('PAGE_TOKEN_KEY must be at least 16 characters');
  return { ...loadStoreConfig(env), pageTokenKey };
}

/** What functions/callback.ts needs: the table, the AppId, the CallbackSecret, and the sweep to start. */
export interface CallbackConfig extends StoreConfig {
  appId: number;
  callbackSecret: SecretConfig;
  /**
   * SWEEP_FUNCTION_NAME: the sweep function a callback starts when no run is taking work (the stack sets it);
   * unset, a hint waits for the next scheduled run.
   */
  sweepFunctionName?: string;
}

export function loadCallbackConfig(env: Env): CallbackConfig {
  const sweepFunctionName = text(env, 'SWEEP_FUNCTION_NAME');
  // Lambda: a function name is 1-64 letters, digits, - and _ (or an ARN, up to 140 characters).
  if (sweepFunctionName !== undefined && !/^[A-Za-z0-9:_.-]{1,140}$/.test(sweepFunctionName))
    throw new ConfigError(`SWEEP_FUNCTION_NAME is not a Lambda function name or ARN: "${sweepFunctionName}"`);
  return {
    ...loadStoreConfig(env),
    appId: zegoAppId(env),
    callbackSecret: secretSource(env, 'ZEGO_CALLBACK_SECRET'),
    ...(sweepFunctionName === undefined ? {} : { sweepFunctionName }),
  };
}
