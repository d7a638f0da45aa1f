// npm run lint must mean the template was linted: without cfn-lint it says so in one line and fails.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

describe('npm run lint', () => {
  it('fails with one line when cfn-lint is not installed', async () => {
    // Prepare: a PATH with bash and coreutils but no cfn-lint.
    const env = { PATH: '/usr/bin:/bin' };

    // Act
    const error = await promisify(execFile)('bash', ['infra/lint.sh'], { env }).then(
      () => undefined,
      (e: { code?: number; stderr?: string }) => e,
    );

    // Assess
    expect(error?.code).toBe(1);
    const lines = String(error?.stderr).trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/cfn-lint is not installed .* the template was not linted/);
  });
});
