// Runs `serverless package` for a test: no AWS credentials, no network, and the output in a temporary folder.
//
// It runs in a copy of the repository (node_modules linked): osls deletes the service's .serverless/ at
// the start of every package, even with --package elsewhere, and serverless-esbuild works in .esbuild/;
// a test must not wipe or race a developer's `npm run package`, nor another test's packaging.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));

// What `serverless package` reads: the config, the resource files and the code it bundles. (A function
// that imports from another top-level directory needs it added here.)
const PACKAGED = ['serverless.yml', 'package.json', 'tsconfig.json', 'infra', 'functions', 'lib'];

export interface PackagedService<Template> {
  /** Where the zips and the CloudFormation templates are. */
  outDir: string;
  /** cloudformation-template-update-stack.json, parsed. */
  template: Template;
  /** Removes the copy and the output. */
  cleanup(): Promise<void>;
}

export interface PackageOptions {
  /** `--param name=value` for each entry. */
  params?: Record<string, string>;
  /** Added to the environment of the packaging run. */
  env?: Record<string, string>;
}

export async function packageService<Template>(options: PackageOptions = {}): Promise<PackagedService<Template>> {
  const workDir = await mkdtemp(join(tmpdir(), 'recwatch-package-'));
  const cleanup = () => rm(workDir, { recursive: true, force: true });
  try {
    const serviceDir = join(workDir, 'service');
    const outDir = join(workDir, 'package');
    for (const entry of PACKAGED) await cp(join(REPO, entry), join(serviceDir, entry), { recursive: true });
    await symlink(join(REPO, 'node_modules'), join(serviceDir, 'node_modules'), 'dir');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      SLS_TELEMETRY_DISABLED: '1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // Prove packaging needs no credentials: none in the environment, no profile files to fall back on.
      AWS_CONFIG_FILE: join(workDir, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(workDir, 'no-aws-credentials'),
      ...options.env,
    };
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'])
      delete env[name];
    const params = Object.entries(options.params ?? {}).flatMap(([name, value]) => ['--param', `${name}=${value}`]);
    try {
      await promisify(execFile)('npx', ['--no', 'serverless', 'package', '--package', outDir, ...params], {
        cwd: serviceDir,
        env,
        timeout: 110_000,
        maxBuffer: 16 * 1024 * 1024,
      });
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      throw new Error(`serverless package failed:\n${`${stdout}\n${stderr}`.trim().slice(-4000)}`, { cause: error });
    }
    const template = JSON.parse(
      await readFile(join(outDir, 'cloudformation-template-update-stack.json'), 'utf8'),
    ) as Template;
    return { outDir, template, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
