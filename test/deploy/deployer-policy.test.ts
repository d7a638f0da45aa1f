// The deployer's policy (infra/deployer-policy.json), held to the packaged stack: every resource type the
// template of each variant creates (test/support/global-setup.ts, VARIANTS) has the actions CloudFormation
// calls, in the deployer's name, to create, update and delete it, on the ARN that resource gets; osls's own
// calls (the stack, its change sets, the deployment bucket) are there too; and nothing is granted beyond
// recwatch's names, no action is a wildcard, and the roles may be passed to Lambda only.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ACCOUNT, type Json, REGION, type Resource, restApiId, STAGE } from '../support/cloudformation';
import type { VariantName } from '../support/global-setup';
import { asList, loadTemplate } from '../support/template';

interface PolicyStatement {
  Sid?: string;
  Effect: string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

const text = readFileSync(new URL('../../infra/deployer-policy.json', import.meta.url), 'utf8');
const policy = JSON.parse(text) as { Version: string; Statement: PolicyStatement[] };

const VARIANT_NAMES: VariantName[] = ['default', 'eventsEmail', 'eventBus'];
const STACK = `recwatch-${STAGE}`;

/** IAM's wildcards: `*` any run of characters (`/` and `:` included), `?` one. Actions compare case-blind. */
function globMatches(pattern: string, value: string, caseBlind = false): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, caseBlind ? 'i' : '').test(value);
}

/** Whether some Allow statement grants the action on that ARN (with `service`, when passing a role). */
function allowed(action: string, arn: string, passedTo?: string): boolean {
  return policy.Statement.some((s) => {
    if (s.Effect !== 'Allow') return false;
    if (!asList(s.Action ?? []).some((a) => globMatches(a, action, true))) return false;
    if (!asList(s.Resource ?? []).some((r) => globMatches(r, arn))) return false;
    const passed = s.Condition?.StringEquals?.['iam:PassedToService'];
    return passed === undefined || (passedTo !== undefined && asList(passed).includes(passedTo));
  });
}

/** A name CloudFormation generates (`<stack>-<logical id>-<random>`), as it would for this stack. */
const generated = (logicalId: string): string => `${STACK}-${logicalId}-1A2B3C4D5E6F`;
const bucket = generated('ServerlessDeploymentBucket').toLowerCase();
const roleArn = (logicalId: string): string => `arn:aws:iam::${ACCOUNT}:role/${generated(logicalId)}`;
const apigateway = (path: string): string => `arn:aws:apigateway:${REGION}::${path}`;

/** The logical id a `Ref` or `Fn::GetAtt` points at. */
function target(value: Json | undefined): string {
  const object = value as { Ref?: string; 'Fn::GetAtt'?: string[] };
  const id = object?.Ref ?? object?.['Fn::GetAtt']?.[0];
  if (!id) throw new Error(`not a reference: ${JSON.stringify(value)}`);
  return id;
}

interface Needs {
  /** What CloudFormation calls to create, update and delete one (and read it back). */
  actions: string[];
  /** The ARNs those calls name, for this resource of the packaged stack. */
  arns: (resource: Resource, resources: Record<string, Resource>) => string[];
  /** Other calls creating one takes (a role passed, the code read). */
  also?: (
    resource: Resource,
    resources: Record<string, Resource>,
  ) => { action: string; arn: string; service?: string }[];
}

const functionArn = (resources: Record<string, Resource>, ref: Json | undefined): string =>
  `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${String(resources[target(ref)]!.Properties.FunctionName)}`;
const topicArnOf = (resources: Record<string, Resource>, ref: Json | undefined): string =>
  `arn:aws:sns:${REGION}:${ACCOUNT}:${String(resources[target(ref)]!.Properties.TopicName)}`;
const restApi = [apigateway('/restapis'), apigateway(`/restapis/${restApiId}`), apigateway(`/restapis/${restApiId}/x`)];
const VERBS = ['apigateway:GET', 'apigateway:POST', 'apigateway:PUT', 'apigateway:PATCH', 'apigateway:DELETE'];

