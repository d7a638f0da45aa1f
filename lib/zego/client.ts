// The ZEGO Cloud Recording client (DescribeRecordStatus, DescribeTasks) on undici. It never throws for a bad
// answer: every outcome becomes a DescribeResult or a ListResult. Never put the URL, the signature or the secret
// in a message.

import type { Dispatcher } from 'undici';
import { Agent, request } from 'undici';
import { errorCode } from '../error-code';
import { interpretDescribeBody } from './describe-response';
import { interpretDescribeTasksBody } from './describe-tasks-response';
import { buildActionUrl, signRequest } from './signature';
import type { DescribeResult, DescribeTasksQuery, ListResult, RequestGate, ZegoClient, ZegoFault } from './types';
import { LIST_STATUS } from './vocabulary';

export interface ZegoClientOptions {
  appId: number;
  serverSecret: string;
  /** e.g. https://cloudrecord-api.zego.im (ZEGO: regional hosts exist; use the nearest). */
  baseUrl: string;
  /** Per attempt, covering connection, headers and body. */
  timeoutMs: number;
  /**
   * Injected dispatcher: the caller owns it (the client never recycles or closes it). Without one the client
   * uses a module-level keep-alive Agent, which survives warm Lambda invocations.
   */
  dispatcher?: Dispatcher;
  /** Epoch milliseconds; used to sign and to measure idleness. */
  now?: () => number;
  /** Recycle the default dispatcher before a call when idle longer than this (default 4000 ms). */
  idleResetMs?: number;
}

type CallOptions = { gate?: RequestGate; signal?: AbortSignal };

// The largest answer read. ZEGO documents no bound: an answer grows by ~600 bytes a file, and a recording
// has several files per stream and one more per recorder failover. 16 MiB is ~25,000 files, far past any
// real recording, and still fits a 256 MB Lambda parsing it. A larger answer is an `oversized` fault, which
// the outcome rules end (FAILED, saying why) rather than retry forever.
export const MAX_BODY_BYTES = 16 * 1024 * 1024;
// Error codes that mean a kept-alive socket was dead before we got any answer on it.
const STALE_SOCKET_CODES = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);

// Module scope so that warm invocations reuse connections; replaced when recycled or closed.
let sharedAgent: Agent | undefined;

function newAgent(): Agent {
  // undici drops sockets idle longer than keepAliveTimeout unless the server advertises otherwise.
  return new Agent({ keepAliveTimeout: 4_000, keepAliveMaxTimeout: 10_000 });
}

function getSharedAgent(): Agent {
  sharedAgent ??= newAgent();
  return sharedAgent;
}

function dropSharedAgent(): Agent | undefined {
  const old = sharedAgent;
  sharedAgent = undefined;
  return old;
}

type Attempt =
  | { kind: 'answer'; body: unknown }
  | { kind: 'fault'; message: string; stale?: boolean; oversized?: boolean };

class TimeoutError extends Error {}

// ZEGO: DescribeTasks' window spans at most 3 days; PageSize is 1–50.
const MAX_LIST_SPAN_MS = 3 * 86_400_000;
const MAX_PAGE_SIZE = 50;

