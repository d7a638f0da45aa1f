// The deployed shape, checked on what CloudFormation would receive: `serverless package` runs once (no AWS
// credentials, no network; in a copy of the repository, see support/package-service.ts) and the tests read
// its template and the sweep's zip.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { inflateRawSync } from 'node:zlib';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zegoFile } from '../infra/local/zego-simulator';
import { stopReserveMs } from '../lib/sweep/engine';
import { SWEEP_METRICS } from '../lib/sweep/sweep-metrics';
import { startLocalStack } from './support/local-stack';
import { packageService, REPO, type PackagedService } from './support/package-service';

const STAGE = 'dev';
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
// Handed to the packaging run in the ways someone might wire a ServerSecret into the stack; it must
// not come out anywhere in the template.
const SECRET_CANARY = 'c0ffee00deadbeefc0ffee00deadbeef';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
interface Resource {
  Type: string;
  Condition?: string;
  Properties: JsonObject;
  [attribute: string]: Json | undefined;
}
interface Template {
  Parameters: Record<string, JsonObject>;
  Conditions: Record<string, Json>;
  Resources: Record<string, Resource>;
  Outputs: Record<string, JsonObject>;
}
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: Json;
  Condition?: JsonObject;
}

let packaged: PackagedService<Template>;
let outDir: string;
let template: Template;

beforeAll(async () => {
  packaged = await packageService<Template>({
    env: { ZEGO_SERVER_SECRET: SECRET_CANARY },
    params: { zegoServerSecret: SECRET_CANARY },
  });
  ({ outDir, template } = packaged);
}, 120_000);

afterAll(async () => {
  await packaged?.cleanup();
});

// --- helpers -------------------------------------------------------------------------------------------

const sweep = (): Resource => resource('SweepLambdaFunction', 'AWS::Lambda::Function');

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

/**
 * Evaluates the intrinsic functions IAM statements use (Ref, Fn::GetAtt, Fn::Join, Fn::Sub) as
 * CloudFormation would in a fixed account and region, so ARNs are compared as the strings AWS sees,
 * whichever way the YAML spells them. Parameters take their defaults, as in a deploy without overrides.
 */
