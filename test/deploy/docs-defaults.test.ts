// One place per default, as users read them: every default in docs/configuration.md's table is the one
// lib/config.ts applies (test/deploy/config-defaults.test.ts holds serverless.yml to the same values), and
// its "read by" column names the functions whose loader reads the variable.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULTS, loadCallbackConfig, loadListConfig, loadStoreConfig, loadSweepConfig } from '../../lib/config';

const LOADERS: Record<string, (env: Record<string, string>) => unknown> = {
  loadSweepConfig,
  loadCallbackConfig,
  loadListConfig,
  loadStoreConfig,
};

const table = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');

/** The default column of each row: `| \`NAME\` | \`value\` | meaning |`. */
function documentedDefaults(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const match of table.matchAll(/^\| `([A-Z_]+)` \| ([^|]+) \|/gm)) rows.set(match[1]!, match[2]!.trim());
  return rows;
}

/** A default as the docs write it: numbers as digits, switches as on/off, in backticks. */
const asDocumented = (value: string | number | boolean): string =>
  `\`${typeof value === 'boolean' ? (value ? 'on' : 'off') : String(value)}\``;

describe('docs/configuration.md', () => {
  it('documents every default lib/config.ts applies, with the same value', () => {
    // Prepare
    const documented = documentedDefaults();

    // Act
    const differing = Object.entries(DEFAULTS)
      .filter(([name, value]) => documented.get(name) !== asDocumented(value))
      .map(([name, value]) => `${name}: code ${asDocumented(value)}, docs ${documented.get(name) ?? 'missing'}`);

    // Assess
    expect(documented.size).toBeGreaterThan(Object.keys(DEFAULTS).length);
    expect(differing).toEqual([]);
  });

  it('says which functions read each variable, as their loaders do', () => {
    // Prepare: each function's loader (functions/<name>.ts calls one load…Config), run on an environment
    // that sets every required variable, recording each variable it reads.
    const functions = readdirSync(new URL('../../functions/', import.meta.url)).map((file) =>
      file.replace(/\.ts$/, ''),
    );
    const env: Record<string, string> = {
      TASKS_TABLE: 'recwatch-dev-tasks',
      EVENTS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:recwatch-dev-events',
      ZEGO_APP_ID: '1234567890',
      ZEGO_SERVER_SECRET: 'secret',
      ZEGO_CALLBACK_SECRET: 'callback-secret',
      PAGE_TOKEN_KEY: 'a-page-token-key-of-some-length',
    };
    const readers = new Map<string, string[]>();
    for (const name of functions) {
      const source = readFileSync(new URL(`../../functions/${name}.ts`, import.meta.url), 'utf8');
      const loader = LOADERS[/\b(load[A-Za-z]+Config)\(process\.env\)/.exec(source)?.[1] ?? ''];
      const read = new Set<string>();
      const recorded = new Proxy(env, {
        get: (target, key) => {
          read.add(String(key));
          return target[String(key)];
        },
      });
      expect(loader, name).toBeDefined();
      loader?.(recorded);
      for (const variable of read) readers.set(variable, [...(readers.get(variable) ?? []), name]);
    }

    // Act
    const expected = [...readers].map(([variable, names]) =>
      [
        variable,
        names.length === functions.length
          ? 'all'
          : names
              .sort()
              .map((n) => `\`${n}\``)
              .join(', '),
      ].join(' '),
    );
    const documentedRows = [...table.matchAll(/^\| `([A-Z_]+)` \| [^|]+ \| ([^|]+) \|/gm)].map(
      (m) => `${m[1]} ${m[2]!.trim()}`,
    );

    // Assess
    expect(functions.length).toBe(6);
    expect(documentedRows.sort()).toEqual(expected.sort());
  });
});