/** A DescribeTasks query as ZEGO's body; throws for a query ZEGO would refuse or we could not have meant. */
function listingBody(query: DescribeTasksQuery): Record<string, unknown> {
  const fail = (problem: string): never => {
    throw new Error(`invalid DescribeTasks query: ${problem}`);
  };
  const { status, startTime, endTime, roomId, pageOffset, pageSize } = query;
  if (status !== LIST_STATUS.recording && status !== LIST_STATUS.ended)
    fail('status must be 2 (recording) or 3 (ended)');
  if (!Number.isSafeInteger(startTime) || !Number.isSafeInteger(endTime)) {
    fail('startTime and endTime must be integers (Unix milliseconds)');
  }
  if (endTime <= startTime) fail('endTime must be after startTime');
  if (endTime - startTime > MAX_LIST_SPAN_MS) fail('the window spans more than 3 days');
  if (roomId !== undefined && (typeof roomId !== 'string' || roomId === '')) fail('roomId must be a non-empty string');
  if (pageOffset !== undefined && !(Number.isSafeInteger(pageOffset) && pageOffset >= 0)) {
    fail('pageOffset must be an integer from 1 (0 = 1)');
  }
  if (pageSize !== undefined && !(Number.isInteger(pageSize) && pageSize >= 1 && pageSize <= MAX_PAGE_SIZE)) {
    fail(`pageSize must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  // Whether startTime is more than 3 days old is left to ZEGO: its clock decides (answer 300000004).
  return {
    Status: status,
    StartTime: startTime,
    EndTime: endTime,
    ...(roomId === undefined ? {} : { RoomId: roomId }),
    ...(pageOffset === undefined ? {} : { PageOffset: pageOffset }),
    ...(pageSize === undefined ? {} : { PageSize: pageSize }),
  };
}

// Node's and undici's codes (ECONNRESET, UND_ERR_SOCKET), or the error's name: words only, never free text.
const networkErrorCode = (err: unknown): string =>
  errorCode(err, ['code', 'cause.code', 'name'], (candidate) => /^[A-Za-z_]+$/.test(candidate)) ?? 'unknown error';

function isStaleSocketError(err: unknown): boolean {
  const { code, message, cause } = (err ?? {}) as { code?: unknown; message?: unknown; cause?: { code?: unknown } };
  return (
    (typeof code === 'string' && STALE_SOCKET_CODES.has(code)) ||
    (typeof cause?.code === 'string' && STALE_SOCKET_CODES.has(cause.code)) ||
    (typeof message === 'string' && message.includes('other side closed'))
  );
}

async function readText(body: Dispatcher.ResponseData['body']): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      body.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function createZegoClient(options: ZegoClientOptions): ZegoClient {
  const { appId, serverSecret, timeoutMs, dispatcher: injected } = options;
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const now = options.now ?? Date.now;
  const idleResetMs = options.idleResetMs ?? 4_000;
  let lastUsedAt: number | undefined;

  const dispatcher = (): Dispatcher => injected ?? getSharedAgent();

  // A socket that died while the Lambda was frozen must never be used: after a long idle, start afresh.
  function recycleIfIdle(): void {
    if (injected || lastUsedAt === undefined || now() - lastUsedAt <= idleResetMs) return;
    dropSharedAgent()
      ?.close()
      .catch(() => undefined);
  }

  async function attempt(action: string, payload: string, callerSignal: AbortSignal | undefined): Promise<Attempt> {
    const signed = signRequest(appId, serverSecret, now());
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new TimeoutError()), timeoutMs);
    const onCallerAbort = (): void => controller.abort(callerSignal?.reason);
    callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
    if (callerSignal?.aborted) onCallerAbort(); // aborted while the gate held us
    let headersSeen = false;
    try {
      const { statusCode, body } = await request(buildActionUrl(baseUrl, action, appId, signed), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: payload,
        signal: controller.signal,
        dispatcher: dispatcher(),
      });
      headersSeen = true;
      // ZEGO: the HTTP status of errors is undocumented; the body's Code is the truth, a non-2xx is a transport fault.
      if (statusCode < 200 || statusCode > 299) {
        await body.dump().catch(() => undefined);
        return { kind: 'fault', message: `HTTP ${statusCode}` };
      }
      const text = await readText(body);
      if (text === undefined)
        return { kind: 'fault', message: `response larger than ${MAX_BODY_BYTES / 1024 / 1024} MiB`, oversized: true };
      try {
        return { kind: 'answer', body: JSON.parse(text) as unknown };
      } catch {
        return { kind: 'fault', message: 'response is not JSON' };
      }
    } catch (err) {
      if (controller.signal.reason instanceof TimeoutError) {
        return { kind: 'fault', message: `timed out after ${timeoutMs} ms` };
      }
      if (callerSignal?.aborted) return { kind: 'fault', message: 'aborted by caller' };
      if (headersSeen) return { kind: 'fault', message: `response cut short (${networkErrorCode(err)})` };
      // Only a failure before any answer can be a stale keep-alive socket; a cut body is the server's doing.
      if (isStaleSocketError(err)) {
        return { kind: 'fault', message: `connection closed (${networkErrorCode(err)})`, stale: true };
      }
      return { kind: 'fault', message: `request failed (${networkErrorCode(err)})` };
    } finally {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onCallerAbort);
      lastUsedAt = now();
    }
  }

  // One call of any action: attempts through the gate, one immediate retry for a stale socket, the answer read.
  async function call<R>(
    action: string,
    requestBody: Record<string, unknown>,
    interpret: (body: unknown, attempts: number) => R,
    callOptions: CallOptions,
  ): Promise<R | ZegoFault> {
    const { gate, signal } = callOptions;
    const payload = JSON.stringify(requestBody);
    recycleIfIdle();
    let attempts = 0;
    for (;;) {
      if (signal?.aborted) return { kind: 'transient', message: 'aborted by caller', attempts };
      let release: () => void = () => undefined;
      if (gate) {
        try {
          release = await gate.acquire(signal);
        } catch {
          return { kind: 'transient', message: 'no slot from the request gate (aborted?)', attempts };
        }
      }
      attempts += 1;
      let outcome: Attempt;
      try {
        outcome = await attempt(action, payload, signal);
      } finally {
        release();
      }
      if (outcome.kind === 'answer') return interpret(outcome.body, attempts);
      // A kept-alive socket closed by the server (idle timeout, Lambda freeze) costs one immediate retry.
      if (outcome.stale && attempts === 1) continue;
      // An answer too large to read will be as large next time: the task's, not a passing fault.
      if (outcome.oversized) return { kind: 'task', message: outcome.message, oversized: true, attempts };
      return { kind: 'transient', message: outcome.message, attempts };
    }
  }

  function describeRecordStatus(taskId: string, callOptions: CallOptions = {}): Promise<DescribeResult> {
    return call('DescribeRecordStatus', { TaskId: taskId }, interpretDescribeBody, callOptions);
  }

  // ZEGO: DescribeTasks has a rate limit of its own (10 requests/s per AppId); pass a gate of its own.
  async function describeTasks(query: DescribeTasksQuery, callOptions: CallOptions = {}): Promise<ListResult> {
    const requestBody = listingBody(query); // throws before anything is sent
    return call('DescribeTasks', requestBody, interpretDescribeTasksBody, callOptions);
  }

  async function close(): Promise<void> {
    if (!injected) await dropSharedAgent()?.close();
  }

  return { describeRecordStatus, describeTasks, close };
}
