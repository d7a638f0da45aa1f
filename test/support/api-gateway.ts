// API Gateway REST (v1 proxy) events, shaped as API Gateway sends them to a Lambda integration.
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';

export function restEvent(options: {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  resource: string;
  path: string;
  pathParameters?: Record<string, string>;
  body?: string | null;
  headers?: Record<string, string>;
  isBase64Encoded?: boolean;
}): APIGatewayProxyEvent {
  const headers = { accept: '*/*', 'x-api-key': 'test-key', ...(options.body ? { 'content-type': 'application/json' } : {}), ...options.headers };
  return {
    resource: options.resource,
    path: options.path,
    httpMethod: options.method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: options.pathParameters ?? null,
    stageVariables: null,
    body: options.body ?? null,
    isBase64Encoded: options.isBase64Encoded ?? false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abcdef1234',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: options.method,
      identity: {
        accessKey: null, accountId: null, apiKey: 'test-key', apiKeyId: 'key-id', caller: null, clientCert: null,
        cognitoAuthenticationProvider: null, cognitoAuthenticationType: null, cognitoIdentityId: null,
        cognitoIdentityPoolId: null, principalOrgId: null, sourceIp: '203.0.113.7', user: null, userAgent: 'curl/8.0',
        userArn: null,
      },
      path: `/dev${options.path}`,
      stage: 'dev',
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      resourceId: 'res123',
      resourcePath: options.resource,
    },
  };
}

export const lambdaContext = () => ({ awsRequestId: randomUUID() });

export const track = (body: string | null, headers?: Record<string, string>) =>
  restEvent({ method: 'POST', resource: '/recordings', path: '/recordings', body, ...(headers ? { headers } : {}) });

export const lookup = (taskId: string) =>
  restEvent({ method: 'GET', resource: '/recordings/{taskId}', path: `/recordings/${encodeURIComponent(taskId)}`, pathParameters: { taskId } });
