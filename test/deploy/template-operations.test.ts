// How the stack is operated (infra/alarms.yml, infra/dashboard.yml, the log groups): every alarm, the sweep's
// and the callback's, on a metric the code really emits and sent to the ops topic with a link to its runbook
// section (docs/operations.md), with a deliberate TreatMissingData; the custom metrics held to what an alarm or
// the dashboard reads, and within the budget CloudWatch bills; the optional dashboard's graphs; how long logs
// are kept. Checked on the template
// CloudFormation would receive, packaged once by the global setup (test/support/global-setup.ts).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CALLBACK_METRICS, REFUSAL_REASONS } from '../../lib/callback/callback-metrics';
import { CUSTOM_METRIC_BUDGET } from '../../lib/metrics';
import { SWEEP_METRICS } from '../../lib/sweep/sweep-metrics';
import { holds, type Json, type JsonObject, STAGE } from '../support/cloudformation';
import { REPO } from '../support/package-service';
import { loadTemplate } from '../support/template';

const { template, sweep, resource, resourcesOfType, roleOf } = loadTemplate();

/** Every custom metric a function can publish: the sweep's, and the callback's own. */
const EMITTED_METRICS = [...Object.keys(SWEEP_METRICS), ...Object.values(CALLBACK_METRICS)];

type DashboardLine = (string | JsonObject)[];
/**
 * The dashboard's widgets, its body parsed as JSON once Fn::Sub's variables are filled in: the alarm
 * threshold with its default, a resource with its logical id (so that lines can be told apart by function).
 */
function dashboardWidgets(): {
  type: string;
  properties: { title?: string; markdown?: string; metrics?: DashboardLine[]; query?: string };
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
      // The total (service only): no reason dimension, which would bill one metric per reason.
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

  it('sets TreatMissingData on every alarm on purpose: breaching only where missing data is the symptom', async () => {
    // Prepare: the runbook's table of missing-data choices.
    const runbook = await readFile(join(REPO, 'docs/operations.md'), 'utf8');

    // Act + Assess
    for (const [id, alarm] of alarms()) {
      const treat = alarm.Properties.TreatMissingData;
      expect(['breaching', 'notBreaching', 'ignore', 'missing'], id).toContain(treat);
      // Custom metrics are published only when not zero: missing is "none of them" there.
      if (alarm.Properties.Namespace === 'recwatch') expect(treat, id).toBe('notBreaching');
      const name = String(alarm.Properties.AlarmName).replace(`recwatch-${STAGE}-`, '');
      expect(runbook, `${name}'s missing-data choice in docs/operations.md`).toMatch(
        new RegExp(`^\\| \`${name}\` \\|.*\\| \`${treat}\``, 'm'),
      );
    }
    expect(alarmOn('AWS/Lambda', 'Invocations').Properties.TreatMissingData).toBe('breaching');
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
    // The split by reason is a Logs Insights query on the "callback refused" lines, not a metric dimension.
    expect(section).toContain('stats count() by reason');
  });
});

