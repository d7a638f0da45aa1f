// One place per default: lib/config.ts's DEFAULTS. The stack (serverless.yml) passes every setting to the
// functions as `${param:name, 'default'}`; those defaults must be the code's, or a deployed stack would run
// with other values than the ones the code, the tests and the local stack assume. Read from serverless.yml
// itself, so this needs no packaging (test/deploy/template.test.ts checks the packaged template).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type CollectionTag, parse, type ScalarTag } from 'yaml';
import { DEFAULTS, SWEEP_SCHEDULE_MS } from '../../lib/config';

// CloudFormation's short forms (!Ref, !Sub, !Not...), read as their long forms so that the file parses.
const CFN_FUNCTIONS = [
  'Ref',
  'Sub',
  'GetAtt',
  'Not',
  'Equals',
  'If',
  'And',
  'Or',
  'Join',
  'Select',
  'Split',
  'FindInMap',
  'Base64',
  'ImportValue',
  'GetAZs',
];
const longForm = (name: string): string => (name === 'Ref' ? 'Ref' : `Fn::${name}`);
const cfnTags: Array<ScalarTag | CollectionTag> = CFN_FUNCTIONS.flatMap(
  (name): Array<ScalarTag | CollectionTag> => [
    { tag: `!${name}`, resolve: (value: string) => ({ [longForm(name)]: value }) },
    { tag: `!${name}`, collection: 'seq', resolve: (seq) => ({ [longForm(name)]: seq.toJSON() }) },
    { tag: `!${name}`, collection: 'map', resolve: (map) => ({ [longForm(name)]: map.toJSON() }) },
  ],
);

type Environment = Record<string, unknown>;
interface Service {
  provider: { environment: Environment };
  functions: Record<
    string,
    { environment?: Environment; timeout?: number; events?: Array<{ schedule?: { rate: string | string[] } | string }> }
  >;
}

const service = parse(readFileSync(new URL('../../serverless.yml', import.meta.url), 'utf8'), {
  customTags: cfnTags,
}) as Service;

type Variable = keyof typeof DEFAULTS;
const isDefaulted = (name: string): name is Variable => Object.hasOwn(DEFAULTS, name);

/** A default as the stack writes it: numbers as digits, switches as on/off. */
const asText = (value: string | number | boolean): string =>
  typeof value === 'boolean' ? (value ? 'on' : 'off') : String(value);

/** `${param:name, 'default'}` (or an unquoted default): the default; undefined for anything else. */
function paramDefault(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^\$\{param:[A-Za-z0-9]+, *(?:'([^']*)'|([^'}\s]+))\}$/.exec(value);
  return match === null ? undefined : (match[1] ?? match[2]);
}

/**
 * What a function's environment (the provider's plus its own) sets without a --param: each `${param:…}`
 * variable's default and each plain value. References (!Ref, `${self:…}`) are left out.
 */
function stackDefaults(functionName: string): { params: Record<string, string>; plain: Record<string, string> } {
  const environment = { ...service.provider.environment, ...service.functions[functionName]?.environment };
  const params: Record<string, string> = {};
  const plain: Record<string, string> = {};
  for (const [name, value] of Object.entries(environment)) {
    const fallback = paramDefault(value);
    const timeout = /^\$\{self:functions\.(\w+)\.timeout\}$/.exec(String(value));
    if (fallback !== undefined) params[name] = fallback;
    else if (timeout !== null) plain[name] = String(service.functions[timeout[1]!]?.timeout);
    else if ((typeof value === 'string' && !value.includes('${')) || typeof value === 'number')
      plain[name] = String(value);
  }
  return { params, plain };
}

/** The code's defaults for the same variables. */
function codeDefaults(names: string[]): Record<string, string> {
  return Object.fromEntries(
    names.map((name) => [name, isDefaulted(name) ? asText(DEFAULTS[name]) : '(no default in lib/config.ts)']),
  );
}

describe("the stack's defaults", () => {
  it.each(['sweep', 'callback'])("are lib/config.ts's for the %s function", (functionName) => {
    // Act
    const { params, plain } = stackDefaults(functionName);

    // Assess
    expect(Object.keys(params).length).toBeGreaterThan(0);
    // Every `${param:…}` variable has its default in the code, and the same one.
    expect(params).toEqual(codeDefaults(Object.keys(params)));
    // A value the stack fixes (no param) that the code also defaults is the same too.
    const fixed = Object.keys(plain).filter(isDefaulted);
    expect(Object.fromEntries(fixed.map((name) => [name, plain[name]]))).toEqual(codeDefaults(fixed));
  });

  it("cover every setting of the sweep that lib/config.ts defaults (the service name is the stack's own)", () => {
    // Act
    const { params, plain } = stackDefaults('sweep');
    const set = new Set([...Object.keys(params), ...Object.keys(plain)]);
    const missing = Object.keys(DEFAULTS).filter((name) => !set.has(name) && name !== 'POWERTOOLS_SERVICE_NAME');

    // Assess
    expect(missing).toEqual([]);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: serverless.yml's own variables, as written there
    expect(service.provider.environment.POWERTOOLS_SERVICE_NAME).toBe('${self:service}-${sls:stage}');
  });

  it('run the sweep as often as it assumes (SWEEP_SCHEDULE_MS)', () => {
    // Act
    const schedules = (service.functions.sweep?.events ?? []).flatMap((event) =>
      event.schedule === undefined ? [] : [event.schedule],
    );

    // Assess
    expect(schedules).toHaveLength(1);
    const schedule = schedules[0]!;
    const rates = typeof schedule === 'string' ? [schedule] : [schedule.rate].flat();
    expect(rates.map(rateMs)).toEqual([SWEEP_SCHEDULE_MS]);
  });
});

/** An EventBridge `rate(n unit)` expression in milliseconds. */
function rateMs(expression: string): number {
  const match = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (match === null) throw new Error(`not a rate expression: "${expression}"`);
  const unitMs = { minute: 60_000, hour: 3_600_000, day: 86_400_000 }[
    match[2]!.replace(/s$/, '') as 'minute' | 'hour' | 'day'
  ];
  return Number(match[1]) * unitMs;
}
