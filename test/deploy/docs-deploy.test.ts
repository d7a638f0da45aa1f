// docs/deploy.md held to what it describes: the stack outputs it lists are the packaged template's (every
// variant's), and each parameter of its table is one that serverless.yml or a file it includes reads with
// `${param:NAME`, every one of those is documented, and the function variable it says a parameter sets
// is the one the configuration sets from it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { VariantName } from '../support/global-setup';
import { loadTemplate } from '../support/template';

const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const docs = read('docs/deploy.md');
// serverless.yml and the resource files it includes (`${file(infra/….yml)}`).
const CONFIG_FILES = [
  'serverless.yml',
  ...[...read('serverless.yml').matchAll(/\$\{file\((infra\/[\w.-]+\.yml)\)\}/g)].map((m) => m[1]!),
];
const config = CONFIG_FILES.map((file) => read(file)).join('\n');

/** The lines of one `## ` section of docs/deploy.md, up to the next heading of that level. */
function section(title: string): string {
  const start = docs.indexOf(`\n## ${title}\n`);
  expect(start, title).toBeGreaterThanOrEqual(0);
  const end = docs.indexOf('\n## ', start + 1);
  return docs.slice(start, end < 0 ? undefined : end);
}

/** The first cell of each table row of a section, as `name`s (a header or rule row has none). */
const firstCells = (text: string): string[] => [...text.matchAll(/^\| `([A-Za-z]+)` \|/gm)].map((m) => m[1]!);

describe('docs/deploy.md', () => {
  it("lists exactly the packaged template's outputs, in every variant", () => {
    // Prepare
    const variants: VariantName[] = ['default', 'eventsEmail', 'eventBus'];

    // Act
    const documented = firstCells(section('Stack outputs')).sort();

    // Assess
    expect(documented).toContain('OpsTopicArn');
    for (const variant of variants)
      expect(documented, variant).toEqual(Object.keys(loadTemplate(variant).template.Outputs).sort());
  });

  it('documents every parameter the configuration reads, and no other', () => {
    // Prepare
    const read = new Set([...config.matchAll(/\$\{param:([A-Za-z]+)[,}]/g)].map((m) => m[1]!));

    // Act
    const documented = firstCells(section('Parameters'));

    // Assess
    expect(new Set(documented).size).toBe(documented.length);
    expect([...documented].sort()).toEqual([...read].sort());
  });

  it('names, for each parameter that sets a function variable, the variable the configuration sets from it', () => {
    // Prepare: rows whose "sets" cell starts with a variable, `| \`param\` | \`VARIABLE\`… |`.
    const rows = [...section('Parameters').matchAll(/^\| `([A-Za-z]+)` \| `([A-Z][A-Z0-9_]+)`/gm)].map((m) => ({
      param: m[1]!,
      variable: m[2]!,
    }));

    // Act: `VARIABLE: ${param:name…` directly, or `VARIABLE: !Ref P` where the stack parameter P defaults to it.
    const wrong = rows.filter(({ param, variable }) => {
      if (new RegExp(`^\\s+${variable}: \\$\\{param:${param}[,}]`, 'm').test(config)) return false;
      const ref = new RegExp(`^\\s+${variable}: !Ref (\\w+)$`, 'm').exec(config)?.[1];
      return !(
        ref &&
        new RegExp(`^(\\s*)${ref}:\\n(?:\\1\\s+.*\\n)*?\\1\\s+Default: \\$\\{param:${param}[,}]`, 'm').test(config)
      );
    });

    // Assess
    expect(rows.length).toBeGreaterThan(15);
    expect(rows).toContainEqual({ param: 'zegoSecretParam', variable: 'ZEGO_SERVER_SECRET_PARAM' });
    expect(wrong).toEqual([]);
  });

  it("says the default Region, and the tear-down command package.json's scripts allow", () => {
    // Prepare
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;

    // Act + Assess
    expect(read('serverless.yml')).toMatch(/region: \$\{opt:region, 'us-east-1'\}/);
    expect(docs).toContain('**us-east-1**');
    expect(docs).toContain('--region');
    if (scripts.remove) expect(docs).toContain('npm run remove');
    else expect(docs).toContain('SLS_TELEMETRY_DISABLED=1 npx serverless remove');
  });
});
