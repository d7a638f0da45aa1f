// The documents' schemas, for tests: docs/event.schema.json (every published event) and docs/openapi.yaml
// (test/support/openapi.ts). Both publish open objects (clients ignore fields they do not know); tests check
// against a closed copy, where an object may hold only the fields it documents, so that a field the code adds
// without documenting it fails a test.
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

export const EVENT_SCHEMA = JSON.parse(
  readFileSync(new URL('../../docs/event.schema.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

/** A copy of `schema` in which every object schema that lists properties allows no others. */
export function closed<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map(closed) as T;
  if (schema === null || typeof schema !== 'object') return schema;
  const copy = Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, closed(value)]));
  if ('properties' in copy && copy.type === 'object' && !('additionalProperties' in copy))
    copy.additionalProperties = false;
  return copy as T;
}

export function createAjv(): Ajv2020 {
  // `example` and `description` are annotations; OpenAPI 3.1 schemas are JSON Schema 2020-12.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);
  return ajv;
}

const validateEvent = createAjv().compile(closed(EVENT_SCHEMA));

/** What is wrong with `event` against docs/event.schema.json (closed: no undocumented field); [] when valid. */
export function eventProblems(event: unknown): string[] {
  return validateEvent(event) ? [] : (validateEvent.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
}

/** Throws, naming the problems, when `event` does not validate. */
export function assertValidEvent(event: unknown): void {
  const problems = eventProblems(event);
  if (problems.length > 0)
    throw new Error(`an event does not validate against docs/event.schema.json: ${problems.join('; ')}`);
}
