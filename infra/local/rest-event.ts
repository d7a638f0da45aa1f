// API Gateway REST (v1 proxy) events, shaped as API Gateway sends them to a Lambda integration: built by
// the local HTTP API for each request, and by the tests.
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';

export interface RestRequest {
  method: string;
  /** The route's resource path, e.g. /recordings/{taskId}. */
  resource: string;
  path: string;
  pathParameters?: Record<string, string> | null;
  /** Header name (as the client spelled it) to its values, in order. */
  headers?: Record<string, string | string[]>;
  query?: URLSearchParams;
  body?: string | null;
  isBase64Encoded?: boolean;
  stage?: string;
  /** The caller's API key, as API Gateway reports it once the key is checked; null when none is required. */
  apiKey?: string | null;
  sourceIp?: string;
}

export function restProxyEvent(request: RestRequest): APIGatewayProxyEvent {
  const stage = request.stage ?? 'local';
  // API Gateway: `headers` keeps the last value of a repeated header, `multiValueHeaders` keeps them all.
  const multiValueHeaders = Object.fromEntries(
    Object.entries(request.headers ?? {}).map(([name, v]) => [name, [v].flat()]),
  );
  const headers = Object.fromEntries(
    Object.entries(multiValueHeaders).map(([name, values]) => [name, values.at(-1) ?? '']),
  );
  const userAgent = Object.entries(headers).find(([name]) => name.toLowerCase() === 'user-agent')?.[1] ?? null;
  const query = request.query !== undefined && request.query.size > 0 ? request.query : undefined;
  const apiKey = request.apiKey ?? null;
  return {
    resource: request.resource,
    path: request.path,
    httpMethod: request.method,
    headers,
    multiValueHeaders,
    queryStringParameters: query ? Object.fromEntries(query) : null,
    multiValueQueryStringParameters: query
      ? Object.fromEntries([...query.keys()].map((key) => [key, query.getAll(key)]))
      : null,
    pathParameters: request.pathParameters ?? null,
    stageVariables: null,
    body: request.body ?? null,
    isBase64Encoded: request.isBase64Encoded ?? false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: request.method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey,
        apiKeyId: apiKey === null ? null : 'key-id',
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: request.sourceIp ?? '127.0.0.1',
        user: null,
        userAgent,
        userArn: null,
      },
      path: `/${stage}${request.path}`,
      stage,
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      resourceId: 'local',
      resourcePath: request.resource,
    },
  };
}
