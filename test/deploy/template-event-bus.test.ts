// EventBridge as the events' second target (infra/event-bus.yml): off by default, with no permission at all;
// with `--param eventBusName`, PutEvents on that bus only; an archive only when eventBusArchiveDays asks for
// one. Read off the default template and the global setup's eventBus variant (test/support/global-setup.ts);
// what other parameter values give is read off the same templates by evaluating their conditions.
import { describe, expect, it } from 'vitest';
import { loadSweepConfig } from '../../lib/config';
import { ACCOUNT, evaluate, holds, type Json, type JsonObject, REGION } from '../support/cloudformation';
import { VARIANTS } from '../support/global-setup';
import { loadTemplate } from '../support/template';

const BUS = VARIANTS.eventBus.params.eventBusName;
const busArn = (name: string) => `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${name}`;
const OTHER_ACCOUNT_BUS = 'arn:aws:events:us-east-1:210987654321:event-bus/central';
const plain = loadTemplate();
const withBus = loadTemplate('eventBus');

const conditions = (t: typeof plain) => t.template.Conditions as Record<string, Json>;
const conditionOf = (t: typeof plain, logicalId: string) => {
  const { Condition } = t.template.Resources[logicalId] ?? {};
  expect(Condition, `${logicalId} must be conditional`).toBeDefined();
  return conditions(t)[Condition!]!;
};
const values = (eventBusName: string, eventBusArchiveDays = '0') => ({
  EventBusName: eventBusName,
  EventBusArchiveDays: eventBusArchiveDays,
});
/** The one statement of the sweep's event bus policy, its resource evaluated for a bus named so. */
function grant(t: typeof plain, eventBusName: string) {
  const policy = t.resource('SweepEventBusPolicy', 'AWS::IAM::Policy').Properties;
  const [statement, ...others] = (policy.PolicyDocument as { Statement: JsonObject[] }).Statement;
  expect(others).toEqual([]);
  const [condition, ifArn, ifName] = (statement!.Resource as { 'Fn::If': [string, Json, Json] })['Fn::If'];
  const chosen = holds(conditions(t)[condition]!, values(eventBusName), conditions(t)) ? ifArn : ifName;
  // Evaluated as CloudFormation would with that parameter value.
  const parameters = { ...t.template.Parameters, EventBusName: { Type: 'String', Default: eventBusName } };
  const resource = evaluate({ Parameters: parameters }, chosen);
  return { roles: policy.Roles, effect: statement!.Effect, action: statement!.Action, resource };
}

describe('EventBridge, not asked for', () => {
  it('gives the sweep no EventBridge permission and makes no archive', () => {
    // Act
    const eventStatements = plain
      .statements()
      .filter(({ statement }) => [statement.Action].flat().some((action) => action.startsWith('events:')));

    // Assess: the only events: statement is the conditional policy, and its condition is false by default.
    expect(eventStatements.map(({ conditional }) => conditional)).toEqual([true]);
    expect(plain.template.Parameters.EventBusName).toMatchObject({ Type: 'String', Default: '' });
    expect(holds(conditionOf(plain, 'SweepEventBusPolicy'), values(''), conditions(plain))).toBe(false);
    expect(holds(conditionOf(plain, 'EventArchive'), values(''), conditions(plain))).toBe(false);
    expect(plain.sweep().Properties.Environment).toMatchObject({
      Variables: { EVENT_BUS_NAME: { Ref: 'EventBusName' } },
    });
  });
});

describe('EventBridge with eventBusName', () => {
  it('lets the sweep, and only the sweep, put events on that bus and no other', () => {
    // Act
    const given = grant(withBus, BUS);

    // Assess
    expect(holds(conditionOf(withBus, 'SweepEventBusPolicy'), values(BUS), conditions(withBus))).toBe(true);
    expect(given).toEqual({
      roles: [{ Ref: 'SweepRole' }],
      effect: 'Allow',
      action: 'events:PutEvents',
      resource: busArn(BUS),
    });
  });

  it("takes another account's bus by its ARN, and grants PutEvents on that ARN", () => {
    // Act + Assess
    expect(grant(withBus, OTHER_ACCOUNT_BUS).resource).toBe(OTHER_ACCOUNT_BUS);
  });

  it('archives recwatch events on the bus for the days asked, and makes none with 0', () => {
    // Act
    const archive = withBus.resource('EventArchive', 'AWS::Events::Archive').Properties;

    // Assess
    const [condition, ifArn, ifName] = (archive.SourceArn as { 'Fn::If': [string, Json, Json] })['Fn::If'];
    expect(holds(conditions(withBus)[condition]!, values(BUS), conditions(withBus))).toBe(false);
    expect(withBus.evaluate(ifName)).toBe(busArn(BUS));
    expect(ifArn).toEqual({ Ref: 'EventBusName' });
    expect(archive.EventPattern).toEqual({ source: ['recwatch'] });
    expect(archive.RetentionDays).toEqual({ Ref: 'EventBusArchiveDays' });
    expect(withBus.template.Parameters.EventBusArchiveDays).toMatchObject({
      Type: 'Number',
      Default: '14',
      MinValue: 0,
    });
    expect(holds(conditionOf(withBus, 'EventArchive'), values(BUS, '14'), conditions(withBus))).toBe(true);
    expect(holds(conditionOf(withBus, 'EventArchive'), values(BUS, '0'), conditions(withBus))).toBe(false);
  });

  it("accepts the bus names and ARNs that the sweep's configuration accepts, and refuses the rest alike", () => {
    // Prepare
    const pattern = new RegExp(String(withBus.template.Parameters.EventBusName!.AllowedPattern));
    const sweepTakes = (name: string) => {
      try {
        loadSweepConfig({
          TASKS_TABLE: 'recwatch-dev-tasks',
          EVENTS_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:t',
          ZEGO_APP_ID: '1',
          ZEGO_SERVER_SECRET: 's'.repeat(32),
          EVENT_BUS_NAME: name,
        });
        return true;
      } catch {
        return false;
      }
    };

    // Act + Assess
    for (const good of [
      'default',
      BUS,
      'a/b.c-d_e',
      OTHER_ACCOUNT_BUS,
      `arn:aws-cn:events:cn-north-1:${ACCOUNT}:event-bus/x`,
    ]) {
      expect(pattern.test(good), good).toBe(true);
      expect(sweepTakes(good), good).toBe(true);
    }
    for (const bad of ['has space', 'arn:aws:sns:us-east-1:123456789012:topic', 'x'.repeat(257), 'bus:name']) {
      expect(pattern.test(bad), bad).toBe(false);
      expect(sweepTakes(bad), bad).toBe(false);
    }
    expect(pattern.test(''), 'empty is off').toBe(true);
  });
});
