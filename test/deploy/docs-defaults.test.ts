// One place per default, as users read them: every default in docs/configuration.md's table is the one
// lib/config.ts applies (test/deploy/config-defaults.test.ts holds serverless.yml to the same values).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../lib/config';

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
});
