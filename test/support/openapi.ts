// Checks real requests and responses against docs/openapi.yaml, so the document cannot drift from the handlers.
// Responses are open objects in the document (clients ignore fields they do not know): they are checked here
// against a closed copy, so that an undocumented field fails. Request bodies are strict in the document itself.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { closed, createAjv } from './json-schemas';

type Doc = {
  paths: Record<string, Record<string, Operation>>;
  components: { responses: Record<string, ResponseObject> };
};
type Operation = {
  requestBody?: { content: Record<string, unknown> };
  responses: Record<string, ResponseObject | { $ref: string }>;
};
type ResponseObject = { content?: Record<string, unknown> };

export const OPENAPI = parse(readFileSync(new URL('../../docs/openapi.yaml', import.meta.url), 'utf8')) as Doc;
const doc = OPENAPI;
const ajv = createAjv();
ajv.addSchema(doc as object, 'openapi');
const closedAjv = createAjv();
closedAjv.addSchema(closed(doc) as object, 'openapi');

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

function operation(path: string, method: string): Operation {
  const op = doc.paths[path]?.[method];
  if (!op) throw new Error(`docs/openapi.yaml has no ${method.toUpperCase()} ${path}`);
  return op;
}

/** The errors of `body` against the documented response schema; throws when the status is undocumented. */
export function responseErrors(path: string, method: string, status: number, body: unknown): string[] {
  const responses = operation(path, method).responses;
  const response = responses[String(status)];
  if (!response) throw new Error(`docs/openapi.yaml does not document ${status} for ${method.toUpperCase()} ${path}`);
  const ref =
    '$ref' in response
      ? (response.$ref as string).replace('#/', '')
      : pointer('paths', path, method, 'responses', String(status));
  const validate = closedAjv.compile({ $ref: `openapi#/${ref}/content/${pointer('application/json')}/schema` });
  return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

/** Whether the documented request schema accepts `body`. */
export function requestAccepted(path: string, method: string, body: unknown): boolean {
  operation(path, method);
  return ajv.validate(
    { $ref: `openapi#/${pointer('paths', path, method, 'requestBody', 'content', 'application/json', 'schema')}` },
    body,
  );
}