describe('dashboard', () => {
  it('is optional: the dashboard parameter, off by default, deploys it only when on', () => {
    // Act
    const dashboard = resource('OpsDashboard', 'AWS::CloudWatch::Dashboard');
    const condition = template.Conditions[dashboard.Condition!];

    // Assess
    expect(dashboard.Condition).toBe('HasDashboard');
    expect(template.Parameters.Dashboard).toMatchObject({
      Type: 'String',
      Default: 'off',
      AllowedValues: ['on', 'off'],
    });
    expect(condition, 'the dashboard condition').toBeDefined();
    expect(holds(condition!, { Dashboard: 'on' }, template.Conditions)).toBe(true);
    expect(holds(condition!, { Dashboard: 'off' }, template.Conditions)).toBe(false);
    // A deploy without the parameter: its default.
    expect(holds(condition!, { Dashboard: String(template.Parameters.Dashboard!.Default) }, template.Conditions)).toBe(
      false,
    );
    // Nothing else hangs on it (no output or resource would vanish with it unnoticed).
    for (const [id, r] of Object.entries(template.Resources))
      if (id !== 'OpsDashboard') expect(r.Condition, id).not.toBe('HasDashboard');
  });

  it('has a dashboard of the sweep, its errors and the API, naming only metrics the code publishes', () => {
    // Act
    const lines = dashboardLines();
    const custom = lines.filter((m) => m[0] === 'recwatch').map((m) => m[1] as string);

    // Assess
    for (const name of custom) expect(EMITTED_METRICS).toContain(name);
    for (const name of [
      'PeakRequestsPerSecond',
      'SweepLag',
      'TasksChecked',
      'OpenTasks',
      'EventsPublished',
      'ZegoConfigErrors',
      'ZegoTransientErrors',
      'CandidatesDropped',
      'RateRefusals',
      'PublishFailures',
    ]) {
      expect(custom, name).toContain(name);
    }
    // The rate limit is configuration, a line on the requests graph; the run's duration is Lambda's own.
    const requests = dashboardWidgets().find((w) =>
      w.properties.metrics?.some((m) => m[1] === 'PeakRequestsPerSecond'),
    );
    const annotations = (requests!.properties as { annotations?: { horizontal?: { value: Json }[] } }).annotations;
    expect(annotations?.horizontal?.[0]?.value).toBe(10);
    expect(lines.some((m) => m[0] === 'AWS/Lambda' && m[1] === 'Duration' && m[3] === 'SweepLambdaFunction')).toBe(
      true,
    );
    expect(lines.some((m) => m[0] === 'AWS/ApiGateway')).toBe(true);
    expect(lines.some((m) => m[0] === 'AWS/Lambda' && m[1] === 'Errors')).toBe(true);
  });

  it('graphs callbacks received (Lambda invocations), acted on, refused, and ignored as the difference', () => {
    // Act
    const widget = dashboardWidgets().find((w) =>
      w.properties.metrics?.some((m) => m[0] === 'recwatch' && m[1] === CALLBACK_METRICS.actedOn),
    );
    const lines = widget?.properties.metrics ?? [];
    const idOf = (line: DashboardLine | undefined) => (line?.at(-1) as JsonObject | undefined)?.id;

    // Assess
    for (const name of Object.values(CALLBACK_METRICS)) {
      const line = lines.find((m) => m[0] === 'recwatch' && m[1] === name);
      expect(line, name).toBeDefined();
      expect(line!.slice(2, 4), name).toEqual(['service', `recwatch-${STAGE}`]);
      expect((line![4] as JsonObject).stat, name).toBe('Sum');
    }
    const received = lines.find((m) => m[0] === 'AWS/Lambda' && m[1] === 'Invocations');
    expect(received?.slice(2, 4)).toEqual(['FunctionName', 'CallbackLambdaFunction']);
    const ignored = lines.map((m) => m[0]).find((part): part is JsonObject => typeof part === 'object');
    const ids = [received, ...Object.values(CALLBACK_METRICS).map((n) => lines.find((m) => m[1] === n))].map(idOf);
    expect(String(ignored?.expression)).toBe(`FILL(${ids[0]}, 0) - FILL(${ids[1]}, 0) - FILL(${ids[2]}, 0)`);
  });

  it('shows refused callbacks by reason from the callback log lines (no reason dimension, no metric per reason)', () => {
    // Act
    const queries = dashboardWidgets()
      .filter((w) => w.type === 'log')
      .map((w) => String(w.properties.query));

    // Assess
    const byReason = queries.filter((q) => q.includes('"callback refused"'));
    expect(byReason, queries.join('\n')).toHaveLength(1);
    expect(byReason[0]).toMatch(/^SOURCE '\/aws\/lambda\/CallbackLambdaFunction' \|/);
    expect(byReason[0]).toContain('by reason');
    for (const q of queries)
      expect(q).toMatch(/^SOURCE '\/aws\/lambda\/(Sweep|Callback)LambdaFunction' \| filter message = "/);
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

describe('custom metrics earn their place', () => {
  const used = () => {
    const byAlarm = alarms()
      .filter(([, a]) => a.Properties.Namespace === 'recwatch')
      .map(([, a]) => ({ name: String(a.Properties.MetricName), dimensions: a.Properties.Dimensions }));
    const byDashboard = dashboardLines()
      .filter((m) => m[0] === 'recwatch')
      .map((m) => ({ name: String(m[1]), dimensions: [{ Name: m[2], Value: m[3] }] as Json }));
    return { byAlarm, byDashboard };
  };

  it('publishes only metrics an alarm or the dashboard reads, and reads only metrics the code publishes', () => {
    // Act
    const { byAlarm, byDashboard } = used();
    const read = new Set([...byAlarm, ...byDashboard].map((u) => u.name));

    // Assess
    for (const name of read) expect(EMITTED_METRICS, `${name} is read but never published`).toContain(name);
    for (const name of EMITTED_METRICS) expect([...read], `${name} is published but nothing reads it`).toContain(name);
    // No search over other dimensions: every metric read is the service's one.
    for (const u of [...byAlarm, ...byDashboard]) expect(u.dimensions, u.name).toEqual(service);
    const expressions = JSON.stringify(dashboardLines().flatMap((m) => m.filter((p) => typeof p === 'object')));
    expect(expressions).not.toContain('SEARCH(');
  });

  it(`stays within ${CUSTOM_METRIC_BUDGET} custom metrics, counted as CloudWatch bills them (name × dimension values)`, () => {
    // Act
    const { byAlarm, byDashboard } = used();
    const billed = new Set([...byAlarm, ...byDashboard].map((u) => `${u.name} ${JSON.stringify(u.dimensions)}`));

    // Assess
    expect(new Set(EMITTED_METRICS).size).toBe(EMITTED_METRICS.length);
    expect(EMITTED_METRICS.length).toBeLessThanOrEqual(CUSTOM_METRIC_BUDGET);
    expect(billed.size).toBeLessThanOrEqual(CUSTOM_METRIC_BUDGET);
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
