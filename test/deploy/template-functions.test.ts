// The sweep and the callback functions as deployed (serverless.yml's functions): runtime, size, timeout,
// schedule, environment, asynchronous invocation settings and the stack parameters that feed them. Checked
// on the template CloudFormation would receive, packaged once by the global setup (no AWS credentials, no
// network; test/support/global-setup.ts).
import { describe, expect, it } from 'vitest';
import { loadCallbackConfig, loadSweepConfig } from '../../lib/config';
import { stopReserveMs } from '../../lib/sweep/run-inputs';
import { type Json, type JsonObject, STAGE } from '../support/cloudformation';
import { loadTemplate } from '../support/template';

const { template, sweep, callback, resourcesOfType, evaluate } = loadTemplate();

describe('sweep function', () => {
  it('runs on Node.js 22 or newer, 256 MB, with a 60 s timeout above the sweep budget', () => {
    // Act
    const { Properties: p } = sweep();
    const runtime = /^nodejs(\d+)\.x$/.exec(String(p.Runtime));

    // Assess
    expect(runtime, `runtime ${String(p.Runtime)}`).not.toBeNull();
    expect(Number(runtime![1])).toBeGreaterThanOrEqual(22);
    expect(p.Handler).toBe('functions/sweep.handler');
    expect(p.MemorySize).toBe(256);
    expect(p.Timeout).toBe(60);
    // The sweep stops taking work while it still has two ZEGO attempts (2 × ZEGO_TIMEOUT_MS) plus 2 s of
    // writes left (lib/sweep/engine.ts); the timeout must cover that reserve and leave most of the run
    // for actual work.
    const env = p.Environment as { Variables: JsonObject };
    const reserveMs = stopReserveMs(Number(env.Variables.ZEGO_TIMEOUT_MS));
    expect(Number(p.Timeout) * 1000).toBeGreaterThan(2 * reserveMs);
  });

  it('is scheduled every minute, enabled', () => {
    // Act
    const rules = resourcesOfType('AWS::Events::Rule').filter(([, rule]) =>
      (rule.Properties.Targets as JsonObject[]).some(
        (t) => JSON.stringify(t.Arn) === JSON.stringify({ 'Fn::GetAtt': ['SweepLambdaFunction', 'Arn'] }),
      ),
    );

    // Assess
    expect(rules).toHaveLength(1);
    expect(rules[0]![1].Properties).toMatchObject({ ScheduleExpression: 'rate(1 minute)', State: 'ENABLED' });

    // Act: the permission to invoke it.
    const permissions = resourcesOfType('AWS::Lambda::Permission').filter(
      ([, perm]) => perm.Properties.Principal === 'events.amazonaws.com',
    );

    // Assess
    expect(permissions).toHaveLength(1);
  });

  it('is never retried after a failed asynchronous invocation', () => {
    // Act
    const configs = resourcesOfType('AWS::Lambda::EventInvokeConfig').filter(
      ([, c]) => JSON.stringify(c.Properties.FunctionName) === JSON.stringify({ Ref: 'SweepLambdaFunction' }),
    );

    // Assess
    expect(configs).toHaveLength(1);
    expect(configs[0]![1].Properties.MaximumRetryAttempts).toBe(0);
  });

  it('reserves concurrency only when the SweepReservedConcurrency stack parameter is above 0', () => {
    // Act + Assess
    expect(template.Parameters.SweepReservedConcurrency).toMatchObject({ Type: 'Number', Default: '0', MinValue: 0 });

    // Act: the sweep's reserved concurrency.
    const reserved = sweep().Properties.ReservedConcurrentExecutions as { 'Fn::If': [string, Json, Json] };

    // Assess
    expect(reserved['Fn::If']).toBeDefined();
    const [condition, whenTrue, whenFalse] = reserved['Fn::If'];
    expect(whenTrue).toEqual({ Ref: 'SweepReservedConcurrency' });
    expect(whenFalse).toEqual({ Ref: 'AWS::NoValue' });
    expect(template.Conditions[condition]).toEqual({
      'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'SweepReservedConcurrency' }, '0'] }],
    });
  });

  it('gets its configuration from the stack, the ServerSecret only by SSM parameter name', () => {
    // Act
    const variables = (sweep().Properties.Environment as { Variables: JsonObject }).Variables;

    // Assess
    expect(variables).toEqual({
      LOG_LEVEL: 'INFO',
      POWERTOOLS_SERVICE_NAME: `recwatch-${STAGE}`,
      POWERTOOLS_METRICS_NAMESPACE: 'recwatch',
      TASKS_TABLE: { Ref: 'TasksTable' },
      TASK_INDEX_SHARDS: '1',
      TASK_RETENTION_DAYS: '30',
      EVENTS_TOPIC_ARN: { Ref: 'EventsTopic' },
      EVENT_BUS_NAME: { Ref: 'EventBusName' },
      ZEGO_APP_ID: { Ref: 'ZegoAppId' },
      ZEGO_SERVER_SECRET_PARAM: { Ref: 'ZegoSecretParam' },
      ZEGO_API_URL: 'https://cloudrecord-api.zego.im',
      ZEGO_RATE_LIMIT: '10',
      ZEGO_TIMEOUT_MS: '5000',
      SWEEP_CONCURRENCY: '5',
      CHECK_INTERVAL_SECONDS: '30',
      CHECK_INTERVAL_MAX_SECONDS: '300',
      SWEEP_TRIAGE: 'on',
      ZEGO_DESCRIBE_TASKS_RATE_LIMIT: '10',
      DISCOVER_TASKS: 'off',
      SWEEP_KEEP_CHECKING: 'on',
      SWEEP_TIMEOUT_SECONDS: '60',
    });

    // Act + Assess: the defaults the stack deploys are the ones the code applies without them.
    const defaults = loadSweepConfig({
      TASKS_TABLE: 't-x-y',
      EVENTS_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:t',
      ZEGO_APP_ID: '1',
      ZEGO_SERVER_SECRET_PARAM: '/p',
    });
    expect(
      loadSweepConfig({
        ...(variables as Record<string, string>),
        TASKS_TABLE: 't-x-y',
        EVENTS_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:t',
        ZEGO_APP_ID: '1',
        ZEGO_SERVER_SECRET_PARAM: '/p',
        // The parameter's default: no bus.
        EVENT_BUS_NAME: evaluate(variables.EVENT_BUS_NAME!),
        POWERTOOLS_SERVICE_NAME: 'recwatch',
      }),
    ).toEqual(defaults);
    expect(evaluate(variables.ZEGO_SERVER_SECRET_PARAM!)).toBe(`/recwatch/${STAGE}/zego-server-secret`);
  });

  it('cannot be deployed without a ZEGO AppId, yet packages without one, with a default its own pattern allows', () => {
    // Act
    const appId = template.Parameters.ZegoAppId!;

    // Assess
    expect(appId.Type).toBe('String');
    const pattern = new RegExp(String(appId.AllowedPattern));
    expect(appId.Default).toBe('');
    expect(pattern.test(''), 'the default must pass the pattern (cfn-lint E2015)').toBe(true);
    expect(pattern.test('1234567890')).toBe(true);
    expect(pattern.test('0')).toBe(false);
    expect(pattern.test('12ab')).toBe(false);
    // The same range as lib/config.ts: an AppId the template takes is one every cold start takes.
    const codeTakes = (appId: string) => {
      try {
        loadCallbackConfig({
          TASKS_TABLE: 'recwatch-dev-tasks',
          ZEGO_APP_ID: appId,
          ZEGO_CALLBACK_SECRET: 'x'.repeat(32),
        });
        return true;
      } catch {
        return false;
      }
    };
    const samples = ['1', '9', '10', '999999999', '1000000000', '3999999999', '4099999999', '4289999999'];
    samples.push('4293999999', '4294899999', '4294959999', '4294966999', '4294967199', '4294967289', '4294967295');
    samples.push('4294967296', '4294967300', '4294968000', '4295000000', '4300000000', '5000000000', '9999999999');
    for (const appId of samples) expect(pattern.test(appId), appId).toBe(codeTakes(appId));
    expect(pattern.test('4294967295')).toBe(true);
    expect(pattern.test('4294967296')).toBe(false);
    expect(String(appId.ConstraintDescription)).toContain('zegoAppId');

    // Act: a CloudFormation Rule refuses the deploy, before any change, while the AppId is empty.
    const rules = (
      template as unknown as {
        Rules: Record<string, { Assertions: Array<{ Assert: unknown; AssertDescription: string }> }>;
      }
    ).Rules;

    // Assess
    expect(rules.ZegoAppIdGiven!.Assertions).toEqual([
      {
        Assert: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'ZegoAppId' }, ''] }] },
        AssertDescription: expect.stringContaining('--param zegoAppId='),
      },
    ]);
  });
});