function evaluate(value: Json): string {
  const ref = (name: string): string => {
    const pseudo: Record<string, string> = { 'AWS::Partition': 'aws', 'AWS::Region': REGION, 'AWS::AccountId': ACCOUNT };
    if (pseudo[name] !== undefined) return pseudo[name];
    if (template.Parameters[name]) return String(template.Parameters[name].Default);
    if (name === 'TasksTable') return `recwatch-${STAGE}-tasks`;
    if (name === 'EventsTopic') return topicArn;
    if (name === 'OpsTopic') return opsTopicArn;
    throw new Error(`cannot evaluate Ref ${name}`);
  };
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    if (typeof value.Ref === 'string') return ref(value.Ref);
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt) && getAtt[0] === 'TasksTable' && getAtt[1] === 'Arn') return tableArn;
    const join = value['Fn::Join'];
    if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) return join[1].map(evaluate).join(join[0]);
    const sub = value['Fn::Sub'];
    if (typeof sub === 'string') return sub.replace(/\$\{([^}]+)\}/g, (_, name: string) => ref(name));
  }
  throw new Error(`cannot evaluate ${JSON.stringify(value)}`);
}
const tableArn = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/recwatch-${STAGE}-tasks`;
const topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:recwatch-${STAGE}-events`;
const opsTopicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:recwatch-${STAGE}-ops`;

/** Every statement granted to the functions: the role's inline policies and any extra IAM::Policy. */
function statements(): { statement: Statement; conditional: boolean }[] {
  const policies: { document: Json; conditional: boolean }[] = [];
  for (const [, role] of resourcesOfType('AWS::IAM::Role')) {
    for (const policy of (role.Properties.Policies ?? []) as JsonObject[]) policies.push({ document: policy.PolicyDocument!, conditional: false });
  }
  for (const [, policy] of resourcesOfType('AWS::IAM::Policy')) {
    policies.push({ document: policy.Properties.PolicyDocument!, conditional: policy.Condition !== undefined });
  }
  return policies.flatMap(({ document, conditional }) =>
    asList((document as unknown as { Statement: Statement | Statement[] }).Statement).map((statement) => ({ statement, conditional })),
  );
}

function statementsFor(service: string): Statement[] {
  return statements()
    .map(({ statement }) => statement)
    .filter((s) => asList(s.Action).some((action) => action.startsWith(`${service}:`)));
}

/** The statements of one function's own role, by service, with resources evaluated. */
function roleOf(fn: string): Map<string, { actions: string[]; resources: string[] }[]> {
  const role = (resource(`${fn}LambdaFunction`, 'AWS::Lambda::Function').Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!;
  const byService = new Map<string, { actions: string[]; resources: string[] }[]>();
  for (const policy of (resource(role, 'AWS::IAM::Role').Properties.Policies ?? []) as JsonObject[]) {
    for (const statement of asList((policy.PolicyDocument as unknown as { Statement: Statement | Statement[] }).Statement)) {
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


/** Reads a zip's entries (central directory + stored/deflated data): enough for what archiver writes. */
function unzip(zip: Buffer): Map<string, Buffer> {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('not a zip: no end of central directory');
  const entries = new Map<string, Buffer>();
  let at = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < zip.readUInt16LE(eocd + 10); i += 1) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(dataStart, dataStart + compressedSize);
    entries.set(name, method === 8 ? inflateRawSync(data) : Buffer.from(data));
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return entries;
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
      (rule.Properties.Targets as JsonObject[]).some((t) => JSON.stringify(t.Arn) === JSON.stringify({ 'Fn::GetAtt': ['SweepLambdaFunction', 'Arn'] })),
    );
    expect(rules).toHaveLength(1);
    expect(rules[0]![1].Properties).toMatchObject({ ScheduleExpression: 'rate(1 minute)', State: 'ENABLED' });
    const permissions = resourcesOfType('AWS::Lambda::Permission').filter(([, perm]) => perm.Properties.Principal === 'events.amazonaws.com');
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
    expect(template.Conditions[condition]).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'SweepReservedConcurrency' }, '0'] }] });
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
    });
    expect(evaluate(variables.ZEGO_SERVER_SECRET_PARAM!)).toBe(`/recwatch/${STAGE}/zego-server-secret`);
  });

  it('cannot be deployed without a ZEGO AppId, yet packages without one', () => {
    const appId = template.Parameters.ZegoAppId!;
    expect(appId.Type).toBe('String');
    const pattern = new RegExp(String(appId.AllowedPattern));
    expect(pattern.test(String(appId.Default ?? '')), 'the default must fail the pattern').toBe(false);
    expect(pattern.test('1234567890')).toBe(true);
    expect(String(appId.ConstraintDescription)).toContain('zegoAppId');
  });

  it.each(['sweep', 'track', 'lookup'])('%s is packaged as one self-contained, minified ES module bundle', async (name) => {
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
      stdin: { contents: bundle, loader: 'js', sourcefile: 'sweep.mjs' },
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
  });
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
      stack.zego.setTask('bundle-1', { Status: 3, RecordBeginTimestamp: Date.now() - 1000, RecordFiles: [zegoFile({ status: 3 })] });
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
      const summary = JSON.parse(stdout.split('\n').find((line) => line.startsWith('SUMMARY '))!.slice(8)) as { published: number; checked: number };
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
  it('no function carries a ServerSecret, by name or by value', () => {
    const functions = resourcesOfType('AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThan(0);
    for (const [id, fn] of functions) {
      const variables = (fn.Properties.Environment as { Variables?: JsonObject } | undefined)?.Variables ?? {};
      for (const [name, value] of Object.entries(variables)) {
        expect(/SECRET/i.test(name) && name !== 'ZEGO_SERVER_SECRET_PARAM', `${id}: ${name}`).toBe(false);
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
    expect(roleOf('Sweep').get('dynamodb')).toEqual([
      { actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'], resources: [tableArn, index].sort() },
    ]);
    expect(roleOf('Track').get('dynamodb')).toEqual([{ actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], resources: [tableArn] }]);
    expect(roleOf('Lookup').get('dynamodb')).toEqual([{ actions: ['dynamodb:GetItem'], resources: [tableArn] }]);
    for (const fn of ['Track', 'Lookup']) expect([...roleOf(fn).keys()], fn).toEqual(['dynamodb']);
    expect([...roleOf('Sweep').keys()].sort()).toEqual(['dynamodb', 'sns', 'ssm']);
  });

  it('lets each function write logs to its own log group only', () => {
    for (const fn of ['Sweep', 'Track', 'Lookup']) {
      const role = (resource(`${fn}LambdaFunction`, 'AWS::Lambda::Function').Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!;
      const logs = ((resource(role, 'AWS::IAM::Role').Properties.Policies ?? []) as JsonObject[])
        .flatMap((p) => asList((p.PolicyDocument as unknown as { Statement: Statement | Statement[] }).Statement))
        .filter((st) => asList(st.Action).some((a) => a.startsWith('logs:')));
      expect(logs.map((st) => st.Resource), fn).toEqual([{ 'Fn::GetAtt': [`${fn}LogGroup`, 'Arn'] }]);
    }
  });

  it('SNS: publish to the events topic (outcomes) and the ops topic (failed runs) only', () => {
    const sns = statementsFor('sns');
    expect(sns.length).toBeGreaterThan(0);
    for (const s of sns) expect(asList(s.Resource).map(evaluate).sort()).toEqual([topicArn, opsTopicArn].sort());
  });

  it('SSM: read exactly one parameter, the ServerSecret', () => {
    const ssm = statementsFor('ssm');
    expect(ssm.length).toBeGreaterThan(0);
    for (const s of ssm) {
      expect(asList(s.Resource).map(evaluate)).toEqual([`arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/recwatch/${STAGE}/zego-server-secret`]);
    }
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

  it('no DynamoDB, SNS or SSM statement applies to every resource', () => {
    for (const s of [...statementsFor('dynamodb'), ...statementsFor('sns'), ...statementsFor('ssm')]) {
      for (const r of asList(s.Resource)) expect(evaluate(r)).not.toContain('*');
    }
  });
});

// --- the HTTP API --------------------------------------------------------------------------------------

describe('HTTP API', () => {
  const methods = () => resourcesOfType('AWS::ApiGateway::Method');

  it('serves POST /recordings and GET /recordings/{taskId} through the track and lookup functions', () => {
    const routes = methods().map(([, m]) => {
      const uri = JSON.stringify(m.Properties.Integration);
      const fn = /"(\w+)LambdaFunction"/.exec(uri)?.[1];
      return `${String(m.Properties.HttpMethod)} ${fn}`;
    });
    expect(routes.sort()).toEqual(['GET Lookup', 'POST Track']);
    expect(resource('ApiGatewayResourceRecordingsTaskidVar', 'AWS::ApiGateway::Resource').Properties.PathPart).toBe('{taskId}');
    for (const [, m] of methods()) expect((m.Properties.Integration as JsonObject).Type).toBe('AWS_PROXY');
  });

  it('requires an API key on every method', () => {
    expect(methods().length).toBeGreaterThan(0);
    for (const [id, m] of methods()) expect(m.Properties.ApiKeyRequired, id).toBe(true);
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
      const variables = (resource(fn, 'AWS::Lambda::Function').Properties.Environment as { Variables: JsonObject }).Variables;
      expect(Object.keys(variables).sort(), fn).toEqual(
        ['LOG_LEVEL', 'POWERTOOLS_METRICS_NAMESPACE', 'POWERTOOLS_SERVICE_NAME', 'TASKS_TABLE', 'TASK_INDEX_SHARDS', 'TASK_RETENTION_DAYS'].sort(),
      );
    }
  });
});

// --- operations ----------------------------------------------------------------------------------------

describe('operations', () => {
  const alarms = () => resourcesOfType('AWS::CloudWatch::Alarm');
  const alarmOn = (namespace: string, metric: string) => {
    const found = alarms().filter(([, a]) => a.Properties.Namespace === namespace && a.Properties.MetricName === metric);
    expect(found, `an alarm on ${namespace} ${metric}`).toHaveLength(1);
    return found[0]![1];
  };
  const sweepEnv = () => (sweep().Properties.Environment as { Variables: JsonObject }).Variables;

  it('alarms on a failing, throttled or idle sweep, failed schedules, configuration errors, lag, publish failures', () => {
    for (const metric of ['Errors', 'Throttles', 'Invocations', 'DestinationDeliveryFailures']) {
      expect(alarmOn('AWS/Lambda', metric).Properties.Dimensions).toEqual([{ Name: 'FunctionName', Value: { Ref: 'SweepLambdaFunction' } }]);
    }
    expect(alarmOn('AWS/Lambda', 'Invocations').Properties).toMatchObject({ ComparisonOperator: 'LessThanThreshold', TreatMissingData: 'breaching' });
    expect(alarmOn('AWS/Events', 'FailedInvocations').Properties.Dimensions).toEqual([{ Name: 'RuleName', Value: { Ref: 'SweepEventsRuleSchedule1' } }]);
    for (const metric of ['ZegoConfigErrors', 'PublishFailures', 'RateRefusals']) {
      expect(alarmOn('recwatch', metric).Properties).toMatchObject({ Statistic: 'Sum', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    }
    const lag = alarmOn('recwatch', 'SweepLag').Properties;
    expect(lag).toMatchObject({ Statistic: 'Maximum', Threshold: { Ref: 'SweepLagAlarmSeconds' }, ComparisonOperator: 'GreaterThanThreshold' });
    expect(template.Parameters.SweepLagAlarmSeconds).toMatchObject({ Type: 'Number', Default: '300' });
    const apiName = resource('ApiGatewayRestApi', 'AWS::ApiGateway::RestApi').Properties.Name;
    expect(alarmOn('AWS/ApiGateway', '5XXError').Properties.Dimensions).toEqual([{ Name: 'ApiName', Value: apiName }]);
  });

  it('sends every alarm to the ops topic, which an email address can subscribe to through a stack parameter', () => {
    for (const [id, alarm] of alarms()) expect(alarm.Properties.AlarmActions, id).toEqual([{ Ref: 'OpsTopic' }]);
    resource('OpsTopic', 'AWS::SNS::Topic');
    const subscription = resource('OpsEmailSubscription', 'AWS::SNS::Subscription');
    expect(subscription.Condition).toBe('HasOpsEmail');
    expect(subscription.Properties).toMatchObject({ Protocol: 'email', Endpoint: { Ref: 'OpsEmail' }, TopicArn: { Ref: 'OpsTopic' } });
    expect(template.Parameters.OpsEmail).toMatchObject({ Type: 'String', Default: '' });
    expect(template.Conditions.HasOpsEmail).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'OpsEmail' }, ''] }] });
  });

  it('watches only metrics the sweep really emits, under the namespace and service it really uses', () => {
    const env = sweepEnv();
    const custom = alarms().filter(([, a]) => a.Properties.Namespace === env.POWERTOOLS_METRICS_NAMESPACE);
    expect(custom.length).toBeGreaterThanOrEqual(4);
    for (const [id, alarm] of custom) {
      expect(Object.keys(SWEEP_METRICS), id).toContain(alarm.Properties.MetricName);
      expect(alarm.Properties.Dimensions, id).toEqual([{ Name: 'service', Value: env.POWERTOOLS_SERVICE_NAME }]);
    }
    expect(env.POWERTOOLS_SERVICE_NAME).toBe(`recwatch-${STAGE}`);
    expect(env.LOG_LEVEL).toBe('INFO');
  });

  it('has a dashboard of the sweep, its errors and the API, naming only emitted metrics', () => {
    const dashboard = resource('OpsDashboard', 'AWS::CloudWatch::Dashboard');
    const sub = (dashboard.Properties.DashboardBody as { 'Fn::Sub': string })['Fn::Sub'];
    const body = JSON.parse(sub.replace(/\$\{SweepLagAlarmSeconds\}/g, '300').replace(/\$\{[^}]+\}/g, 'x')) as {
      widgets: { properties: { metrics?: (string | object)[][] } }[];
    };
    const lines = body.widgets.flatMap((w) => w.properties.metrics ?? []);
    const custom = lines.filter((m) => m[0] === 'recwatch').map((m) => m[1] as string);
    for (const name of custom) expect(Object.keys(SWEEP_METRICS)).toContain(name);
    for (const name of ['PeakRequestsPerSecond', 'RateLimit', 'SweepLag', 'TasksChecked', 'OpenTasks', 'RecordingsCompleted', 'ZegoConfigErrors', 'ZegoTransientErrors', 'ZegoTaskErrors', 'RateRefusals', 'PublishFailures', 'SweepDuration']) {
      expect(custom, name).toContain(name);
    }
    expect(lines.some((m) => m[0] === 'AWS/ApiGateway')).toBe(true);
    expect(lines.some((m) => m[0] === 'AWS/Lambda' && m[1] === 'Errors')).toBe(true);
  });

  it('links every alarm to the runbook section that says what it means and what to do', async () => {
    const runbook = await readFile(join(REPO, 'docs/runbook.md'), 'utf8');
    const sections = new Set([...runbook.matchAll(/^## (\S+)$/gm)].map((m) => m[1]));
    for (const [id, alarm] of alarms()) {
      const anchor = /docs\/runbook\.md#([\w-]+)/.exec(String(alarm.Properties.AlarmDescription))?.[1];
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
    expect(config).toMatchObject({ MaximumRetryAttempts: 0, DestinationConfig: { OnFailure: { Destination: { Ref: 'OpsTopic' } } } });
    const sns = roleOf('Sweep').get('sns')!;
    expect(sns).toHaveLength(1);
    expect(sns[0]!.actions).toEqual(['sns:Publish']);
  });
});
