// The API's answers: JSON bodies, and every error as {"error": {"code", "message"}} (contract: HTTP API).
import type { APIGatewayProxyResult } from 'aws-lambda';

const HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

export function json(statusCode: number, body: unknown): APIGatewayProxyResult {
  return { statusCode, headers: { ...HEADERS }, body: JSON.stringify(body) };
}

/** A client error we chose to answer with: its code and message are safe to show. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function errorResponse(
  statusCode: number,
  code: string,
  message: string,
  requestId?: string,
): APIGatewayProxyResult {
  const error: Record<string, string> = { code, message };
  if (requestId !== undefined) error.requestId = requestId;
  return json(statusCode, { error });
}
