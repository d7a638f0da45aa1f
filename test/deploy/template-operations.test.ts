// How the stack is operated (infra/alarms.yml, infra/dashboard.yml, the log groups): every alarm, the sweep's
// and the callback's, on a metric the code really emits and sent to the ops topic with a link to its runbook
// section (docs/operations.md); the dashboard's graphs; how long logs are kept. Checked on the template
// CloudFormation would receive, packaged once by the global setup (test/support/global-setup.ts).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CALLBACK_METRICS, REFUSAL_DIMENSION, REFUSAL_REASONS } from '../../lib/callback/callback-metrics';
import { SWEEP_METRICS } from '../../lib/sweep/sweep-metrics';
import { type JsonObject, STAGE } from '../support/cloudformation';
import { REPO } from '../support/package-service';
import { loadTemplate } from '../support/template';

const { template, sweep, resource, resourcesOfType, roleOf } = loadTemplate();

/** Every custom metric a function emits: the sweep's, and the callback's own (it shares the sweep's outcome names). */
const EMITTED_METRICS = [...Object.keys(SWEEP_METRICS), ...Object.values(CALLBACK_METRICS)];

type DashboardLine = (string | JsonObject)[];
/**
 * The dashboard's widgets, its body parsed as JSON once Fn::Sub's variables are filled in: the alarm
 * threshold with its default, a resource with its logical id (so that lines can be told apart by function).
 */
function dashboardWidgets(): {
  type: string;
  properties: { title?: string; markdown?: string; metrics?: DashboardLine[] };
}[] {
  const dashboard = resource('OpsDashboard', 'AWS::CloudWatch::Dashboard');
  const sub = (dashboard.Properties.DashboardBody as { 'Fn::Sub': string })['Fn::Sub'];
  const filled = sub.replace(/\$\{SweepLagAlarmSeconds\}/g, '300').replace(/\$\{([^}]+)\}/g, (_, name: string) => name);
  return (JSON.parse(filled) as { widgets: ReturnType<typeof dashboardWidgets> }).widgets;
}
function dashboardLines(): DashboardLine[] {
  return dashboardWidgets().flatMap((w) => w.properties.metrics ?? []);
}

const alarms = () => resourcesOfType('AWS::CloudWatch::Alarm');
const alarmsOn = (namespace: string, metric: string) =>
  alarms()
    .filter(([, a]) => a.Properties.Namespace === namespace && a.Properties.MetricName === metric)
    .map(([, a]) => a);
const alarmOn = (namespace: string, metric: string) => {
  const found = alarmsOn(namespace, metric);
  expect(found, `an alarm on ${namespace} ${metric}`).toHaveLength(1);
  return found[0]!;
};
const sweepEnv = () => (sweep().Properties.Environment as { Variables: JsonObject }).Variables;
const onFunction = (fn: string) => [{ Name: 'FunctionName', Value: { Ref: `${fn}LambdaFunction` } }];
/** The alarms on one metric, with their logical ids. */
const alarmEntriesOn = (namespace: string, metric: string) =>
  alarms().filter(([, a]) => a.Properties.Namespace === namespace && a.Properties.MetricName === metric);
const service = [{ Name: 'service', Value: `recwatch-${STAGE}` }];

