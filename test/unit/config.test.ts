import { describe, expect, it, vi } from 'vitest';
import { ConfigError, loadCallbackConfig, loadListConfig, loadSweepConfig } from '../../lib/config';
import { withCapturedOutput } from '../support/capture-output';

const valid = {
  TASKS_TABLE: 'recwatch-dev-tasks',
  EVENTS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:recwatch-dev-events',
  ZEGO_APP_ID: '1234567890',
  ZEGO_SERVER_SECRET_PARAM: '/recwatch/dev/zego-server-secret',
};

describe('sweep configuration', () => {
  it('applies the contract defaults', () => {
    // Act + Assess
    expect(loadSweepConfig(valid)).toEqual({
      observability: { logLevel: 'INFO', serviceName: 'recwatch', metricsNamespace: 'recwatch' },
      tasksTable: 'recwatch-dev-tasks',
      indexShards: 1,
      retentionDays: 30,
      eventsTopicArn: valid.EVENTS_TOPIC_ARN,
      zego: {
        appId: 1234567890,
        serverSecret: { kind: 'ssm', parameterName: '/recwatch/dev/zego-server-secret' },
        apiUrl: 'https://cloudrecord-api.zego.im',
        timeoutMs: 5000,
        rateLimit: 10,
      },
      concurrency: 5,
      checkIntervalMs: 30_000,
      checkIntervalMaxMs: 300_000,
      triage: true,
      listRateLimit: 10,
      discover: false,
      keepChecking: true,
    });
  });

  it('reads every variable it documents', () => {
    // Act
    const config = loadSweepConfig({
      ...valid,
      ZEGO_API_URL: 'https://cloudrecord-api-sgp.zego.im/',
      ZEGO_RATE_LIMIT: '8',
      ZEGO_TIMEOUT_MS: '2500',
      SWEEP_CONCURRENCY: '3',
      CHECK_INTERVAL_SECONDS: '10',
      CHECK_INTERVAL_MAX_SECONDS: '120',
      TASK_INDEX_SHARDS: '4',
      TASK_RETENTION_DAYS: '90',
      LOG_LEVEL: 'debug',
      POWERTOOLS_SERVICE_NAME: 'recwatch-prod',
      POWERTOOLS_METRICS_NAMESPACE: 'recwatch',
      SWEEP_TRIAGE: 'off',
      ZEGO_DESCRIBE_TASKS_RATE_LIMIT: '5',
      DISCOVER_TASKS: 'ON',
      SWEEP_KEEP_CHECKING: 'off',
      EVENT_BUS_NAME: 'recwatch-events',
    });

    // Assess
    expect(config).toMatchObject({
      eventBusName: 'recwatch-events',
      triage: false,
      listRateLimit: 5,
      discover: true,
      keepChecking: false,
      observability: { logLevel: 'DEBUG', serviceName: 'recwatch-prod', metricsNamespace: 'recwatch' },
      zego: { apiUrl: 'https://cloudrecord-api-sgp.zego.im', rateLimit: 8, timeoutMs: 2500 },
      concurrency: 3,
      checkIntervalMs: 10_000,
      checkIntervalMaxMs: 120_000,
      indexShards: 4,
      retentionDays: 90,
    });
  });

  it.each([
    [{ TASKS_TABLE: undefined }, /^TASKS_TABLE is required/],
    [{ EVENTS_TOPIC_ARN: '' }, /^EVENTS_TOPIC_ARN is required/],
    [{ EVENTS_TOPIC_ARN: 'my-topic' }, /^EVENTS_TOPIC_ARN is not an SNS topic ARN/],
    [{ ZEGO_APP_ID: undefined }, /^ZEGO_APP_ID is required/],
    [{ ZEGO_APP_ID: '4294967296' }, /^ZEGO_APP_ID must be an unsigned 32-bit integer/],
    [{ ZEGO_APP_ID: '-1' }, /^ZEGO_APP_ID must be/],
    [{ ZEGO_APP_ID: '12ab' }, /^ZEGO_APP_ID must be/],
    [{ ZEGO_SERVER_SECRET_PARAM: undefined }, /^ZEGO_SERVER_SECRET_PARAM \(or ZEGO_SERVER_SECRET/],
    [{ ZEGO_SERVER_SECRET: 'abc' }, /set only one of ZEGO_SERVER_SECRET and ZEGO_SERVER_SECRET_PARAM/],
    [{ ZEGO_API_URL: 'not a url' }, /^ZEGO_API_URL must be an http\(s\) URL/],
    [{ ZEGO_API_URL: 'ftp://x' }, /^ZEGO_API_URL must be an http\(s\) URL/],
    [{ ZEGO_RATE_LIMIT: '0' }, /^ZEGO_RATE_LIMIT must be a whole number from 1/],
    [{ ZEGO_RATE_LIMIT: '10.5' }, /^ZEGO_RATE_LIMIT must be a whole number/],
    [{ ZEGO_TIMEOUT_MS: 'soon' }, /^ZEGO_TIMEOUT_MS/],
    [{ SWEEP_CONCURRENCY: '0' }, /^SWEEP_CONCURRENCY/],
    [
      { CHECK_INTERVAL_SECONDS: '60', CHECK_INTERVAL_MAX_SECONDS: '30' },
      /^CHECK_INTERVAL_MAX_SECONDS \(30\) must not be below/,
    ],
    [{ TASK_INDEX_SHARDS: '65' }, /^TASK_INDEX_SHARDS/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL must be one of DEBUG, INFO, WARN, ERROR, SILENT/],
    [{ POWERTOOLS_SERVICE_NAME: 'has space' }, /^POWERTOOLS_SERVICE_NAME must be/],
    [{ SWEEP_TRIAGE: 'yes' }, /^SWEEP_TRIAGE must be "on" or "off", got "yes"/],
    [{ DISCOVER_TASKS: '1' }, /^DISCOVER_TASKS must be "on" or "off"/],
    [{ SWEEP_KEEP_CHECKING: 'true' }, /^SWEEP_KEEP_CHECKING must be "on" or "off"/],
    [{ ZEGO_DESCRIBE_TASKS_RATE_LIMIT: '0' }, /^ZEGO_DESCRIBE_TASKS_RATE_LIMIT must be a whole number from 1/],
    [{ ZEGO_TIMEOUT_MS: '14001' }, /^ZEGO_TIMEOUT_MS \(14001\) leaves the sweep too little time: .* at most 14000$/],
    [{ ZEGO_TIMEOUT_MS: '40000' }, /^ZEGO_TIMEOUT_MS \(40000\) leaves the sweep too little time/],
    [{ ZEGO_TIMEOUT_MS: '20000', SWEEP_TIMEOUT_SECONDS: '60' }, /^ZEGO_TIMEOUT_MS \(20000\)/],
    [{ SWEEP_TIMEOUT_SECONDS: '901' }, /^SWEEP_TIMEOUT_SECONDS must be a whole number from 10/],
    [{ EVENT_BUS_NAME: 'my bus' }, /^EVENT_BUS_NAME is neither an EventBridge bus name nor an event bus ARN/],
    [{ EVENT_BUS_NAME: 'arn:aws:sns:eu-west-1:123456789012:t' }, /^EVENT_BUS_NAME is neither/],
  ])('rejects %j with one line naming the variable', (change, message) => {
    // Prepare
    const env: Record<string, string | undefined> = { ...valid, ...change };

    // Act
    let error: unknown;
    try {
      loadSweepConfig(env);
    } catch (caught) {
      error = caught;
    }

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('takes the longest ZEGO_TIMEOUT_MS that leaves half of SWEEP_TIMEOUT_SECONDS to work', () => {
    // Act
    const deployed = loadSweepConfig({ ...valid, ZEGO_TIMEOUT_MS: '14000' });
    const longer = loadSweepConfig({ ...valid, ZEGO_TIMEOUT_MS: '40000', SWEEP_TIMEOUT_SECONDS: '900' });

    // Assess
    expect(deployed.zego.timeoutMs).toBe(14_000);
    expect(longer.zego.timeoutMs).toBe(40_000);
  });

  it('takes an event bus ARN, and treats an empty EVENT_BUS_NAME as off', () => {
    // Prepare
    const arn = 'arn:aws:events:eu-west-1:123456789012:event-bus/recwatch';

    // Act
    const withArn = loadSweepConfig({ ...valid, EVENT_BUS_NAME: arn });
    const empty = loadSweepConfig({ ...valid, EVENT_BUS_NAME: '' });

    // Assess
    expect(withArn.eventBusName).toBe(arn);
    expect(empty).not.toHaveProperty('eventBusName');
  });

  it('never repeats the secret in an error', () => {
    // Prepare
    const secret = '9193cc662a4c0ec135ec71fb57194b38';

    // Act + Assess
    expect(() => loadSweepConfig({ ...valid, ZEGO_SERVER_SECRET: secret })).toThrow(/^set only one/);
    try {
      loadSweepConfig({ ...valid, ZEGO_SERVER_SECRET: secret });
    } catch (error) {
      expect((error as Error).message).not.toContain(secret);
    }
  });
});

describe('callback configuration', () => {
  const callbackEnv = {
    TASKS_TABLE: valid.TASKS_TABLE,
    ZEGO_APP_ID: valid.ZEGO_APP_ID,
    ZEGO_CALLBACK_SECRET_PARAM: '/recwatch/dev/zego-callback-secret',
  };

  it('applies the defaults, and reads the CallbackSecret from SSM or directly', () => {
    // Act + Assess
    expect(loadCallbackConfig(callbackEnv)).toEqual({
      observability: { logLevel: 'INFO', serviceName: 'recwatch', metricsNamespace: 'recwatch' },
      tasksTable: 'recwatch-dev-tasks',
      indexShards: 1,
      retentionDays: 30,
      appId: 1234567890,
      callbackSecret: { kind: 'ssm', parameterName: '/recwatch/dev/zego-callback-secret' },
    });
    expect(loadCallbackConfig({ ...callbackEnv, SWEEP_FUNCTION_NAME: 'recwatch-prod-sweep' }).sweepFunctionName).toBe(
      'recwatch-prod-sweep',
    );
    const local = loadCallbackConfig({
      ...callbackEnv,
      ZEGO_CALLBACK_SECRET_PARAM: undefined,
      ZEGO_CALLBACK_SECRET: ' local-secret ',
    });
    expect(local.callbackSecret).toEqual({ kind: 'value', value: 'local-secret' });
  });

  it.each([
    [
      { ZEGO_CALLBACK_SECRET_PARAM: undefined },
      /^ZEGO_CALLBACK_SECRET_PARAM \(or ZEGO_CALLBACK_SECRET for local use\) is required/,
    ],
    [{ ZEGO_CALLBACK_SECRET: 'x' }, /^set only one of ZEGO_CALLBACK_SECRET and ZEGO_CALLBACK_SECRET_PARAM/],
    [{ ZEGO_CALLBACK_SECRET_PARAM: 'has space' }, /^ZEGO_CALLBACK_SECRET_PARAM is not a valid SSM parameter name/],
    [{ ZEGO_APP_ID: undefined }, /^ZEGO_APP_ID is required/],
    [{ SWEEP_FUNCTION_NAME: 'no spaces allowed' }, /^SWEEP_FUNCTION_NAME is not a Lambda function name/],
  ])('rejects %j with one line naming the variable', (change, message) => {
    // Act + Assess
    expect(() => loadCallbackConfig({ ...callbackEnv, ...change })).toThrow(message);
  });

  it('does not need the ServerSecret', () => {
    // Act + Assess
    expect(() => loadCallbackConfig(callbackEnv)).not.toThrow();
  });
});

describe('list configuration', () => {
  it('needs a PAGE_TOKEN_KEY of 16 characters or more, to sign the nextTokens', () => {
    // Act + Assess
    expect(
      loadListConfig({ TASKS_TABLE: 'recwatch-dev-tasks', PAGE_TOKEN_KEY: 'arn:aws:cloudformation:x' }).pageTokenKey,
    ).toBe('arn:aws:cloudformation:x');
    expect(() => loadListConfig({ TASKS_TABLE: 'recwatch-dev-tasks' })).toThrow(/^PAGE_TOKEN_KEY is required/);
    expect(() => loadListConfig({ TASKS_TABLE: 'recwatch-dev-tasks', PAGE_TOKEN_KEY: 'short' })).toThrow(
      /^PAGE_TOKEN_KEY must be at least 16 characters/,
    );
  });
});

describe('cold start of functions/sweep.ts', () => {
  it('fails the import with one JSON log line naming the missing variable', async () => {
    // Prepare
    const saved = { ...process.env };
    let lines: string[];

    // Act: import the sweep without ZEGO_APP_ID (its rejection is checked inside, while the output is captured).
    try {
      ({ lines } = await withCapturedOutput(async () => {
        Object.assign(process.env, valid);
        delete process.env.ZEGO_APP_ID;
        vi.resetModules();
        await expect(import('../../functions/sweep')).rejects.toThrow('ZEGO_APP_ID is required but not set');
      }));
    } finally {
      process.env = saved;
    }

    // Assess
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 'error',
      message: 'cold start failed',
      error: { name: 'ConfigError', message: 'ZEGO_APP_ID is required but not set' },
    });
  });
});
