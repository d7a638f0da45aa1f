// A local stand-in for AWS Systems Manager Parameter Store at the wire (awsJson1_1, aws-json.ts), enough
// for the real SSMClient's GetParameter. Used by tests and the local stack.
import { createHash } from 'node:crypto';
import { AwsFault } from './aws-fault';
import { awsJsonHandler } from './aws-json';
import { listen } from './http-listener';

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

  const handler = awsJsonHandler({
    targetPrefix: 'AmazonSSM',
    operations: { GetParameter: getParameter },
    internalErrorCode: 'InternalServerError',
    serviceName: 'SSM',
  });
  const listener = await listen(handler, { host: options.host, port: options.port });

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
