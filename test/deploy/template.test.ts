// The deployed shape, checked on what CloudFormation would receive: `serverless package` runs once (no AWS
// credentials, no network; in a copy of the repository, see test/support/package-service.ts) and the tests read
// its template and the functions' zips.

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zegoFile } from '../../infra/local/zego-simulator';
import { CALLBACK_METRICS, REFUSAL_DIMENSION, REFUSAL_REASONS } from '../../lib/callback/callback-metrics';
import { loadSweepConfig } from '../../lib/config';
import { stopReserveMs } from '../../lib/sweep/engine';
import { SWEEP_METRICS } from '../../lib/sweep/sweep-metrics';
import {
  callbackSecretArn,
  evaluate as evaluateIn,
  type Json,
  type JsonObject,
  opsTopicArn,
  REGION,
  type Resource,
  restApiId,
  STAGE,
  type Statement,
  serverSecretArn,
  type Template,
  tableArn,
  topicArn,
} from '../support/cloudformation';
import { startLocalStack } from '../support/local-stack';
import { type PackagedService, packageService, REPO } from '../support/package-service';
import { unzip } from '../support/zip';

// Handed to the packaging run in the ways someone might wire a ServerSecret or a CallbackSecret into the
// stack; it must not come out anywhere in the template.
const SECRET_CANARY = 'c0ffee00deadbeefc0ffee00deadbeef';

let packaged: PackagedService<Template>;
let outDir: string;
let template: Template;

beforeAll(async () => {
  packaged = await packageService<Template>({
    env: { ZEGO_SERVER_SECRET: SECRET_CANARY, ZEGO_CALLBACK_SECRET: SECRET_CANARY },
    params: { zegoServerSecret: SECRET_CANARY, zegoCallbackSecret: SECRET_CANARY },
  });
  ({ outDir, template } = packaged);
}, 120_000);

afterAll(async () => {
  await packaged?.cleanup();
});

// --- helpers -------------------------------------------------------------------------------------------

/** Every function of the stack, by the prefix of its logical id (`${fn}LambdaFunction`). */
const FUNCTIONS = ['Sweep', 'Track', 'Lookup', 'Callback', 'List', 'Untrack'];

const sweep = (): Resource => resource('SweepLambdaFunction', 'AWS::Lambda::Function');
const callback = (): Resource => resource('CallbackLambdaFunction', 'AWS::Lambda::Function');

function resource(logicalId: string, type: string): Resource {
  const found = template.Resources[logicalId];
  expect(found, `resource ${logicalId}`).toBeDefined();
  expect(found!.Type).toBe(type);
  return found!;
}