// --- the callback function (POST /callbacks/zego) ------------------------------------------------------

describe('callback function', () => {
  it('runs functions/callback.handler on the sweep runtime, 256 MB, in its own role, within 10 s', () => {
    // Act
    const { Properties: p } = callback();

    // Assess
    expect(p.Handler).toBe('functions/callback.handler');
    expect(p.Runtime).toBe(sweep().Properties.Runtime);
    expect(p.MemorySize).toBe(256);
    // ZEGO retries a failed delivery only twice, 5 s apart: an answer must come quickly, or not hang on.
    expect(Number(p.Timeout)).toBeGreaterThan(0);
    expect(Number(p.Timeout)).toBeLessThanOrEqual(10);
    expect(p.Role).toEqual({ 'Fn::GetAtt': ['CallbackRole', 'Arn'] });
  });

  it('gets the store, the AppId, the sweep to start and the CallbackSecret only by SSM parameter name; no topic', () => {
    // Act
    const variables = (callback().Properties.Environment as { Variables: JsonObject }).Variables;
    const sweepVariables = (sweep().Properties.Environment as { Variables: JsonObject }).Variables;

    // Assess
    expect(variables).toEqual({
      LOG_LEVEL: 'INFO',
      POWERTOOLS_SERVICE_NAME: `recwatch-${STAGE}`,
      POWERTOOLS_METRICS_NAMESPACE: 'recwatch',
      TASKS_TABLE: { Ref: 'TasksTable' },
      TASK_INDEX_SHARDS: '1',
      TASK_RETENTION_DAYS: '30',
      ZEGO_APP_ID: { Ref: 'ZegoAppId' },
      ZEGO_CALLBACK_SECRET_PARAM: { Ref: 'ZegoCallbackSecretParam' },
      SWEEP_FUNCTION_NAME: `recwatch-${STAGE}-sweep`,
    });
    for (const name of ['ZEGO_APP_ID', 'TASKS_TABLE', 'TASK_INDEX_SHARDS']) {
      expect(variables[name], name).toEqual(sweepVariables[name]);
    }
    expect(evaluate(variables.ZEGO_CALLBACK_SECRET_PARAM!)).toBe(`/recwatch/${STAGE}/zego-callback-secret`);
  });

  it('starts sweeps whose events expire after a minute and are never retried', () => {
    // Act
    const config = resourcesOfType('AWS::Lambda::EventInvokeConfig').find(([, r]) =>
      JSON.stringify(r.Properties.FunctionName).includes('SweepLambdaFunction'),
    );

    // Assess
    expect(config?.[1].Properties).toMatchObject({ MaximumEventAgeInSeconds: 60, MaximumRetryAttempts: 0 });
  });

  it('takes the CallbackSecret parameter name from a stack parameter, checked like the ServerSecret one', () => {
    // Act
    const parameter = template.Parameters.ZegoCallbackSecretParam!;

    // Assess
    expect(parameter).toMatchObject({ Type: 'String', Default: `/recwatch/${STAGE}/zego-callback-secret` });
    const serverSecret = template.Parameters.ZegoSecretParam!;
    expect(parameter.AllowedPattern).toBe(serverSecret.AllowedPattern);
    const pattern = new RegExp(String(parameter.AllowedPattern));
    expect(pattern.test(String(parameter.Default))).toBe(true);
    for (const bad of ['', 'zego-callback-secret', '/recwatch/dev/', 'arn:aws:ssm:us-east-1:123456789012:parameter/x'])
      expect(pattern.test(bad), bad).toBe(false);
    expect(String(parameter.ConstraintDescription)).toContain('SSM SecureString');
  });
});
