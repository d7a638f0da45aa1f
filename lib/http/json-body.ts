// Reads a request body as one JSON object, refusing anything else before any work is done.
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { HttpError } from './responses';

/** Far above any real request ({"taskId": 64 chars, "roomId": 128}), far below API Gateway's 10 MB. */
export const MAX_BODY_BYTES = 4096;

export function readJsonObject(
  event: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded' | 'headers'>,
): Record<string, unknown> {
  const raw = event.body ?? '';
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES) {
    throw new HttpError(400, 'body_too_large', `the request body must be at most ${MAX_BODY_BYTES} bytes`);
  }
  const contentType = headerOf(event.headers, 'content-type');
  if (contentType !== undefined && !/^application\/(.+\+)?json\b/i.test(contentType)) {
    throw new HttpError(400, 'invalid_content_type', 'the request body must be JSON (Content-Type: application/json)');
  }
  if (text.trim() === '') throw new HttpError(400, 'invalid_json', 'the request body is empty; send a JSON object');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'invalid_json', 'the request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new HttpError(400, 'invalid_body', 'the request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

function headerOf(headers: APIGatewayProxyEvent['headers'] | null | undefined, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers ?? {}))
    if (key.toLowerCase() === name && value !== undefined) return value;
  return undefined;
}
