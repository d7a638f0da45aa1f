// The awsJson1_1 protocol as the local SSM and EventBridge endpoints speak it: a POST whose X-Amz-Target
// header names `<prefix>.<Operation>`, a JSON body in, a JSON answer out, and errors as
// `{"__type": code, "message": …}` with their HTTP status, which the real SDK clients turn into exceptions
// named by the code. Signatures are not checked: any credentials do.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AwsFault } from './aws-fault';
import { readBody } from './http-listener';

export type AwsJsonOperation = (input: Record<string, unknown>) => unknown;

export interface AwsJsonService {
  /** The X-Amz-Target prefix, e.g. `AmazonSSM` or `AWSEvents`. */
  targetPrefix: string;
  operations: Record<string, AwsJsonOperation>;
  /** The code an unexpected failure answers with (the service's own internal error). */
  internalErrorCode: string;
  /** Named in the internal error's message, e.g. "SSM". */
  serviceName: string;
}

export function awsJsonHandler(service: AwsJsonService): (request: IncomingMessage, response: ServerResponse) => void {
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    try {
      const target = String(request.headers['x-amz-target'] ?? '');
      const body = await readBody(request);
      const [prefix, name] = target.split('.');
      const operation =
        prefix === service.targetPrefix && name !== undefined && Object.hasOwn(service.operations, name)
          ? service.operations[name]
          : undefined;
      if (operation === undefined) throw new AwsFault(400, 'UnknownOperationException', `Unknown operation ${target}`);
      let input: unknown;
      try {
        input = JSON.parse(body === '' ? '{}' : body);
      } catch {
        throw new AwsFault(400, 'SerializationException', 'Request body is not valid JSON');
      }
      const object = typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {};
      sendJson(response, 200, requestId, operation(object));
    } catch (error) {
      const fault =
        error instanceof AwsFault
          ? error
          : new AwsFault(500, service.internalErrorCode, `Internal error in the local ${service.serviceName} endpoint`);
      sendJson(response, fault.status, requestId, { __type: fault.code, message: fault.message });
    }
  };
  return (request, response) => void handle(request, response);
}

function sendJson(response: ServerResponse, status: number, requestId: string, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId,
  });
  response.end(text);
}
