// The HTTP plumbing the local stand-ins (ZEGO simulator, SNS and SSM endpoints) share: a loopback server on
// a free port, a request body read whole, and a close that does not wait for kept-alive sockets.

import type { IncomingMessage, RequestListener, Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ListenOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Runs before the server listens, so that no connection arrives before its listeners and timeouts are set. */
  prepare?: (server: Server) => void;
}

export interface Listener {
  /** Base URL, no trailing slash. */
  readonly url: string;
  readonly server: Server;
  /** Stops listening and ends every connection, idle keep-alive ones and requests still unanswered included. */
  close(): Promise<void>;
}

export async function listen(handler: RequestListener, options: ListenOptions = {}): Promise<Listener> {
  const server = createServer(handler);
  options.prepare?.(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;

  return {
    url: `http://${host}:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Clients (the AWS SDK, undici) keep connections alive; without this, close() would wait for them to time out.
        server.closeAllConnections();
      }),
  };
}

export async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