function resourcesOfType(type: string): [string, Resource][] {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

function asList<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

/** The intrinsic functions of this template, evaluated (test/support/cloudformation.ts). */
const evaluate = (value: Json): string => evaluateIn(template, value);

/** Every statement granted to the functions: the role's inline policies and any extra IAM::Policy. */
function statements(): { statement: Statement; conditional: boolean }[] {
  const policies: { document: Json; conditional: boolean }[] = [];
  for (const [, role] of resourcesOfType('AWS::IAM::Role')) {
    for (const policy of (role.Properties.Policies ?? []) as JsonObject[])
      policies.push({ document: policy.PolicyDocument!, conditional: false });
  }
  for (const [, policy] of resourcesOfType('AWS::IAM::Policy')) {
    policies.push({ document: policy.Properties.PolicyDocument!, conditional: policy.Condition !== undefined });
  }
  return policies.flatMap(({ document, conditional }) =>
    asList((document as unknown as { Statement: Statement | Statement[] }).Statement).map((statement) => ({
      statement,
      conditional,
    })),
  );
}

function statementsFor(service: string): Statement[] {
  return statements()
    .map(({ statement }) => statement)
    .filter((s) => asList(s.Action).some((action) => action.startsWith(`${service}:`)));
}

/** The logical id of one function's role. */
function roleIdOf(fn: string): string {
  return (resource(`${fn}LambdaFunction`, 'AWS::Lambda::Function').Properties.Role as { 'Fn::GetAtt': string[] })[
    'Fn::GetAtt'
  ][0]!;
}

/** The statements of one function's own role, by service, with resources evaluated. */
function roleOf(fn: string): Map<string, { actions: string[]; resources: string[] }[]> {
  const role = roleIdOf(fn);
  const byService = new Map<string, { actions: string[]; resources: string[] }[]>();
  for (const policy of (resource(role, 'AWS::IAM::Role').Properties.Policies ?? []) as JsonObject[]) {
    for (const statement of asList(
      (policy.PolicyDocument as unknown as { Statement: Statement | Statement[] }).Statement,
    )) {
      const actions = asList(statement.Action);
      const service = actions[0]!.split(':')[0]!;
      if (service === 'logs') continue;
      const list = byService.get(service) ?? [];
      list.push({ actions: [...actions].sort(), resources: asList(statement.Resource).map(evaluate).sort() });
      byService.set(service, list);
    }
  }
  return byService;
}

// --- the sweep function --------------------------------------------------------------------------------

describe('sweep function', () => {
  it('runs on Node.js 22 or newer, 256 MB, with a 60 s timeout above the sweep budget', () => {
    const { Properties: p } = sweep();
    const runtime = /^nodejs(\d+)\.x$/.exec(String(p.Runtime));
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
    const rules = resourcesOfType('AWS::Events::Rule').filter(([, rule]) =>
      (rule.Properties.Targets as JsonObject[]).some(
        (t) => JSON.stringify(t.Arn) === JSON.stringify({ 'Fn::GetAtt': ['SweepLambdaFunction', 'Arn'] }),
      ),
    );
    expect(rules).toHaveLength(1);
    expect(rules[0]![1].Properties).toMatchObject({ ScheduleExpression: 'rate(1 minute)', State: 'ENABLED' });
    const permissions = resourcesOfType('AWS::Lambda::Permission').filter(
      ([, perm]) => perm.Properties.Principal === 'events.amazonaws.com',
    );
    expect(permissions).toHaveLength(1);
  });

  it('is never retried after a failed asynchronous invocation', () => {
    const configs = resourcesOfType('AWS::Lambda::EventInvokeConfig').filter(
      ([, c]) => JSON.stringify(c.Properties.FunctionName) === JSON.stringify({ Ref: 'SweepLambdaFunction' }),
    );
    expect(configs).toHaveLength(1);
    expect(configs[0]![1].Properties.MaximumRetryAttempts).toBe(0);
  });

  it('reserves concurrency only when the SweepReservedConcurrency stack parameter is above 0', () => {
    expect(template.Parameters.SweepReservedConcurrency).toMatchObject({ Type: 'Number', Default: '0', MinValue: 0 });
    const reserved = sweep().Properties.ReservedConcurrentExecutions as { 'Fn::If': [string, Json, Json] };
    expect(reserved['Fn::If']).toBeDefined();
    const [condition, whenTrue, whenFalse] = reserved['Fn::If'];
    expect(whenTrue).toEqual({ Ref: 'SweepReservedConcurrency' });
    expect(whenFalse).toEqual({ Ref: 'AWS::NoValue' });
    expect(template.Conditions[condition]).toEqual({
      'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'SweepReservedConcurrency' }, '0'] }],
    });
  });

  it('gets its configuration from the stack, the ServerSecret only by SSM parameter name', () => {
    const variables = (sweep().Properties.Environment as { Variables: JsonObject }).Variables;
    expect(variables).toEqual({
      LOG_LEVEL: 'INFO',
      POWERTOOLS_SERVICE_NAME: `recwatch-${STAGE}`,
      POWERTOOLS_METRICS_NAMESPACE: 'recwatch',
      TASKS_TABLE: { Ref: 'TasksTable' },
      TASK_INDEX_SHARDS: '1',
      TASK_RETENTION_DAYS: '30',
      EVENTS_TOPIC_ARN: { Ref: 'EventsTopic' },
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
    });
    // The defaults the stack deploys are the ones the code applies without them.
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
        POWERTOOLS_SERVICE_NAME: 'recwatch',
      }),
    ).toEqual(defaults);
    expect(evaluate(variables.ZEGO_SERVER_SECRET_PARAM!)).toBe(`/recwatch/${STAGE}/zego-server-secret`);
  });

  it('cannot be deployed without a ZEGO AppId, yet packages without one, with a default its own pattern allows', () => {
    const appId = template.Parameters.ZegoAppId!;
    expect(appId.Type).toBe('String');
    const pattern = new RegExp(String(appId.AllowedPattern));
    expect(appId.Default).toBe('');
    expect(pattern.test(''), 'the default must pass the pattern (cfn-lint E2015)').toBe(true);
    expect(pattern.test('1234567890')).toBe(true);
    expect(pattern.test('0')).toBe(false);
    expect(pattern.test('12ab')).toBe(false);
    expect(String(appId.ConstraintDescription)).toContain('zegoAppId');
    // A CloudFormation Rule refuses the deploy, before any change, while the AppId is empty.
    const rules = (
      template as unknown as {
        Rules: Record<string, { Assertions: Array<{ Assert: unknown; AssertDescription: string }> }>;
      }
    ).Rules;
    expect(rules.ZegoAppIdGiven!.Assertions).toEqual([
      {
        Assert: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'ZegoAppId' }, ''] }] },
        AssertDescription: expect.stringContaining('--param zegoAppId='),
      },
    ]);
  });

  it('grants KMS decrypt only on a key given as a stack parameter, never on an empty resource', () => {
    const key = template.Parameters.ZegoSecretKmsKeyArn!;
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

  it.each(['sweep', 'track', 'lookup', 'callback'])(
    '%s is packaged as one self-contained, minified ES module bundle',
    async (name) => {
      const fn = resource(`${name[0]!.toUpperCase()}${name.slice(1)}LambdaFunction`, 'AWS::Lambda::Function');
      const key = (fn.Properties.Code as { S3Key: string }).S3Key;
      expect(key).toMatch(new RegExp(`/${name}\\.zip$`));
      const zipPath = join(outDir, `${name}.zip`);
      expect((await stat(zipPath)).isFile()).toBe(true);
      const entries = unzip(await readFile(zipPath));
      expect([...entries.keys()]).toEqual([`functions/${name}.mjs`]);
      const bundle = entries.get(`functions/${name}.mjs`)!.toString('utf8');
      expect(bundle.startsWith('import { createRequire')).toBe(true);
      expect(bundle).toMatch(/export\s*\{[^}]*\bas handler\b[^}]*\}/);
      // Bundled, not left for the runtime to resolve: the bundle imports nothing but Node's built-ins, so
      // the AWS SDK inside is the locked version the tests ran, not the one the Lambda runtime ships.
      // esbuild parses it (a regex would trip over import-like text in the SDK's error messages).
      const analysis = await build({
        stdin: { contents: bundle, loader: 'js', sourcefile: `${name}.mjs` },
        bundle: true,
        write: false,
        metafile: true,
        platform: 'node',
        format: 'esm',
        packages: 'external',
        logLevel: 'silent',
      });
      const imported = Object.values(analysis.metafile.inputs).flatMap((input) => input.imports.map((i) => i.path));
      expect(imported.length).toBeGreaterThan(0);
      expect(imported.filter((name) => !isBuiltin(name))).toEqual([]);
      // Minified (long lines; unminified code averages well under 100 characters a line), no source map.
      // 3 MB is a tripwire for an unminified or doubled bundle.
      expect(bundle.length / bundle.split('\n').length).toBeGreaterThan(1000);
      expect(bundle).not.toContain('sourceMappingURL');
      expect(bundle.length).toBeLessThan(3 * 1024 * 1024);
    },
  );
});

