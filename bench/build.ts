// Builds what the benchmark runs: every functions/*.ts with the very esbuild options serverless.yml gives
// serverless-esbuild (read from the file, not copied), a bare handler per function that imports only the
// AWS SDK clients that function's bundle holds, and the Lambda runtime stand-in (lambda-runtime.ts).
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { parse } from 'yaml';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

// serverless-esbuild removes these before calling esbuild (its dist/bundle.js): they are the plugin's own.
const PLUGIN_ONLY = [
  'concurrency',
  'zipConcurrency',
  'exclude',
  'nativeZip',
  'packager',
  'packagePath',
  'watch',
  'keepOutputDirectory',
  'packagerOptions',
  'installExtraArgs',
  'outputFileExtension',
  'outputBuildFolder',
  'outputWorkFolder',
  'nodeExternals',
  'skipBuild',
  'skipRebuild',
  'skipBuildExcludeFns',
  'stripEntryResolveExtensions',
  'disposeContext',
  'config',
];

export interface Bundle {
  name: string;
  path: string;
  bytes: number;
  /** @aws-sdk/client-* and @aws-sdk/lib-dynamodb packages inside the bundle. */
  sdkPackages: string[];
}

export interface Builds {
  runtime: string;
  functions: Bundle[];
  /** Keyed by function name. */
  bare: Record<string, Bundle>;
}

/** custom.esbuild of serverless.yml, as serverless-esbuild hands it to esbuild. */
export async function deployedBuildOptions(): Promise<BuildOptions> {
  // logLevel silent: CloudFormation's short tags (!Ref…) are unknown to `yaml` and only warned about.
  const service = parse(await readFile(join(ROOT, 'serverless.yml'), 'utf8'), { logLevel: 'silent' }) as {
    custom?: { esbuild?: Record<string, unknown> };
  };
  const custom = { ...(service.custom?.esbuild ?? {}) };
  const extension = typeof custom.outputFileExtension === 'string' ? custom.outputFileExtension : '.js';
  for (const key of PLUGIN_ONLY) delete custom[key];
  return { ...custom, ...(extension === '.js' ? {} : { outExtension: { '.js': extension } }) } as BuildOptions;
}

/** Every function: one file per Lambda in functions/ (contract), found afresh on each run. */
export async function discoverFunctions(): Promise<string[]> {
  const files = await readdir(join(ROOT, 'functions'));
  return files
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.includes('.test.'))
    .map((f) => f.slice(0, -3))
    .sort();
}

export async function buildAll(outDir: string): Promise<Builds> {
  const options = await deployedBuildOptions();
  const names = await discoverFunctions();
  const functions = await Promise.all(
    names.map((name) => buildOne(options, outDir, name, { entryPoints: [join(ROOT, 'functions', `${name}.ts`)] })),
  );
  const bare: Record<string, Bundle> = {};
  for (const fn of functions) {
    bare[fn.name] = await buildOne(options, outDir, `bare-${fn.name}`, {
      stdin: {
        contents: bareSource(fn.sdkPackages, await clientClasses(fn.sdkPackages)),
        resolveDir: ROOT,
        sourcefile: `bare-${fn.name}.ts`,
        loader: 'ts',
      },
    });
  }
  // The runtime stand-in is not what is measured; it is bundled only so that no TypeScript loader runs in the child.
  await build({
    entryPoints: [join(ROOT, 'bench', 'lambda-runtime.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: join(outDir, 'lambda-runtime.mjs'),
    logLevel: 'silent',
  });
  return { runtime: join(outDir, 'lambda-runtime.mjs'), functions, bare };
}

async function buildOne(
  options: BuildOptions,
  outDir: string,
  name: string,
  entry: Pick<BuildOptions, 'entryPoints' | 'stdin'>,
): Promise<Bundle> {
  const extension = options.outExtension?.['.js'] ?? '.js';
  const path = join(outDir, `${name}${extension}`);
  const { outExtension: _ignored, ...rest } = options;
  const result = await build({ ...rest, ...entry, outfile: path, metafile: true, write: true, logLevel: 'silent' });
  return { name, path, bytes: (await stat(path)).size, sdkPackages: sdkPackagesOf(result.metafile) };
}

function sdkPackagesOf(metafile: Metafile): string[] {
  const found = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    const match = /node_modules\/(@aws-sdk\/(?:client-[\w-]+|lib-dynamodb))\//.exec(
      relative(ROOT, input).replaceAll('\\', '/'),
    );
    if (match) found.add(match[1]!);
  }
  return [...found].sort();
}

/** The client class each package exports (DynamoDBClient, SNSClient…), read from the package itself. */
async function clientClasses(packages: string[]): Promise<Record<string, string>> {
  const classes: Record<string, string> = {};
  for (const pkg of packages.filter((p) => p.includes('/client-'))) {
    const exported = Object.keys((await import(pkg)) as Record<string, unknown>);
    const name = exported.find((key) => /^[A-Z]\w*Client$/.test(key));
    if (name === undefined) throw new Error(`${pkg} exports no client class`);
    classes[pkg] = name;
  }
  return classes;
}

/**
 * The floor a handler of this table stands on: the same SDK clients, created at module scope as the
 * functions create theirs, and one DynamoDB read per event (every function reads or writes the table on
 * every event, so the SDK's first-request cost is in both).
 */
function bareSource(packages: string[], classes: Record<string, string>): string {
  const lines: string[] = [];
  const clients: string[] = [];
  let read = 'undefined';
  for (const [pkg, cls] of Object.entries(classes)) {
    const variable = `client${clients.length}`;
    const dynamo = pkg === '@aws-sdk/client-dynamodb';
    lines.push(
      `import { ${cls}${dynamo ? ', GetItemCommand' : ''} } from '${pkg}';`,
      `const ${variable} = new ${cls}({});`,
    );
    clients.push(variable);
    if (dynamo)
      read = `${variable}.send(new GetItemCommand({ TableName: process.env.TASKS_TABLE, Key: { taskId: { S: 'bench-bare' } } }))`;
  }
  if (packages.includes('@aws-sdk/lib-dynamodb') && classes['@aws-sdk/client-dynamodb']) {
    lines.push(
      `import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';`,
      `const doc = DynamoDBDocumentClient.from(client${Object.keys(classes).indexOf('@aws-sdk/client-dynamodb')});`,
    );
    clients.push('doc');
    read = `doc.send(new GetCommand({ TableName: process.env.TASKS_TABLE, Key: { taskId: 'bench-bare' } }))`;
  }
  lines.push(
    `export const clients = [${clients.join(', ')}];`,
    `export const handler = async () => { await ${read}; return { statusCode: 200 }; };`,
  );
  return lines.join('\n');
}
