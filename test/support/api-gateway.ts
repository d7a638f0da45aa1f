// API Gateway REST (v1 proxy) events for the tests: the local stack's builder (infra/local/rest-event.ts)
// with a caller that sent its API key.
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { restProxyEvent } from '../../infra/local/rest-event';

export function restEvent(options: {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  resource: string;
  path: string;
  pathParameters?: Record<string, string>;
  body?: string | null;
  headers?: Record<string, string>;
  isBase64Encoded?: boolean;
  query?: URLSearchParams;
}): APIGatewayProxyEvent {
  const headers = {
    accept: '*/*',
    'user-agent': 'curl/8.0',
    'x-api-key': 'test-key',
    ...(options.body ? { 'content-type': 'application/json' } : {}),
    ...options.headers,
  };
  return restProxyEvent({ ...options, headers, stage: 'dev', apiKey: 'test-key', sourceIp: '203.0.113.7' });
}

export const lambdaContext = () => ({ awsRequestId: randomUUID() });

export const track = (body: string | null, headers?: Record<string, string>) =>
  restEvent({ method: 'POST', resource: '/recordings', path: '/recordings', body, ...(headers ? { headers } : {}) });

export const lookup = (taskId: string) =>
  restEvent({
    method: 'GET',
    resource: '/recordings/{taskId}',
    path: `/recordings/${encodeURIComponent(taskId)}`,
    pathParameters: { taskId },
  });

export const list = (query: string) =>
  restEvent({ method: 'GET', resource: '/recordings', path: '/recordings', query: new URLSearchParams(query) });

export const untrack = (taskId: string) =>
  restEvent({
    method: 'DELETE',
    resource: '/recordings/{taskId}',
    path: `/recordings/${encodeURIComponent(taskId)}`,
    pathParameters: { taskId },
  });