describe('the packaged sweep bundle', () => {
  it('runs a real sweep from a folder with no node_modules, against the local stack', async () => {
    // Prepare: the bundle alone in an empty folder (nothing to resolve but Node's built-ins), and a task
    // that ZEGO reports finished.
    const entries = unzip(await readFile(join(outDir, 'sweep.zip')));
    const bundleDir = await mkdtemp(join(tmpdir(), 'recwatch-bundle-'));
    const bundlePath = join(bundleDir, 'sweep.mjs');
    await writeFile(bundlePath, entries.get('functions/sweep.mjs')!);
    const stack = await startLocalStack();
    try {
      stack.zego.setTask('bundle-1', {
        Status: 3,
        RecordBeginTimestamp: Date.now() - 1000,
        RecordFiles: [zegoFile({ status: 3 })],
      });
      await stack.track('bundle-1');
      const script = `const { handler } = await import(${JSON.stringify(pathToFileURL(bundlePath).href)});
        const deadline = Date.now() + 20000;
        const summary = await handler({}, { awsRequestId: 'bundle-run', getRemainingTimeInMillis: () => deadline - Date.now() });
        console.log('SUMMARY ' + JSON.stringify(summary));`;
      // Act: a fresh node process, as a Lambda cold start would be.
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
        cwd: bundleDir,
        env: { PATH: process.env.PATH ?? '', ...stack.sweepEnv() },
        timeout: 30_000,
      });
      // Assess
      const summary = JSON.parse(
        stdout
          .split('\n')
          .find((line) => line.startsWith('SUMMARY '))!
          .slice(8),
      ) as { published: number; checked: number };
      expect(summary).toMatchObject({ checked: 1, published: 1 });
      expect(stack.sns.published()).toHaveLength(1);
      expect((await stack.store.get('bundle-1'))?.state).toBe('COMPLETED');
    } finally {
      await stack.close();
      await rm(bundleDir, { recursive: true, force: true });
    }
  });
});

