// A local stand-in for AWS Lambda's Invoke at the wire (REST-JSON: POST /2015-03-31/functions/{name}/invocations),
// enough for the real LambdaClient's InvokeCommand: an `Event` invocation is answered 202 at once and run
// afterwards, a `RequestResponse` one is answered with the function's result. Used where a function starts
// another (the callback receiver starting a sweep). Signatures are not checked: any credentials do.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AwsFault } from './aws-fault';
import { listen, readBody } from './http-listener';

export type LocalFunction = (event: unknown) => Promise<unknown>;

export interface LambdaInvocation {
  functionName: string;
  invocationType: 'Event' | 'RequestResponse' | 'DryRun';
  payload: unknown;
  /** Epoch ms when it was accepted. */
  at: number;
}

export interface LambdaEndpoint {
  readonly url: string;
  /** The function that runs for `name` (a later call replaces it). */
  define(name: string, fn: LocalFunction): void;
  invocations(): LambdaInvocation[];
  /** Resolves once every Event invocation accepted so far has finished running. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

export async function startLambdaEndpoint(options: { host?: string; port?: number } = {}): Promise<LambdaEndpoint> {
  const functions = new Map<string, LocalFunction>();
  const log: LambdaInvocation[] = [];
  const running = new Set<Promise<unknown>>();

  const send = (response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void => {
    response
      .writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers })
      .end(body);
  };

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      const path = new URL(request.url ?? '/', 'http://localhost').pathname;
      const match = INVOKE_PATH.exec(path);
      if (request.method !== 'POST' || match === null)
        throw new AwsFault(404, 'UnknownOperationException', `no such operation: ${request.method} ${path}`);
      const functionName = decodeURIComponent(match[1]!).split(':').at(-1)!;
      const fn = functions.get(functionName);
      if (fn === undefined) throw new AwsFault(404, 'ResourceNotFoundException', `Function not found: ${functionName}`);
      const body = await readBody(request);
      let payload: unknown;
      try {
        payload = body === '' ? {} : JSON.parse(body);
      } catch {
        throw new AwsFault(400, 'InvalidRequestContentException', 'Could not parse request body into json');
      }
      const type = String(request.headers['x-amz-invocation-type'] ?? 'RequestResponse');
      if (type !== 'Event' && type !== 'RequestResponse' && type !== 'DryRun')
        throw new AwsFault(400, 'InvalidParameterValueException', `invalid invocation type ${type}`);
      log.push({ functionName, invocationType: type, payload, at: Date.now() });
      if (type === 'DryRun') return send(response, 204, '');
      if (type === 'Event') {
        // Lambda: an asynchronous invocation is queued and answered 202 with no payload.
        const run = fn(payload).catch(() => undefined);
        running.add(run);
        void run.finally(() => running.delete(run));
        return send(response, 202, '');
      }
      const result = await fn(payload).then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      );
      if (result.ok) return send(response, 200, JSON.stringify(result.value ?? null));
      const message = result.error instanceof Error ? result.error.message : String(result.error);
      return send(response, 200, JSON.stringify({ errorMessage: message, errorType: 'Error' }), {
        'x-amz-function-error': 'Unhandled',
      });
    } catch (error) {
      const fault =
        error instanceof AwsFault ? error : new AwsFault(500, 'ServiceException', 'local Lambda endpoint error');
      send(response, fault.status, JSON.stringify({ Type: 'User', message: fault.message }), {
        'x-amzn-errortype': fault.code,
      });
    }
  }

  const listener = await listen((request, response) => void handle(request, response), options);
  return {
    url: listener.url,
    define: (name, fn) => void functions.set(name, fn),
    invocations: () => [...log],
    settled: async () => {
      while (running.size > 0) await Promise.all([...running]);
    },
    close: () => listener.close(),
  };
}