/**
 * Every resource type the stack creates and what deploying it takes. A type missing here fails the test
 * below: add it, and the actions it needs to infra/deployer-policy.json.
 */
const NEEDS: Record<string, Needs> = {
  'AWS::S3::Bucket': {
    actions: ['s3:CreateBucket', 's3:DeleteBucket', 's3:ListBucket', 's3:PutEncryptionConfiguration'],
    arns: () => [`arn:aws:s3:::${bucket}`],
  },
  'AWS::S3::BucketPolicy': {
    actions: ['s3:PutBucketPolicy', 's3:GetBucketPolicy', 's3:DeleteBucketPolicy'],
    arns: () => [`arn:aws:s3:::${bucket}`],
  },
  'AWS::Logs::LogGroup': {
    actions: ['logs:CreateLogGroup', 'logs:PutRetentionPolicy', 'logs:DeleteLogGroup', 'logs:DescribeLogGroups'],
    arns: (r) => {
      const name = String(r.Properties.LogGroupName);
      return [
        `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${name}`,
        `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${name}:*`,
      ];
    },
  },
  'AWS::Lambda::Function': {
    actions: [
      'lambda:CreateFunction',
      'lambda:GetFunction',
      'lambda:UpdateFunctionCode',
      'lambda:UpdateFunctionConfiguration',
      'lambda:PutFunctionConcurrency',
      'lambda:DeleteFunctionConcurrency',
      'lambda:DeleteFunction',
    ],
    arns: (r) => [`arn:aws:lambda:${REGION}:${ACCOUNT}:function:${String(r.Properties.FunctionName)}`],
    also: (r) => {
      const code = r.Properties.Code as { S3Key: string };
      return [
        { action: 'iam:PassRole', arn: roleArn(target(r.Properties.Role)), service: 'lambda.amazonaws.com' },
        { action: 's3:GetObject', arn: `arn:aws:s3:::${bucket}/${code.S3Key}` },
      ];
    },
  },
  'AWS::Lambda::EventInvokeConfig': {
    actions: [
      'lambda:PutFunctionEventInvokeConfig',
      'lambda:UpdateFunctionEventInvokeConfig',
      'lambda:GetFunctionEventInvokeConfig',
      'lambda:DeleteFunctionEventInvokeConfig',
    ],
    arns: (r, all) => {
      const fn = functionArn(all, r.Properties.FunctionName);
      return [fn, `${fn}:${String(r.Properties.Qualifier)}`];
    },
  },
  'AWS::Lambda::Permission': {
    actions: ['lambda:AddPermission', 'lambda:RemovePermission', 'lambda:GetPolicy'],
    arns: (r, all) => [functionArn(all, r.Properties.FunctionName)],
  },
  'AWS::Events::Rule': {
    actions: [
      'events:PutRule',
      'events:DescribeRule',
      'events:PutTargets',
      'events:RemoveTargets',
      'events:DeleteRule',
    ],
    arns: (_, all) => {
      const id = Object.entries(all).find(([, r]) => r.Type === 'AWS::Events::Rule')![0];
      return [`arn:aws:events:${REGION}:${ACCOUNT}:rule/${generated(id)}`];
    },
  },
  'AWS::Events::Archive': {
    actions: ['events:CreateArchive', 'events:DescribeArchive', 'events:UpdateArchive', 'events:DeleteArchive'],
    // No ArchiveName in infra/event-bus.yml: CloudFormation names it, so the statement is on every archive.
    arns: () => [`arn:aws:events:${REGION}:${ACCOUNT}:archive/${generated('EventArchive')}`],
  },
  'AWS::ApiGateway::RestApi': { actions: VERBS, arns: () => restApi },
  'AWS::ApiGateway::Resource': { actions: VERBS, arns: () => restApi },
  'AWS::ApiGateway::Method': { actions: VERBS, arns: () => restApi },
  'AWS::ApiGateway::RequestValidator': { actions: VERBS, arns: () => restApi },
  'AWS::ApiGateway::Deployment': {
    actions: VERBS,
    arns: () => [...restApi, apigateway(`/restapis/${restApiId}/stages/${STAGE}`)],
  },
  'AWS::ApiGateway::ApiKey': { actions: VERBS, arns: () => [apigateway('/apikeys'), apigateway('/apikeys/k1y2')] },
  'AWS::ApiGateway::UsagePlan': {
    actions: VERBS,
    arns: () => [apigateway('/usageplans'), apigateway('/usageplans/p1a2')],
  },
  'AWS::ApiGateway::UsagePlanKey': {
    actions: VERBS,
    arns: () => [apigateway('/usageplans/p1a2/keys'), apigateway('/usageplans/p1a2/keys/k1y2')],
  },
  'AWS::IAM::Role': {
    actions: [
      'iam:CreateRole',
      'iam:GetRole',
      'iam:UpdateAssumeRolePolicy',
      'iam:PutRolePolicy',
      'iam:GetRolePolicy',
      'iam:DeleteRolePolicy',
      'iam:ListRolePolicies',
      'iam:ListAttachedRolePolicies',
      'iam:DeleteRole',
    ],
    arns: (r, all) => {
      const id = Object.entries(all).find(([, other]) => other === r)![0];
      return [roleArn(id)];
    },
  },
  'AWS::IAM::Policy': {
    actions: ['iam:PutRolePolicy', 'iam:GetRolePolicy', 'iam:DeleteRolePolicy'],
    arns: (r) => asList(r.Properties.Roles as Json[]).map((role) => roleArn(target(role))),
  },
  'AWS::DynamoDB::Table': {
    actions: [
      'dynamodb:CreateTable',
      'dynamodb:DescribeTable',
      'dynamodb:UpdateTable',
      'dynamodb:DescribeTimeToLive',
      'dynamodb:UpdateTimeToLive',
      'dynamodb:DescribeContinuousBackups',
      'dynamodb:UpdateContinuousBackups',
      'dynamodb:DeleteTable',
    ],
    arns: (r) => [`arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${String(r.Properties.TableName)}`],
  },
  'AWS::SNS::Topic': {
    actions: ['sns:CreateTopic', 'sns:GetTopicAttributes', 'sns:SetTopicAttributes', 'sns:DeleteTopic'],
    arns: (r) => [`arn:aws:sns:${REGION}:${ACCOUNT}:${String(r.Properties.TopicName)}`],
  },
  'AWS::SNS::Subscription': {
    actions: ['sns:Subscribe', 'sns:GetSubscriptionAttributes', 'sns:SetSubscriptionAttributes', 'sns:Unsubscribe'],
    arns: (r, all) => {
      const topic = topicArnOf(all, r.Properties.TopicArn);
      return [topic, `${topic}:0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b`];
    },
  },
  'AWS::CloudWatch::Alarm': {
    actions: ['cloudwatch:PutMetricAlarm', 'cloudwatch:DescribeAlarms', 'cloudwatch:DeleteAlarms'],
    arns: (r) => [`arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${String(r.Properties.AlarmName)}`],
  },
  'AWS::CloudWatch::Dashboard': {
    actions: ['cloudwatch:PutDashboard', 'cloudwatch:GetDashboard', 'cloudwatch:DeleteDashboards'],
    arns: (r) => [`arn:aws:cloudwatch::${ACCOUNT}:dashboard/${String(r.Properties.DashboardName)}`],
  },
};