// --- what the stack must never hold --------------------------------------------------------------------

describe('secrets', () => {
  it('no function carries a ServerSecret or a CallbackSecret, by name or by value', () => {
    const functions = resourcesOfType('AWS::Lambda::Function');
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

// --- storage and events --------------------------------------------------------------------------------

describe('tasks table', () => {
  it('has exactly the schema the store relies on, and outlives the stack', () => {
    expect(resource('TasksTable', 'AWS::DynamoDB::Table')).toEqual({
      Type: 'AWS::DynamoDB::Table',
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        TableName: `recwatch-${STAGE}-tasks`,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'taskId', AttributeType: 'S' },
          { AttributeName: 'dueShard', AttributeType: 'S' },
          { AttributeName: 'dueAt', AttributeType: 'N' },
          { AttributeName: 'roomId', AttributeType: 'S' },
          { AttributeName: 'trackedAt', AttributeType: 'N' },
        ],
        KeySchema: [{ AttributeName: 'taskId', KeyType: 'HASH' }],
        // Sparse: keyed on attributes only OPEN tasks carry, never on the table key.
        GlobalSecondaryIndexes: [
          {
            IndexName: 'due-index',
            KeySchema: [
              { AttributeName: 'dueShard', KeyType: 'HASH' },
              { AttributeName: 'dueAt', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
          // Sparse too: only tasks with a room carry roomId; a room's page is one Query, newest tracked first.
          {
            IndexName: 'room-index',
            KeySchema: [
              { AttributeName: 'roomId', KeyType: 'HASH' },
              { AttributeName: 'trackedAt', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      },
    });
    expect(template.Outputs.TasksTableName?.Value).toEqual({ Ref: 'TasksTable' });
  });
});

describe('events topic', () => {
  it('is an SNS topic named for the stage, exported as EventsTopicArn', () => {
    expect(resource('EventsTopic', 'AWS::SNS::Topic').Properties.TopicName).toBe(`recwatch-${STAGE}-events`);
    expect(template.Outputs.EventsTopicArn?.Value).toEqual({ Ref: 'EventsTopic' });
  });
});

// --- permissions ---------------------------------------------------------------------------------------

describe('IAM', () => {
  const granted = () => new Set(statements().flatMap(({ statement }) => asList(statement.Action)));

  it('grants only allowances, no wildcard actions, nothing beyond logs and the listed actions', () => {
    const expected = [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:Query',
      'dynamodb:DeleteItem',
      'lambda:InvokeFunction',
      'sns:Publish',
      'ssm:GetParameter',
    ];
    for (const { statement } of statements()) expect(statement.Effect).toBe('Allow');
    const actions = [...granted()];
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
    expect(actions).not.toContain('dynamodb:Scan');
    const beyondLogs = actions.filter((a) => !a.startsWith('logs:') && a !== 'kms:Decrypt');
    expect(beyondLogs.sort()).toEqual([...expected].sort());
  });

  it('gives each function its own role with exactly the table actions it uses', () => {
    const index = `${tableArn}/index/due-index`;
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
    // Listing: Query on the two indexes only (never the table, never a Scan); untracking: one DeleteItem.
    expect(roleOf('List').get('dynamodb')).toEqual([
      { actions: ['dynamodb:Query'], resources: [`${tableArn}/index/due-index`, `${tableArn}/index/room-index`] },
    ]);
    expect(roleOf('Untrack').get('dynamodb')).toEqual([{ actions: ['dynamodb:DeleteItem'], resources: [tableArn] }]);
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
    const role = resource(roleIdOf('Callback'), 'AWS::IAM::Role');
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
    expect(roleOf('Sweep').get('sns')).toEqual([
      { actions: ['sns:Publish'], resources: [topicArn, opsTopicArn].sort() },
    ]);
    // The callback announces nothing: a callback's body is not signed, only ZEGO's answer (the sweep's) is believed.
    expect(roleOf('Callback').get('sns')).toBeUndefined();
    expect(statementsFor('sns')).toHaveLength(1);
  });

  it('SSM: each reads exactly one parameter, the sweep the ServerSecret and the callback the CallbackSecret', () => {
    expect(roleOf('Sweep').get('ssm')).toEqual([{ actions: ['ssm:GetParameter'], resources: [serverSecretArn] }]);
    expect(roleOf('Callback').get('ssm')).toEqual([{ actions: ['ssm:GetParameter'], resources: [callbackSecretArn] }]);
    expect(statementsFor('ssm')).toHaveLength(2);
  });

  it('KMS: decrypt only under a condition (a customer managed key given), only through SSM', () => {
    for (const { statement, conditional } of statements()) {
      if (!asList(statement.Action).some((a) => a.startsWith('kms:'))) continue;
      expect(conditional).toBe(true);
      expect(asList(statement.Action)).toEqual(['kms:Decrypt']);
      expect(asList(statement.Resource)).not.toContain('*');
      expect(JSON.stringify(statement.Condition)).toContain('kms:ViaService');
    }
  });

  it('KMS: the customer managed key grant goes to the two roles that read a secret, the sweep and the callback', () => {
    const policy = resource('ZegoSecretKmsDecryptPolicy', 'AWS::IAM::Policy');
    expect(policy.Condition).toBe('HasZegoSecretKmsKey');
    expect(template.Conditions.HasZegoSecretKmsKey).toBeDefined();
    expect(policy.Properties.Roles).toEqual([{ Ref: roleIdOf('Sweep') }, { Ref: roleIdOf('Callback') }]);
    expect(resourcesOfType('AWS::IAM::Policy').map(([id]) => id)).toEqual(['ZegoSecretKmsDecryptPolicy']);
  });

  it('no DynamoDB, SNS or SSM statement applies to every resource', () => {
    for (const s of [...statementsFor('dynamodb'), ...statementsFor('sns'), ...statementsFor('ssm')]) {
      for (const r of asList(s.Resource)) expect(evaluate(r)).not.toContain('*');
    }
  });
});

// --- the HTTP API --------------------------------------------------------------------------------------

/** The function an API method's proxy integration invokes (`Track` for TrackLambdaFunction). */
function functionOf(method: Resource): string | undefined {
  return /"(\w+)LambdaFunction"/.exec(JSON.stringify(method.Properties.Integration))?.[1];
}

/** An API method's path, from its resource up to the API's root. */
function pathOf(method: Resource): string {
  const parts: string[] = [];
  let at = method.Properties.ResourceId as Json;
  for (;;) {
    if (at && typeof at === 'object' && !Array.isArray(at) && typeof at.Ref === 'string') {
      const found = resource(at.Ref, 'AWS::ApiGateway::Resource');
      parts.unshift(String(found.Properties.PathPart));
      at = found.Properties.ParentId!;
      continue;
    }
    expect(at, 'the path ends at the API root').toEqual({ 'Fn::GetAtt': ['ApiGatewayRestApi', 'RootResourceId'] });
    return `/${parts.join('/')}`;
  }
}

describe('HTTP API', () => {
  const methods = () => resourcesOfType('AWS::ApiGateway::Method');

  it('serves POST and GET /recordings, GET and DELETE /recordings/{taskId} and POST /callbacks/zego through their functions', () => {
    const routes = methods().map(([, m]) => `${String(m.Properties.HttpMethod)} ${pathOf(m)} ${functionOf(m)}`);
    expect(routes.sort()).toEqual([
      'DELETE /recordings/{taskId} Untrack',
      'GET /recordings List',
      'GET /recordings/{taskId} Lookup',
      'POST /callbacks/zego Callback',
      'POST /recordings Track',
    ]);
    expect(resource('ApiGatewayResourceRecordingsTaskidVar', 'AWS::ApiGateway::Resource').Properties.PathPart).toBe(
      '{taskId}',
    );
    for (const [, m] of methods()) expect((m.Properties.Integration as JsonObject).Type).toBe('AWS_PROXY');
  });

  it('requires an API key on every method but POST /callbacks/zego, which ZEGO calls without one', () => {
    expect(methods().length).toBeGreaterThan(0);
    const [keyless, keyed] = [
      methods().filter(([, m]) => functionOf(m) === 'Callback'),
      methods().filter(([, m]) => functionOf(m) !== 'Callback'),
    ];
    expect(keyless).toHaveLength(1);
    expect(keyed.length).toBeGreaterThan(0);
    for (const [id, m] of keyed) expect(m.Properties.ApiKeyRequired, id).toBe(true);
    // The callback is authenticated by ZEGO's signature, which the function verifies, not by a key.
    const [id, m] = keyless[0]!;
    expect(m.Properties.ApiKeyRequired ?? false, id).toBe(false);
    expect(m.Properties.AuthorizationType, id).toBe('NONE');
    expect(`${String(m.Properties.HttpMethod)} ${pathOf(m)}`).toBe('POST /callbacks/zego');
  });

  it('has an API key bound to a usage plan that throttles each key', () => {
    const [[, plan]] = resourcesOfType('AWS::ApiGateway::UsagePlan') as [[string, Resource]];
    expect(plan.Properties.Throttle).toEqual({ RateLimit: 10, BurstLimit: 20 });
    expect(plan.Properties.Quota).toMatchObject({ Limit: 100000, Period: 'DAY' });
    const stages = plan.Properties.ApiStages as JsonObject[];
    expect(stages).toHaveLength(1);
    expect(stages[0]!.ApiId).toEqual({ Ref: 'ApiGatewayRestApi' });
    const keys = resourcesOfType('AWS::ApiGateway::ApiKey');
    expect(keys).toHaveLength(1);
    const bindings = resourcesOfType('AWS::ApiGateway::UsagePlanKey');
    expect(bindings.map(([, b]) => b.Properties.KeyId)).toEqual([{ Ref: keys[0]![0] }]);
  });

  it('gives the API functions only the store settings, nothing of ZEGO or SNS', () => {
    for (const fn of ['TrackLambdaFunction', 'LookupLambdaFunction']) {
      const variables = (resource(fn, 'AWS::Lambda::Function').Properties.Environment as { Variables: JsonObject })
        .Variables;
      expect(Object.keys(variables).sort(), fn).toEqual(
        [
          'LOG_LEVEL',
          'POWERTOOLS_METRICS_NAMESPACE',
          'POWERTOOLS_SERVICE_NAME',
          'TASKS_TABLE',
          'TASK_INDEX_SHARDS',
          'TASK_RETENTION_DAYS',
        ].sort(),
      );
    }
  });
});

// --- operations ----------------------------------------------------------------------------------------

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

describe('operations', () => {
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

  it('alarms on a failing, throttled or idle sweep, failed schedules, configuration errors, lag, publish failures', () => {
    for (const metric of ['Throttles', 'Invocations', 'DestinationDeliveryFailures']) {
      expect(alarmOn('AWS/Lambda', metric).Properties.Dimensions).toEqual(onFunction('Sweep'));
    }
    // Errors: one alarm for the sweep and one for the callback function (see 'callback function' below).
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

  it('watches only metrics the sweep or the callback really emits, under the namespace and service they really use', () => {
    const env = sweepEnv();
    const custom = alarms().filter(([, a]) => a.Properties.Namespace === env.POWERTOOLS_METRICS_NAMESPACE);
    expect(custom.length).toBeGreaterThanOrEqual(5);
    for (const [id, alarm] of custom) {
      expect(EMITTED_METRICS, id).toContain(alarm.Properties.MetricName);
      expect(alarm.Properties.Dimensions, id).toEqual([{ Name: 'service', Value: env.POWERTOOLS_SERVICE_NAME }]);
    }
    expect(env.POWERTOOLS_SERVICE_NAME).toBe(`recwatch-${STAGE}`);
    expect(env.LOG_LEVEL).toBe('INFO');
  });

  it('has a dashboard of the sweep, its errors and the API, naming only emitted metrics', () => {
    const lines = dashboardLines();
    const custom = lines.filter((m) => m[0] === 'recwatch').map((m) => m[1] as string);
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

  it('links every alarm to the runbook section that says what it means and what to do', async () => {
    const runbook = await readFile(join(REPO, 'docs/operations.md'), 'utf8');
    const sections = new Set([...runbook.matchAll(/^## (\S+)$/gm)].map((m) => m[1]));
    for (const [id, alarm] of alarms()) {
      const anchor = /docs\/operations\.md#([\w-]+)/.exec(String(alarm.Properties.AlarmDescription))?.[1];
      expect(anchor, id).toBeDefined();
      expect(sections, `${id} → #${anchor}`).toContain(anchor);
    }
  });

  it('keeps every log group for the configured retention', () => {
    const groups = resourcesOfType('AWS::Logs::LogGroup');
    expect(groups.length).toBe(resourcesOfType('AWS::Lambda::Function').length);
    for (const [id, group] of groups) expect(group.Properties.RetentionInDays, id).toBe(30);
  });

  it('delivers a failed scheduled sweep to the ops topic, and lets the sweep role publish there', () => {
    const config = resource('SweepLambdaEvConf', 'AWS::Lambda::EventInvokeConfig').Properties;
    expect(config).toMatchObject({
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnFailure: { Destination: { Ref: 'OpsTopic' } } },
    });
    const sns = roleOf('Sweep').get('sns')!;
    expect(sns).toHaveLength(1);
    expect(sns[0]!.actions).toEqual(['sns:Publish']);
  });
});

// --- the callback function (POST /callbacks/zego) ------------------------------------------------------

describe('callback function', () => {
  const alarmsOn = (namespace: string, metric: string) =>
    resourcesOfType('AWS::CloudWatch::Alarm').filter(
      ([, a]) => a.Properties.Namespace === namespace && a.Properties.MetricName === metric,
    );
  const service = [{ Name: 'service', Value: `recwatch-${STAGE}` }];

  it('runs functions/callback.handler on the sweep runtime, 256 MB, in its own role, within 10 s', () => {
    const { Properties: p } = callback();
    expect(p.Handler).toBe('functions/callback.handler');
    expect(p.Runtime).toBe(sweep().Properties.Runtime);
    expect(p.MemorySize).toBe(256);
    // ZEGO retries a failed delivery only twice, 5 s apart: an answer must come quickly, or not hang on.
    expect(Number(p.Timeout)).toBeGreaterThan(0);
    expect(Number(p.Timeout)).toBeLessThanOrEqual(10);
    expect(p.Role).toEqual({ 'Fn::GetAtt': ['CallbackRole', 'Arn'] });
  });

  it('gets the store, the AppId, the sweep to start and the CallbackSecret only by SSM parameter name; no topic', () => {
    const variables = (callback().Properties.Environment as { Variables: JsonObject }).Variables;
    const sweepVariables = (sweep().Properties.Environment as { Variables: JsonObject }).Variables;
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

  it('is throttled by API Gateway per method, from stack parameters whose defaults let a burst of ends through', () => {
    const deployments = resourcesOfType('AWS::ApiGateway::Deployment');
    expect(deployments).toHaveLength(1);
    const settings = (deployments[0]![1].Properties.StageDescription as { MethodSettings: JsonObject[] })
      .MethodSettings;
    // CloudFormation: a MethodSetting's ResourcePath encodes each "/" as "~1".
    expect(settings).toEqual([
      {
        ResourcePath: '/~1callbacks~1zego',
        HttpMethod: 'POST',
        ThrottlingRateLimit: { Ref: 'CallbackRateLimit' },
        ThrottlingBurstLimit: { Ref: 'CallbackBurstLimit' },
      },
    ]);
    expect(template.Parameters.CallbackRateLimit).toMatchObject({ Type: 'Number', Default: '100', MinValue: 1 });
    expect(template.Parameters.CallbackBurstLimit).toMatchObject({ Type: 'Number', Default: '1000', MinValue: 1 });
  });

  it('starts sweeps whose events expire after a minute and are never retried', () => {
    const config = resourcesOfType('AWS::Lambda::EventInvokeConfig').find(([, r]) =>
      JSON.stringify(r.Properties.FunctionName).includes('SweepLambdaFunction'),
    );
    expect(config?.[1].Properties).toMatchObject({ MaximumEventAgeInSeconds: 60, MaximumRetryAttempts: 0 });
  });

  it('takes the CallbackSecret parameter name from a stack parameter, checked like the ServerSecret one', () => {
    const parameter = template.Parameters.ZegoCallbackSecretParam!;
    expect(parameter).toMatchObject({ Type: 'String', Default: `/recwatch/${STAGE}/zego-callback-secret` });
    const serverSecret = template.Parameters.ZegoSecretParam!;
    expect(parameter.AllowedPattern).toBe(serverSecret.AllowedPattern);
    const pattern = new RegExp(String(parameter.AllowedPattern));
    expect(pattern.test(String(parameter.Default))).toBe(true);
    for (const bad of ['', 'zego-callback-secret', '/recwatch/dev/', 'arn:aws:ssm:us-east-1:123456789012:parameter/x'])
      expect(pattern.test(bad), bad).toBe(false);
    expect(String(parameter.ConstraintDescription)).toContain('SSM SecureString');
  });

  it('outputs the URL to paste into the ZEGO console: the API endpoint of the stage, /callbacks/zego', () => {
    const output = template.Outputs.CallbackUrl;
    expect(output, 'the CallbackUrl output').toBeDefined();
    const url = evaluate(output!.Value!);
    expect(url).toBe(`https://${restApiId}.execute-api.${REGION}.amazonaws.com/${STAGE}/callbacks/zego`);
    // The very endpoint osls deploys (its ServiceEndpoint output), with the callback method's path.
    expect(url).toBe(`${evaluate(template.Outputs.ServiceEndpoint!.Value!)}/callbacks/zego`);
    const [, method] = resourcesOfType('AWS::ApiGateway::Method').find(([, m]) => functionOf(m) === 'Callback')!;
    expect(new URL(url).pathname).toBe(`/${STAGE}${pathOf(method)}`);
    expect(String(output!.Description)).toMatch(/ZEGO/);
  });

  it('alarms on a run of refused callbacks: the total, 5 or more in 2 of 3 five-minute periods, to the ops topic', () => {
    const found = alarmsOn('recwatch', CALLBACK_METRICS.refused);
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
    const found = alarmsOn('AWS/Lambda', 'Errors').filter(
      ([, a]) =>
        JSON.stringify(a.Properties.Dimensions) ===
        JSON.stringify([{ Name: 'FunctionName', Value: { Ref: 'CallbackLambdaFunction' } }]),
    );
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

  it('has dashboard graphs of callbacks received, acted on, ignored and refused, by service', () => {
    const lines = dashboardLines().filter(
      (m) => m[0] === 'recwatch' && Object.values(CALLBACK_METRICS).includes(m[1] as never),
    );
    for (const name of Object.values(CALLBACK_METRICS)) {
      const line = lines.find((m) => m[1] === name);
      expect(line, name).toBeDefined();
      expect(line!.slice(2, 4), name).toEqual(['service', `recwatch-${STAGE}`]);
      expect((line![4] as JsonObject).stat, name).toBe('Sum');
    }
  });

  it('graphs refused callbacks by reason: a search over the reason dimension of the service', () => {
    const expressions = dashboardLines()
      .flatMap((m) =>
        m.filter((part): part is JsonObject => typeof part === 'object' && typeof part.expression === 'string'),
      )
      .map((e) => String(e.expression));
    const searches = expressions
      .map((e) => /^SEARCH\('\{([^}]+)\}\s+(.*)',\s*'(\w+)',\s*(\d+)\)$/.exec(e))
      .filter((m): m is RegExpExecArray => m !== null && m[2]!.includes(`MetricName="${CALLBACK_METRICS.refused}"`));
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
    const ofCallback = dashboardLines().filter(
      (m) => m[0] === 'AWS/Lambda' && m[2] === 'FunctionName' && m[3] === 'CallbackLambdaFunction',
    );
    const metrics = new Set(ofCallback.map((m) => m[1]));
    for (const name of ['Invocations', 'Errors', 'Duration']) expect(metrics, name).toContain(name);
  });

  it('has a runbook section for the refused-callbacks alarm that explains every refusal reason', async () => {
    const runbook = await readFile(join(REPO, 'docs/operations.md'), 'utf8');
    const section = /^## callbacks-refused$([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(runbook)?.[1];
    expect(section, 'the callbacks-refused section').toBeDefined();
    for (const reason of REFUSAL_REASONS) expect(section, reason).toContain(`\`${reason}\``);
    expect(section).toContain('aws ssm put-parameter --overwrite');
    expect(section).toContain(`\`${REFUSAL_DIMENSION}\``);
  });
});
