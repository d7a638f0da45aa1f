// What the functions may do and what the stack must never hold (infra/function-roles.yml, and the KMS
// policy in serverless.yml): each function's own role, statement by statement, with its resources
// evaluated as the ARNs AWS sees; and no ServerSecret or CallbackSecret anywhere in the template, though
// the packaging run was handed one in every way someone might wire it in. Checked on the template
// CloudFormation would receive, packaged once by the global setup (test/support/global-setup.ts).
import { describe, expect, it } from 'vitest';
import {
  callbackSecretArn,
  type JsonObject,
  opsTopicArn,
  STAGE,
  type Statement,
  serverSecretArn,
  tableArn,
  topicArn,
} from '../support/cloudformation';
import { asList, FUNCTIONS, loadTemplate, SECRET_CANARY } from '../support/template';

const { template, sweep, callback, resource, resourcesOfType, evaluate, statements, statementsFor, roleIdOf, roleOf } =
  loadTemplate();

describe('IAM', () => {
  const granted = () => new Set(statements().flatMap(({ statement }) => asList(statement.Action)));

  it('grants only allowances, no wildcard actions, nothing beyond logs and the listed actions', () => {
    // Prepare
    const expected = [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:Query',
      'dynamodb:DeleteItem',
      'events:PutEvents',
      'lambda:InvokeFunction',
      'sns:Publish',
      'ssm:GetParameter',
      // Only with --param tracing=on (test/deploy/template-tracing.test.ts).
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ];

    // Act + Assess
    for (const { statement } of statements()) expect(statement.Effect).toBe('Allow');
    const actions = [...granted()];
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
    expect(actions).not.toContain('dynamodb:Scan');
    const beyondLogs = actions.filter((a) => !a.startsWith('logs:') && a !== 'kms:Decrypt');
    expect(beyondLogs.sort()).toEqual([...expected].sort());
  });

  it('gives each function its own role with exactly the table actions it uses', () => {
    // Prepare
    const index = `${tableArn}/index/due-index`;

    // Act + Assess
    // The sweep deletes what a callback named once ZEGO answered for it (a candidate), besides its usual work.
    expect(roleOf('Sweep').get('dynamodb')).toEqual([
      {
        actions: [
          'dynamodb:DeleteItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:Query',
          'dynamodb:UpdateItem',
        ],
        resources: [tableArn, index].sort(),
      },
    ]);
    expect(roleOf('Track').get('dynamodb')).toEqual([
      { actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], resources: [tableArn] },
    ]);
    expect(roleOf('Lookup').get('dynamodb')).toEqual([{ actions: ['dynamodb:GetItem'], resources: [tableArn] }]);
    // The callback writes a hint, a candidate or a start claim, one item by its key: no index, Query, Scan or Delete.
    expect(roleOf('Callback').get('dynamodb')).toEqual([
      { actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], resources: [tableArn] },
    ]);
    // Listing: Query on the three indexes only (never the table, never a Scan); untracking: one DeleteItem, and
    // the PutItem of the mark it leaves.
    expect(roleOf('List').get('dynamodb')).toEqual([
      {
        actions: ['dynamodb:Query'],
        resources: [`${tableArn}/index/closed-index`, `${tableArn}/index/due-index`, `${tableArn}/index/room-index`],
      },
    ]);
    expect(roleOf('Untrack').get('dynamodb')).toEqual([
      { actions: ['dynamodb:DeleteItem', 'dynamodb:PutItem'], resources: [tableArn] },
    ]);
    const deleters = FUNCTIONS.filter((fn) =>
      (roleOf(fn).get('dynamodb') ?? []).some((s) => s.actions.includes('dynamodb:DeleteItem')),
    );
    expect(deleters.sort()).toEqual(['Sweep', 'Untrack']);
    for (const fn of ['Track', 'Lookup', 'List', 'Untrack']) expect([...roleOf(fn).keys()], fn).toEqual(['dynamodb']);
    expect([...roleOf('Sweep').keys()].sort()).toEqual(['dynamodb', 'sns', 'ssm']);
    expect([...roleOf('Callback').keys()].sort()).toEqual(['dynamodb', 'lambda', 'ssm']);
    // One role per function, and no role that no function uses.
    const roles = FUNCTIONS.map(roleIdOf);
    expect(new Set(roles).size).toBe(FUNCTIONS.length);
    expect(
      resourcesOfType('AWS::IAM::Role')
        .map(([id]) => id)
        .sort(),
    ).toEqual([...roles].sort());
  });

  it('gives the callback role exactly its logs, one-item table writes, the sweep to start and its CallbackSecret statements', () => {
    // Act
    const role = resource(roleIdOf('Callback'), 'AWS::IAM::Role');

    // Assess
    expect(roleIdOf('Callback')).toBe('CallbackRole');
    const policies = (role.Properties.Policies ?? []) as JsonObject[];
    expect(policies).toHaveLength(1);
    const logGroup = { 'Fn::GetAtt': ['CallbackLogGroup', 'Arn'] };
    const granted = asList(
      (policies[0]!.PolicyDocument as unknown as { Statement: Statement | Statement[] }).Statement,
    ).map((st) => ({
      effect: st.Effect,
      actions: asList(st.Action).sort(),
      // The log group's ARN is left as written; every other resource is compared as the ARN AWS sees.
      resources: asList(st.Resource).map((r) => (JSON.stringify(r) === JSON.stringify(logGroup) ? r : evaluate(r))),
      condition: st.Condition,
    }));
    expect(granted).toEqual([
      {
        effect: 'Allow',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup],
        condition: undefined,
      },
      {
        effect: 'Allow',
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resources: [tableArn],
        condition: undefined,
      },
      {
        effect: 'Allow',
        actions: ['lambda:InvokeFunction'],
        resources: [`arn:aws:lambda:us-east-1:123456789012:function:recwatch-${STAGE}-sweep`],
        condition: undefined,
      },
      { effect: 'Allow', actions: ['ssm:GetParameter'], resources: [callbackSecretArn], condition: undefined },
    ]);
    // That function is the sweep, and the callback is told its name.
    expect(sweep().Properties.FunctionName).toBe(`recwatch-${STAGE}-sweep`);
    expect((callback().Properties.Environment as { Variables: JsonObject }).Variables.SWEEP_FUNCTION_NAME).toBe(
      `recwatch-${STAGE}-sweep`,
    );
  });

  it('lets each function write logs to its own log group only', () => {
    // Act + Assess
    for (const fn of FUNCTIONS) {
      const role = roleIdOf(fn);
      const logs = ((resource(role, 'AWS::IAM::Role').Properties.Policies ?? []) as JsonObject[])
        .flatMap((p) => asList((p.PolicyDocument as unknown as { Statement: Statement | Statement[] }).Statement))
        .filter((st) => asList(st.Action).some((a) => a.startsWith('logs:')));
      expect(
        logs.map((st) => st.Resource),
        fn,
      ).toEqual([{ 'Fn::GetAtt': [`${fn}LogGroup`, 'Arn'] }]);
    }
  });

  it('SNS: the sweep publishes to the events topic (outcomes) and the ops topic (failed runs); nobody else publishes', () => {
    // Act + Assess
    expect(roleOf('Sweep').get('sns')).toEqual([
      { actions: ['sns:Publish'], resources: [topicArn, opsTopicArn].sort() },
    ]);
    // The callback announces nothing: a callback's body is not signed, only ZEGO's answer (the sweep's) is believed.
    expect(roleOf('Callback').get('sns')).toBeUndefined();
    expect(statementsFor('sns')).toHaveLength(1);
  });

  it('SSM: each reads exactly one parameter, the sweep the ServerSecret and the callback the CallbackSecret', () => {
    // Act + Assess
    expect(roleOf('Sweep').get('ssm')).toEqual([{ actions: ['ssm:GetParameter'], resources: [serverSecretArn] }]);
    expect(roleOf('Callback').get('ssm')).toEqual([{ actions: ['ssm:GetParameter'], resources: [callbackSecretArn] }]);
    expect(statementsFor('ssm')).toHaveLength(2);
  });

  it('grants KMS decrypt only on a key given as a stack parameter, never on an empty resource', () => {
    // Act
    const key = template.Parameters.ZegoSecretKmsKeyArn!;

    // Assess
    expect(key.Default).toBe('');
    expect(new RegExp(String(key.AllowedPattern)).test('')).toBe(true);
    expect(
      new RegExp(String(key.AllowedPattern)).test(
        'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      ),
    ).toBe(true);
    expect(template.Conditions.HasZegoSecretKmsKey).toEqual({
      'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'ZegoSecretKmsKeyArn' }, ''] }],
    });
    const policy = resource('ZegoSecretKmsDecryptPolicy', 'AWS::IAM::Policy');
    expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('{"Ref":"ZegoSecretKmsKeyArn"}');
  });

  it('KMS: decrypt only under a condition (a customer managed key given), only through SSM', () => {
    // Act + Assess
    for (const { statement, conditional } of statements()) {
      if (!asList(statement.Action).some((a) => a.startsWith('kms:'))) continue;
      expect(conditional).toBe(true);
      expect(asList(statement.Action)).toEqual(['kms:Decrypt']);
      expect(asList(statement.Resource)).not.toContain('*');
      expect(JSON.stringify(statement.Condition)).toContain('kms:ViaService');
    }
  });

  it('KMS: the customer managed key grant goes to the two roles that read a secret, the sweep and the callback', () => {
    // Act
    const policy = resource('ZegoSecretKmsDecryptPolicy', 'AWS::IAM::Policy');

    // Assess
    expect(policy.Condition).toBe('HasZegoSecretKmsKey');
    expect(template.Conditions.HasZegoSecretKmsKey).toBeDefined();
    expect(policy.Properties.Roles).toEqual([{ Ref: roleIdOf('Sweep') }, { Ref: roleIdOf('Callback') }]);
    // The only other policies apart from the roles' own: the sweep's EventBridge grant
    // (template-event-bus.test.ts) and X-Ray's (template-tracing.test.ts), each conditional.
    expect(resourcesOfType('AWS::IAM::Policy').map(([id]) => id)).toEqual([
      'ZegoSecretKmsDecryptPolicy',
      'SweepEventBusPolicy',
      'TracingPolicy',
    ]);
  });

  it('no DynamoDB, SNS or SSM statement applies to every resource', () => {
    // Act + Assess
    for (const s of [...statementsFor('dynamodb'), ...statementsFor('sns'), ...statementsFor('ssm')]) {
      for (const r of asList(s.Resource)) expect(evaluate(r)).not.toContain('*');
    }
  });
});

// --- what the stack must never hold --------------------------------------------------------------------

describe('secrets', () => {
  it('no function carries a ServerSecret or a CallbackSecret, by name or by value', () => {
    // Act
    const functions = resourcesOfType('AWS::Lambda::Function');

    // Assess
    expect(functions.length).toBeGreaterThan(0);
    for (const [id, fn] of functions) {
      const variables = (fn.Properties.Environment as { Variables?: JsonObject } | undefined)?.Variables ?? {};
      for (const [name, value] of Object.entries(variables)) {
        // Only the names of the SSM parameters that hold them.
        expect(
          /SECRET/i.test(name) && !['ZEGO_SERVER_SECRET_PARAM', 'ZEGO_CALLBACK_SECRET_PARAM'].includes(name),
          `${id}: ${name}`,
        ).toBe(false);
        expect(JSON.stringify(value), `${id}: ${name}`).not.toContain(SECRET_CANARY);
        // ZEGO: a ServerSecret is 32 hexadecimal characters.
        expect(JSON.stringify(value), `${id}: ${name}`).not.toMatch(/\b[0-9a-f]{32}\b/i);
      }
    }
    expect(JSON.stringify(template)).not.toContain(SECRET_CANARY);
  });
});