/** Read-only calls that name no resource, the one place `"Resource": "*"` is allowed. */
const UNSCOPED = ['cloudformation:ValidateTemplate', 'logs:DescribeLogGroups', 'cloudwatch:DescribeAlarms'];

const templates = VARIANT_NAMES.map((variant) => ({ variant, template: loadTemplate(variant).template }));

describe('infra/deployer-policy.json', () => {
  it('is an IAM policy document: Version 2012-10-17, a named Allow for every statement', () => {
    // Act
    const sids = policy.Statement.map((s) => s.Sid);

    // Assess
    expect(policy.Version).toBe('2012-10-17');
    expect(Object.keys(policy).sort()).toEqual(['Statement', 'Version']);
    expect(policy.Statement.length).toBeGreaterThan(0);
    for (const s of policy.Statement) {
      expect(s.Effect, s.Sid).toBe('Allow');
      expect(s.NotAction, s.Sid).toBeUndefined();
      expect(s.NotResource, s.Sid).toBeUndefined();
      expect(asList(s.Action ?? []).length, s.Sid).toBeGreaterThan(0);
      expect(asList(s.Resource ?? []).length, s.Sid).toBeGreaterThan(0);
    }
    // IAM's Sid: letters and digits only, and each one says what its statement is for.
    for (const sid of sids) expect(sid).toMatch(/^[A-Za-z0-9]{4,}$/);
    expect(new Set(sids).size).toBe(sids.length);
  });

  it('knows every resource type of every variant of the packaged template', () => {
    // Act
    const unknown = templates.flatMap(({ variant, template }) =>
      Object.entries(template.Resources)
        .filter(([, r]) => NEEDS[r.Type] === undefined)
        .map(([id, r]) => `${variant}: ${id} (${r.Type})`),
    );

    // Assess: a new type needs a row in NEEDS and its actions in the policy.
    expect(unknown).toEqual([]);
    // The variants do bring their own resources (the archive, the subscriptions).
    const types = new Set(templates.flatMap(({ template }) => Object.values(template.Resources).map((r) => r.Type)));
    expect(types).toContain('AWS::Events::Archive');
    expect(types).toContain('AWS::SNS::Subscription');
  });

  it('lets the deployer create, update and delete every resource of every variant, on its own ARN', () => {
    // Act
    const missing = templates.flatMap(({ variant, template }) =>
      Object.entries(template.Resources).flatMap(([id, resource]) => {
        const needs = NEEDS[resource.Type];
        if (!needs) return [`${variant}: ${id} (${resource.Type}) unknown`];
        const calls: { action: string; arn: string; service?: string }[] = needs
          .arns(resource, template.Resources)
          .flatMap((arn) => needs.actions.map((action) => ({ action, arn })));
        calls.push(...(needs.also?.(resource, template.Resources) ?? []));
        return calls
          .filter(({ action, arn, service }) => !allowed(action, arn, service))
          .map(({ action, arn }) => `${variant}: ${id} (${resource.Type}) ${action} on ${arn}`);
      }),
    );

    // Assess
    expect(missing).toEqual([]);
  });

  it("lets osls run deploy and remove: the stack, its change sets, validation and the bucket's objects", () => {
    // Prepare
    const stack = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${STACK}/0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9`;
    const changeSet = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:changeSet/${STACK}-change-set/0a1b2c3d`;
    const object = `arn:aws:s3:::${bucket}/serverless/recwatch/${STAGE}/1700000000000-2023-11-14T22:13:20.000Z/sweep.zip`;
    const calls: [string, string][] = [
      ...[
        'CreateStack',
        'UpdateStack',
        'DeleteStack',
        'DescribeStacks',
        'DescribeStackEvents',
        'DescribeStackResource',
        'DescribeStackResources',
        'ListStackResources',
        'GetTemplate',
        'CreateChangeSet',
        'DescribeChangeSet',
        'ExecuteChangeSet',
        'DeleteChangeSet',
      ].flatMap((a): [string, string][] => [
        [`cloudformation:${a}`, stack],
        ...(a.endsWith('ChangeSet') ? ([[`cloudformation:${a}`, changeSet]] as [string, string][]) : []),
      ]),
      ['cloudformation:ValidateTemplate', '*'],
      // Listing the artifacts (HeadBucket is ListBucket), uploading them, HeadObject, and the clean-up.
      ['s3:ListBucket', `arn:aws:s3:::${bucket}`],
      ['s3:PutObject', object],
      ['s3:GetObject', object],
      ['s3:DeleteObject', object],
      // The deploy's summary prints the API key: GetApiKey with its value.
      ['apigateway:GET', apigateway('/apikeys/k1y2')],
    ];

    // Act
    const missing = calls.filter(([action, arn]) => !allowed(action, arn)).map(([a, r]) => `${a} on ${r}`);

    // Assess
    expect(missing).toEqual([]);
  });

  it('has no wildcard action, and "*" resources only for read-only calls that name no resource', () => {
    // Act
    const actions = policy.Statement.flatMap((s) => asList(s.Action ?? []));
    const unscoped = policy.Statement.filter((s) => asList(s.Resource ?? []).some((r) => r === '*'));

    // Assess
    expect(actions.filter((a) => a.includes('*') || a.includes('?'))).toEqual([]);
    for (const action of actions) expect(action).toMatch(/^[a-z0-9-]+:[A-Za-z0-9]+$/);
    expect(unscoped.flatMap((s) => asList(s.Action ?? [])).sort()).toEqual([...UNSCOPED].sort());
    for (const s of unscoped) expect(asList(s.Resource ?? []), s.Sid).toEqual(['*']);
    // Every other resource is recwatch's, by name, or API Gateway's paths (REST API ids are random).
    for (const s of policy.Statement.filter((st) => !unscoped.includes(st)))
      for (const r of asList(s.Resource ?? []))
        expect(r, s.Sid).toMatch(
          /(recwatch-|^arn:aws:apigateway:\*::\/|^arn:aws:events:\*:\*:(archive|event-bus)\/\*$)/,
        );
  });

  it('passes only recwatch roles, and only to Lambda', () => {
    // Act
    const passing = policy.Statement.filter((s) =>
      asList(s.Action ?? []).some((a) => globMatches(a, 'iam:PassRole', true)),
    );

    // Assess
    expect(passing).toHaveLength(1);
    expect(asList(passing[0]!.Resource ?? [])).toEqual(['arn:aws:iam::*:role/recwatch-*']);
    expect(passing[0]!.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } });
    expect(allowed('iam:PassRole', roleArn('SweepRole'), 'lambda.amazonaws.com')).toBe(true);
    expect(allowed('iam:PassRole', roleArn('SweepRole'), 'ec2.amazonaws.com')).toBe(false);
    expect(allowed('iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/Admin`, 'lambda.amazonaws.com')).toBe(false);
  });

  it("grants nothing on another application's resources", () => {
    // Prepare: the same calls on names that are not recwatch's.
    const others: [string, string][] = [
      ['lambda:DeleteFunction', `arn:aws:lambda:${REGION}:${ACCOUNT}:function:billing-prod-api`],
      ['lambda:UpdateFunctionCode', `arn:aws:lambda:${REGION}:${ACCOUNT}:function:recwatchx-prod-sweep`],
      ['dynamodb:DeleteTable', `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/billing-prod-ledger`],
      ['iam:PutRolePolicy', `arn:aws:iam::${ACCOUNT}:role/OrganizationAccountAccessRole`],
      ['iam:CreateRole', `arn:aws:iam::${ACCOUNT}:role/admin`],
      ['sns:DeleteTopic', `arn:aws:sns:${REGION}:${ACCOUNT}:billing-alerts`],
      ['cloudformation:DeleteStack', `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/billing-prod/0a1b`],
      ['s3:DeleteBucket', 'arn:aws:s3:::billing-prod-serverlessdeploymentbucket-1a2b'],
      ['s3:GetObject', 'arn:aws:s3:::company-secrets/keys.txt'],
      ['logs:DeleteLogGroup', `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/billing-prod-api`],
      ['cloudwatch:DeleteAlarms', `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:billing-down`],
      ['events:DeleteRule', `arn:aws:events:${REGION}:${ACCOUNT}:rule/billing-nightly`],
    ];

    // Act
    const granted = others.filter(([action, arn]) => allowed(action, arn)).map(([a, r]) => `${a} on ${r}`);

    // Assess
    expect(granted).toEqual([]);
    // Nor anything the deploy never does: reading secrets, attaching managed policies, invoking functions.
    for (const action of ['ssm:GetParameter', 'iam:AttachRolePolicy', 'iam:CreateUser', 'lambda:InvokeFunction'])
      expect(policy.Statement.flatMap((s) => asList(s.Action ?? []))).not.toContain(action);
  });
});
