// A local stand-in for AWS Systems Manager Parameter Store at the wire (awsJson1_1: POST with
// X-Amz-Target, JSON in and out), enough for the real SSMClient's GetParameter. Used by tests and the
// local stack. Signatures are not checked: any credentials do.
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AwsFault } from './aws-fault';
import { listen, readBody } from './http-listener';

export type ParameterType = 'String' | 'StringList' | 'SecureString';

export interface SsmEndpointOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  region?: string;
  accountId?: string;
}

export interface SsmFailure {
  status: number;
  code: string;
  message?: string;
}

export interface SsmEndpoint {
  /** Base URL for the SSMClient's `endpoint`. */
  readonly url: string;
  /** Creates the parameter, or stores a new version of it. */
  setParameter(name: string, value: string, type?: ParameterType): void;
  deleteParameter(name: string): void;
  /** GetParameter calls made for `name` (all names when omitted), failed ones included. */
  calls(name?: string): number;
  /** The next `count` GetParameter calls fail with this status and code. */
  failNext(count: number, failure: SsmFailure): void;
  close(): Promise<void>;
}

interface StoredParameter {
  type: ParameterType;
  value: string;
  version: number;
  modifiedAt: number;
}

export async function startSsmEndpoint(options: SsmEndpointOptions = {}): Promise<SsmEndpoint> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const parameters = new Map<string, StoredParameter>();
  const callCounts = new Map<string, number>();
  const failures: SsmFailure[] = [];

  function getParameter(input: Record<string, unknown>): unknown {
    const name = typeof input.Name === 'string' ? input.Name : '';
    callCounts.set(name, (callCounts.get(name) ?? 0) + 1);
    if (name === '')
      throw new AwsFault(
        400,
        'ValidationException',
        "1 validation error detected: Value at 'name' failed to satisfy constraint: Member must have length greater than or equal to 1",
      );
    const failure = failures.shift();
    if (failure)
      throw new AwsFault(failure.status, failure.code, failure.message ?? 'Failure injected by the local SSM endpoint');
    const stored = parameters.get(name);
    if (!stored) throw new AwsFault(400, 'ParameterNotFound', `Parameter ${name} not found.`);
    // SSM: without WithDecryption a SecureString comes back as its (opaque) ciphertext.
    const value =
      stored.type === 'SecureString' && input.WithDecryption !== true
        ? createHash('sha256').update(stored.value).digest('base64')
        : stored.value;
    return {
      Parameter: {
        Name: name,
        Type: stored.type,
        Value: value,
        Version: stored.version,
        LastModifiedDate: stored.modifiedAt / 1000,
        // SSM: names with a leading slash join the ARN without doubling it.
        ARN: `arn:aws:ssm:${region}:${accountId}:parameter${name.startsWith('/') ? '' : '/'}${name}`,
        DataType: 'text',
      },
    };
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    try {
      const target = request.headers['x-amz-target'];
      const body = await readBody(request);
      if (target !== 'AmazonSSM.GetParameter')
        throw new AwsFault(400, 'UnknownOperationException', `Unknown operation ${String(target)}`);
      let input: unknown;
      try {
        input = JSON.parse(body === '' ? '{}' : body);
      } catch {
        throw new AwsFault(400, 'SerializationException', 'Request body is not valid JSON');
      }
      send(
        response,
        200,
        requestId,
        getParameter(typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {}),
      );
    } catch (error) {
      const fault =
        error instanceof AwsFault
          ? error
          : new AwsFault(500, 'InternalServerError', 'Internal error in the local SSM endpoint');
      send(response, fault.status, requestId, { __type: fault.code, message: fault.message });
    }
  }

  const listener = await listen((request, response) => void handle(request, response), {
    host: options.host,
    port: options.port,
  });

  return {
    url: listener.url,
    setParameter(name, value, type = 'SecureString') {
      // SSM: PutParameter refuses an empty value.
      if (value === '') throw new Error(`setParameter: SSM does not store empty values (parameter ${name})`);
      const version = (parameters.get(name)?.version ?? 0) + 1;
      parameters.set(name, { type, value, version, modifiedAt: Date.now() });
    },
    deleteParameter(name) {
      parameters.delete(name);
    },
    calls(name) {
      if (name !== undefined) return callCounts.get(name) ?? 0;
      return [...callCounts.values()].reduce((sum, n) => sum + n, 0);
    },
    failNext(count, failure) {
      for (let i = 0; i < count; i += 1) failures.push(failure);
    },
    close: () => listener.close(),
  };
}

function send(response: ServerResponse, status: number, requestId: string, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId,
  });
  response.end(text);
}
