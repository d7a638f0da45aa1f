// A configuration the functions would refuse at every cold start is refused when the stack is packaged
// (infra/check-config.cjs runs each function's environment through its own loader in lib/config.ts), so
// `npm run deploy` stops before CloudFormation changes anything, with one line naming the variable. The
// check reads each function's environment as the packaged template sets it; one case goes through a real
// `serverless package` with the plugin.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../support/cloudformation';
import { packageService, REPO } from '../support/package-service';
import { FUNCTIONS, loadTemplate } from '../support/template';

const { resource } = loadTemplate();

/** Every function's environment in the packaged template, by its serverless.yml name, with `change` applied. */
function environments(change: Record<string, Record<string, string>> = {}) {
  return Object.fromEntries(
    FUNCTIONS.map((fn) => {
      const props = resource(`${fn}LambdaFunction`, 'AWS::Lambda::Function').Properties;
      const name = fn.toLowerCase();
      const variables = (props.Environment as { Variables: JsonObject }).Variables;
      return [name, { ...variables, ...change[name] }];
    }),
  );
}

function check(change?: Record<string, Record<string, string>>) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'infra/check-config.ts'], {
    cwd: REPO,
    input: JSON.stringify({ functions: environments(change) }),
    encoding: 'utf8',
  });
  return { status: run.status, stderr: run.stderr.trim() };
}

describe('the configuration check before packaging', () => {
  it("passes the stack's own defaults", () => {
    // Act + Assess
    expect(check()).toEqual({ status: 0, stderr: '' });
  });

  it.each([
    // The stop reserve (2 × 20 s + 2 s) would leave the sweep less than half of its 60 s.
    ['a ZEGO timeout that leaves the sweep no time', { ZEGO_TIMEOUT_MS: '20000' }, /^sweep: ZEGO_TIMEOUT_MS \(20000\)/],
    ['a rate limit of 0', { ZEGO_RATE_LIMIT: '0' }, /^sweep: ZEGO_RATE_LIMIT must be/],
    ['a backoff cap below the interval', { CHECK_INTERVAL_MAX_SECONDS: '10' }, /^sweep: CHECK_INTERVAL_MAX_SECONDS/],
    ['a listing rate limit of 0', { ZEGO_DESCRIBE_TASKS_RATE_LIMIT: '0' }, /^sweep: ZEGO_DESCRIBE_TASKS_RATE_LIMIT/],
    ['no concurrency', { SWEEP_CONCURRENCY: '0' }, /^sweep: SWEEP_CONCURRENCY/],
    ['an unknown switch value', { SWEEP_TRIAGE: 'yes' }, /^sweep: SWEEP_TRIAGE/],
    ['a retention of 0 days', { TASK_RETENTION_DAYS: '0' }, /^sweep: TASK_RETENTION_DAYS/],
  ])('refuses %s, in one line naming the variable', (_, change, message) => {
    // Act
    const { status, stderr } = check({ sweep: change });

    // Assess
    expect(status).toBe(1);
    expect(stderr.split('\n')).toHaveLength(1);
    expect(stderr).toMatch(message);
  });

  it('stops `serverless package` itself', { timeout: 150_000 }, async () => {
    // Act
    const packaging = packageService({ params: { zegoTimeoutMs: '20000' } });

    // Assess
    await expect(packaging).rejects.toThrow(/would refuse this configuration at cold start:\s+sweep: ZEGO_TIMEOUT_MS/);
  });
});
