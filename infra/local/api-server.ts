// The local stand-in for API Gateway: each node:http request becomes the REST (v1 proxy) event API Gateway
// would send for the matching route, the real handler answers it, and its statusCode, headers and body go
// back on the wire. No API key is asked for: it listens on loopback only.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { errorResponse } from '../../lib/http/responses';
import { StartError } from './dev-config';
import { listen, readBody } from './http-listener';
import { restProxyEvent } from './rest-event';

export type RouteHandler = (
  event: APIGatewayProxyEvent,
  context: { awsRequestId: string },
) => Promise<APIGatewayProxyResult>;

export interface ApiRoutes {
  /** POST /recordings */
  track: RouteHandler;
  /** GET /recordings?roomId=… | ?state=OPEN */
  list: RouteHandler;
  /** GET /recordings/{taskId} */
  lookup: RouteHandler;
  /** DELETE /recordings/{taskId} */
  untrack: RouteHandler;
  /** POST /callbacks/zego: ZEGO's recording status callbacks (no API key when deployed either: the body is signed). */
  callback: RouteHandler;
}

export interface ApiRequest {
  method: string;
  /** Path and query, as on the request line. */
  url: string;
  headers?: Record<string, string | string[]>;
  body?: string;
  sourceIp?: string;
}

export interface ApiServer {
  url: string;
  /** Serves requests through these handlers; until then every request is answered 503. */
  use(routes: ApiRoutes): void;
  /** One request through the same routing, without a socket (the local stack tracks its demos this way). */
  invoke(request: ApiRequest): Promise<APIGatewayProxyResult>;
  close(): Promise<void>;
}

export interface ApiServerOptions {
  host: string;
  port: number;
  /** Told of every request once answered: for a console line. */
  onRequest?: (request: { method: string; path: string; statusCode: number; ms: number }) => void;
}

// API Gateway: a REST API payload is at most 10 MB.
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  let routes: ApiRoutes | undefined;

  async function invoke(request: ApiRequest): Promise<APIGatewayProxyResult> {
    const url = new URL(request.url, 'http://localhost');
    const resource = resourceOf(url.pathname);
    if (resource === undefined) {
      return errorResponse(
        404,
        'not_found',
        `no route for ${request.method} ${url.pathname}: the API has ${ROUTE_LIST}`,
      );
    }
    const name = resource.methods[request.method];
    if (name === undefined) {
      const allowed = Object.keys(resource.methods).join(', ');
      const refused = errorResponse(405, 'method_not_allowed', `${url.pathname} accepts ${allowed} only`);
      return { ...refused, headers: { ...refused.headers, allow: allowed } };
    }
    const route = { ...resource, name };
    if (!routes) return errorResponse(503, 'starting', 'recwatch is still starting; try again in a moment');
    if (Buffer.byteLength(request.body ?? '') > MAX_PAYLOAD_BYTES)
      return errorResponse(413, 'payload_too_large', 'the request body is over 10 MB');
    const event = restProxyEvent({
      method: request.method,
      resource: route.resource,
      path: url.pathname,
      pathParameters: route.pathParameters,
      headers: request.headers ?? {},
      query: url.searchParams,
      body: request.body === undefined || request.body === '' ? null : request.body,
      sourceIp: request.sourceIp ?? '127.0.0.1',
    });
    return routes[route.name](event, { awsRequestId: randomUUID() });
  }

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const startedAt = Date.now();
    const method = request.method ?? 'GET';
    let body: string;
    try {
      body = await readBody(request);
    } catch {
      return void response.destroy(); // the client went away mid-body
    }
    // API Gateway answers 502 when the integration fails instead of answering; the handlers never should.
    const result = await invoke({
      method,
      url: request.url ?? '/',
      headers: rawHeaders(request.rawHeaders),
      body,
      sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
    }).catch(() => errorResponse(502, 'bad_gateway', 'the function failed without an answer; see the function logs'));
    const payload = result.isBase64Encoded ? Buffer.from(result.body, 'base64') : Buffer.from(result.body);
    const headers: Record<string, string | string[]> = { 'x-amzn-requestid': randomUUID() };
    for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
    for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) headers[name] = values.map(String);
    headers['content-length'] = String(payload.length);
    response.writeHead(result.statusCode, headers).end(payload);
    options.onRequest?.({
      method,
      path: (request.url ?? '/').split('?')[0] ?? '/',
      statusCode: result.statusCode,
      ms: Date.now() - startedAt,
    });
  }

  // Whatever goes wrong with one request ends that request, never the process.
  const onRequest = (request: IncomingMessage, response: ServerResponse): void =>
    void serve(request, response).catch(() => response.destroy());
  const listener = await listen(onRequest, { host: options.host, port: options.port }).catch((error: unknown) => {
    throw listenError(error, options.port);
  });
  return {
    url: listener.url,
    use: (next) => {
      routes = next;
    },
    invoke,
    close: () => listener.close(),
  };
}

interface Resource {
  /** Each method API Gateway serves on this resource, and the function behind it. */
  methods: Partial<Record<string, keyof ApiRoutes>>;
  /** API Gateway's resource path, as serverless.yml declares it. */
  resource: string;
  pathParameters: Record<string, string> | null;
}

const ROUTE_LIST = 'POST and GET /recordings, GET and DELETE /recordings/{taskId}, and POST /callbacks/zego';

/** The resource API Gateway would match for this path (any method); undefined when none would. */
function resourceOf(pathname: string): Resource | undefined {
  const segments = pathname.split('/').slice(1);
  if (segments[0] === 'recordings' && segments.length === 1)
    return { methods: { POST: 'track', GET: 'list' }, resource: '/recordings', pathParameters: null };
  if (segments[0] === 'recordings' && segments.length === 2 && segments[1] !== '') {
    return {
      methods: { GET: 'lookup', DELETE: 'untrack' },
      resource: '/recordings/{taskId}',
      pathParameters: { taskId: decodeSegment(segments[1]!) },
    };
  }
  if (segments.length === 2 && segments[0] === 'callbacks' && segments[1] === 'zego') {
    return { methods: { POST: 'callback' }, resource: '/callbacks/zego', pathParameters: null };
  }
  return undefined;
}

function listenError(error: unknown, port: number): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'EADDRINUSE')
    return new StartError(
      `Port ${port} is already in use: set PORT to another port (for example PORT=${port + 1} npm start)`,
    );
  if (code === 'EACCES')
    return new StartError(`Port ${port} needs privileges this user does not have: set PORT to a port above 1023`);
  return error;
}

/** API Gateway decodes path parameters; a malformed escape is passed on as sent, for the handler to refuse. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function rawHeaders(raw: string[]): Record<string, string[]> {
  // No prototype: a header may be called anything, `__proto__` included.
  const headers = Object.create(null) as Record<string, string[]>;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    headers[name] ??= [];
    headers[name].push(raw[i + 1]!);
  }
  return headers;
}
