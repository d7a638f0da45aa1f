// docs/api.md and docs/openapi.yaml held to the API the stack deploys: the keyed routes, the one route
// without a key, and the listing's query parameters, read off the packaged template (API Gateway's Method
// and Resource resources), so that a route added or keyed differently cannot leave the docs behind.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { JsonObject } from '../support/cloudformation';
import { loadTemplate } from '../support/template';

const { template, resourcesOfType } = loadTemplate();
const apiMd = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');
const openapi = parse(readFileSync(new URL('../../docs/openapi.yaml', import.meta.url), 'utf8')) as {
  paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }> }>>;
};

/** A resource's path, from the API's root. */
function pathOf(resourceId: JsonObject): string {
  const ref = resourceId.Ref as string | undefined;
  if (ref === undefined) return ''; // the root (Fn::GetAtt RootResourceId)
  const props = template.Resources[ref]!.Properties;
  return `${pathOf(props.ParentId as JsonObject)}/${String(props.PathPart)}`;
}

const methods = resourcesOfType('AWS::ApiGateway::Method').map(([, method]) => ({
  route: `${String(method.Properties.HttpMethod)} ${pathOf(method.Properties.ResourceId as JsonObject)}`,
  keyed: method.Properties.ApiKeyRequired === true,
  query: Object.keys((method.Properties.RequestParameters ?? {}) as JsonObject)
    .filter((p) => p.startsWith('method.request.querystring.'))
    .map((p) => p.replace('method.request.querystring.', ''))
    .sort(),
}));
const keyed = methods.filter((m) => m.keyed).map((m) => m.route);
const NUMBERS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight'];

describe('docs/api.md', () => {
  it('names every keyed route in its table, and as many as it says it has', () => {
    // Act
    const tableRoutes = [...apiMd.matchAll(/^\| `(GET|POST|PUT|DELETE) (\/[^`?\s]*)/gm)].map((m) => `${m[1]} ${m[2]}`);
    const said = /^(\w+) endpoints on an API Gateway REST API/m.exec(apiMd)?.[1]?.toLowerCase();

    // Assess
    expect([...new Set(tableRoutes)].sort()).toEqual([...keyed].sort());
    expect(said).toBe(NUMBERS[keyed.length]);
  });

  it('names the one route without a key, and it is the ZEGO callback', () => {
    // Act
    const keyless = methods.filter((m) => !m.keyed).map((m) => m.route);

    // Assess
    expect(keyless).toEqual(['POST /callbacks/zego']);
    expect(apiMd).toContain('`POST /callbacks/zego`, without an API key');
  });

  it('tells IAM authorisation to change exactly the keyed routes', () => {
    // Act
    const section = apiMd.slice(apiMd.indexOf('## Switching to IAM authorisation'));
    const count = /on each of the (\w+) keyed `http` events/.exec(section)?.[1];

    // Assess
    expect(count).toBe(NUMBERS[keyed.length]);
    for (const fn of ['track', 'lookup', 'list', 'untrack']) expect(section).toContain(`\`${fn}\``);
  });
});

describe('docs/openapi.yaml', () => {
  it("describes every keyed route the stack has, and no other (the callback route is docs/callbacks.md's)", () => {
    // Act
    const described = Object.entries(openapi.paths).flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((op) => ['get', 'post', 'put', 'delete'].includes(op))
        .map((op) => `${op.toUpperCase()} ${path}`),
    );

    // Assess
    expect(described.sort()).toEqual([...keyed].sort());
  });

  it("declares the listing's query parameters as API Gateway does", () => {
    // Act
    const listing = methods.find((m) => m.route === 'GET /recordings')!;
    const documented = (openapi.paths['/recordings']!.get!.parameters ?? [])
      .filter((p) => p.in === 'query')
      .map((p) => p.name)
      .sort();

    // Assess
    expect(listing.query).toEqual(documented);
  });
});