describe('alarms', () => {
  it('alarms on a failing, throttled or idle sweep, failed schedules, configuration errors, lag, publish failures', () => {
    // Act + Assess
    for (const metric of ['Throttles', 'Invocations', 'DestinationDeliveryFailures']) {
      expect(alarmOn('AWS/Lambda', metric).Properties.Dimensions).toEqual(onFunction('Sweep'));
    }
    // Errors: one alarm for the sweep and one for the callback function (the callback's, below).
    expect(alarmsOn('AWS/Lambda', 'Errors').map((a) => a.Properties.Dimensions)).toEqual([
      onFunction('Sweep'),
      onFunction('Callback'),
    ]);
    expect(alarmOn('AWS/Lambda', 'Invocations').Properties).toMatchObject({
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
    expect(alarmOn('AWS/Events', 'FailedInvocations').Properties.Dimensions).toEqual([
      { Name: 'RuleName', Value: { Ref: 'SweepEventsRuleSchedule1' } },
    ]);
    for (const metric of ['ZegoConfigErrors', 'PublishFailures', 'RateRefusals']) {
      expect(alarmOn('recwatch', metric).Properties).toMatchObject({
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
    const lag = alarmOn('recwatch', 'SweepLag').Properties;
    expect(lag).toMatchObject({
      Statistic: 'Maximum',
      Threshold: { Ref: 'SweepLagAlarmSeconds' },
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(template.Parameters.SweepLagAlarmSeconds).toMatchObject({ Type: 'Number', Default: '300' });
    const apiName = resource('ApiGatewayRestApi', 'AWS::ApiGateway::RestApi').Properties.Name;
    expect(alarmOn('AWS/ApiGateway', '5XXError').Properties.Dimensions).toEqual([{ Name: 'ApiName', Value: apiName }]);
  });

  it('sends every alarm to the ops topic, which an email address can subscribe to through a stack parameter', () => {
    // Act + Assess
    for (const [id, alarm] of alarms()) expect(alarm.Properties.AlarmActions, id).toEqual([{ Ref: 'OpsTopic' }]);
    resource('OpsTopic', 'AWS::SNS::Topic');
    const subscription = resource('OpsEmailSubscription', 'AWS::SNS::Subscription');
    expect(subscription.Condition).toBe('HasOpsEmail');
    expect(subscription.Properties).toMatchObject({
      Protocol: 'email',
      Endpoint: { Ref: 'OpsEmail' },
      TopicArn: { Ref: 'OpsTopic' },
    });
    expect(template.Parameters.OpsEmail).toMatchObject({ Type: 'String', Default: '' });
    expect(template.Conditions.HasOpsEmail).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'OpsEmail' }, ''] }] });
  });

  it('delivers a failed scheduled sweep to the ops topic, and lets the sweep role publish there', () => {
    // Act
    const config = resource('SweepLambdaEvConf', 'AWS::Lambda::EventInvokeConfig').Properties;

    // Assess
    expect(config).toMatchObject({
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnFailure: { Destination: { Ref: 'OpsTopic' } } },
    });

    // Act: the sweep role's SNS statements.
    const sns = roleOf('Sweep').get('sns')!;

    // Assess
    expect(sns).toHaveLength(1);
    expect(sns[0]!.actions).toEqual(['sns:Publish']);
  });

  it('watches only metrics the sweep or the callback really emits, under the namespace and service they really use', () => {
    // Act
    const env = sweepEnv();
    const custom = alarms().filter(([, a]) => a.Properties.Namespace === env.POWERTOOLS_METRICS_NAMESPACE);

    // Assess
    expect(custom.length).toBeGreaterThanOrEqual(5);
    for (const [id, alarm] of custom) {
      expect(EMITTED_METRICS, id).toContain(alarm.Properties.MetricName);
      expect(alarm.Properties.Dimensions, id).toEqual([{ Name: 'service', Value: env.POWERTOOLS_SERVICE_NAME }]);
    }
    expect(env.POWERTOOLS_SERVICE_NAME).toBe(`recwatch-${STAGE}`);
    expect(env.LOG_LEVEL).toBe('INFO');
  });

  it('alarms on a run of refused callbacks: the total, 5 or more in 2 of 3 five-minute periods, to the ops topic', () => {
    // Act
    const found = alarmEntriesOn('recwatch', CALLBACK_METRICS.refused);

    // Assess
    expect(found).toHaveLength(1);
    const [id, alarm] = found[0]!;
    expect(id).toBe('CallbacksRefusedAlarm');
    expect(alarm.Properties).toMatchObject({
      AlarmName: `recwatch-${STAGE}-callbacks-refused`,
      // The total (service only): the split by reason is a second set of metrics, not summed here.
      Dimensions: service,
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      Threshold: 5,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: 'OpsTopic' }],
      OKActions: [{ Ref: 'OpsTopic' }],
    });
    expect(JSON.stringify(alarm.Properties.Dimensions)).not.toContain(REFUSAL_DIMENSION);
    expect(String(alarm.Properties.AlarmDescription)).toContain('docs/operations.md#callbacks-refused');
  });

  it('alarms when the callback function keeps failing (ZEGO retries a push only twice), as a warning like the sweep', () => {
    // Act
    const found = alarmEntriesOn('AWS/Lambda', 'Errors').filter(
      ([, a]) =>
        JSON.stringify(a.Properties.Dimensions) ===
        JSON.stringify([{ Name: 'FunctionName', Value: { Ref: 'CallbackLambdaFunction' } }]),
    );

    // Assess
    expect(found).toHaveLength(1);
    const [, alarm] = found[0]!;
    expect(alarm.Properties).toMatchObject({
      AlarmName: `recwatch-${STAGE}-callback-failing`,
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: 'OpsTopic' }],
      OKActions: [{ Ref: 'OpsTopic' }],
    });
    expect(String(alarm.Properties.AlarmDescription)).toContain('docs/operations.md#callback-failing');
  });

  it('links every alarm to the runbook section that says what it means and what to do', async () => {
    // Prepare: the runbook's sections.
    const runbook = await readFile(join(REPO, 'docs/operations.md'), 'utf8');
    const sections = new Set([...runbook.matchAll(/^## (\S+)$/gm)].map((m) => m[1]));

    // Act + Assess
    for (const [id, alarm] of alarms()) {
      const anchor = /docs\/operations\.md#([\w-]+)/.exec(String(alarm.Properties.AlarmDescription))?.[1];
      expect(anchor, id).toBeDefined();
      expect(sections, `${id} → #${anchor}`).toContain(anchor);
    }
  });

  it('has a runbook section for the refused-callbacks alarm that explains every refusal reason', async () => {
    // Act
    const runbook = await readFile(join(REPO, 'docs/operations.md'), 'utf8');
    const section = /^## callbacks-refused$([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(runbook)?.[1];

    // Assess
    expect(section, 'the callbacks-refused section').toBeDefined();
    for (const reason of REFUSAL_REASONS) expect(section, reason).toContain(`\`${reason}\``);
    expect(section).toContain('aws ssm put-parameter --overwrite');
    expect(section).toContain(`\`${REFUSAL_DIMENSION}\``);
  });
});

describe('dashboard', () => {
  it('has a dashboard of the sweep, its errors and the API, naming only emitted metrics', () => {
    // Act
    const lines = dashboardLines();
    const custom = lines.filter((m) => m[0] === 'recwatch').map((m) => m[1] as string);

    // Assess
    for (const name of custom) expect(EMITTED_METRICS).toContain(name);
    for (const name of [
      'PeakRequestsPerSecond',
      'RateLimit',
      'SweepLag',
      'TasksChecked',
      'OpenTasks',
      'RecordingsCompleted',
      'ZegoConfigErrors',
      'ZegoTransientErrors',
      'ZegoTaskErrors',
      'RateRefusals',
      'PublishFailures',
      'SweepDuration',
    ]) {
      expect(custom, name).toContain(name);
    }
    expect(lines.some((m) => m[0] === 'AWS/ApiGateway')).toBe(true);
    expect(lines.some((m) => m[0] === 'AWS/Lambda' && m[1] === 'Errors')).toBe(true);
  });

  it('has dashboard graphs of callbacks received, acted on, ignored and refused, by service', () => {
    // Act
    const lines = dashboardLines().filter(
      (m) => m[0] === 'recwatch' && Object.values(CALLBACK_METRICS).includes(m[1] as never),
    );

    // Assess
    for (const name of Object.values(CALLBACK_METRICS)) {
      const line = lines.find((m) => m[1] === name);
      expect(line, name).toBeDefined();
      expect(line!.slice(2, 4), name).toEqual(['service', `recwatch-${STAGE}`]);
      expect((line![4] as JsonObject).stat, name).toBe('Sum');
    }
  });

  it('graphs refused callbacks by reason: a search over the reason dimension of the service', () => {
    // Act
    const expressions = dashboardLines()
      .flatMap((m) =>
        m.filter((part): part is JsonObject => typeof part === 'object' && typeof part.expression === 'string'),
      )
      .map((e) => String(e.expression));
    const searches = expressions
      .map((e) => /^SEARCH\('\{([^}]+)\}\s+(.*)',\s*'(\w+)',\s*(\d+)\)$/.exec(e))
      .filter((m): m is RegExpExecArray => m !== null && m[2]!.includes(`MetricName="${CALLBACK_METRICS.refused}"`));

    // Assess
    expect(searches, expressions.join('\n')).toHaveLength(1);
    const [, schema, terms, stat] = searches[0]!;
    const [namespace, ...dimensions] = schema!.split(',').map((d) => d.trim());
    expect(namespace).toBe('recwatch');
    // Exactly the dimensions the by-reason metric carries (the total, with service alone, does not match).
    expect(dimensions.sort()).toEqual([REFUSAL_DIMENSION, 'service'].sort());
    expect(terms).toContain(`service="recwatch-${STAGE}"`);
    expect(stat).toBe('Sum');
  });

  it("graphs the callback function's invocations, errors and duration", () => {
    // Act
    const ofCallback = dashboardLines().filter(
      (m) => m[0] === 'AWS/Lambda' && m[2] === 'FunctionName' && m[3] === 'CallbackLambdaFunction',
    );
    const metrics = new Set(ofCallback.map((m) => m[1]));

    // Assess
    for (const name of ['Invocations', 'Errors', 'Duration']) expect(metrics, name).toContain(name);
  });
});

describe('log retention', () => {
  it('keeps every log group for the configured retention', () => {
    // Act
    const groups = resourcesOfType('AWS::Logs::LogGroup');

    // Assess
    expect(groups.length).toBe(resourcesOfType('AWS::Lambda::Function').length);
    for (const [id, group] of groups) expect(group.Properties.RetentionInDays, id).toBe(30);
  });
});
