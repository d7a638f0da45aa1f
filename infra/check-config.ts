// `serverless package` and `deploy` (through infra/check-config.cjs): each function's environment, as the
// stack will set it, read by the very loader the function runs at cold start (lib/config.ts). A
// configuration the code would refuse at every cold start (a rate limit of 0, a ZEGO timeout that leaves
// the sweep no time, a backoff cap below the interval…) fails the packaging instead, before anything is
// deployed, with the loader's own message naming the variable.
//
// Input on stdin: {"functions": {"<name>": {"<VARIABLE>": "<value>" | <a CloudFormation intrinsic>}}}. An
// intrinsic is resolved by CloudFormation at deploy time, and checked there by its parameter's own
// constraints: it is stood in for by a value the loader accepts.
import { readFileSync } from 'node:fs';
import { ConfigError, loadCallbackConfig, loadListConfig, loadStoreConfig, loadSweepConfig } from '../lib/config';

type Env = Record<string, string | undefined>;

/** Which loader each function runs (functions/*.ts). */
const LOADERS: Record<string, (env: Env) => unknown> = {
  sweep: loadSweepConfig,
  callback: loadCallbackConfig,
  list: loadListConfig,
  track: loadStoreConfig,
  lookup: loadStoreConfig,
  untrack: loadStoreConfig,
};

/** Stand-ins for what CloudFormation fills in (each checked by its stack parameter's constraints). */
const RESOLVED_AT_DEPLOY: Record<string, string> = {
  TASKS_TABLE: 'recwatch-check-tasks',
  EVENTS_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:recwatch-check-events',
  EVENT_BUS_NAME: '',
  ZEGO_APP_ID: '1',
  ZEGO_SERVER_SECRET_PARAM: '/recwatch/check/zego-server-secret',
  ZEGO_CALLBACK_SECRET_PARAM: '/recwatch/check/zego-callback-secret',
  PAGE_TOKEN_KEY: 'arn:aws:cloudformation:us-east-1:123456789012:stack/recwatch-check/0',
  SWEEP_FUNCTION_NAME: 'recwatch-check-sweep',
};

const input = JSON.parse(readFileSync(0, 'utf8')) as { functions: Record<string, Record<string, unknown>> };
const problems: string[] = [];
for (const [name, environment] of Object.entries(input.functions)) {
  const load = LOADERS[name];
  if (load === undefined) {
    problems.push(`${name}: no configuration loader is known for this function (infra/check-config.ts)`);
    continue;
  }
  const env: Env = {};
  for (const [variable, value] of Object.entries(environment)) {
    if (typeof value === 'string' || typeof value === 'number') env[variable] = String(value);
    else if (RESOLVED_AT_DEPLOY[variable] !== undefined) env[variable] = RESOLVED_AT_DEPLOY[variable];
    else
      problems.push(`${name}: ${variable} is set by CloudFormation and infra/check-config.ts has no stand-in for it`);
  }
  try {
    load(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(`${name}: ${error.message}`);
  }
}
if (problems.length > 0) {
  process.stderr.write(`${problems.join('\n')}\n`);
  process.exit(1);
}
