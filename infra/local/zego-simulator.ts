// A local stand-in for ZEGO's DescribeRecordStatus, speaking the real HTTP API: shared by the tests, `npm start`
// and the benchmark. Source of the behaviour: shared/reference/zego-cloud-recording.md, and for the signature and
// parameter checks (zego-gateway.ts) ZEGOCLOUD's "common return codes" table.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { listen, readBody } from './http-listener';
import { verifyGateway } from './zego-gateway';

/** One entry of Data.RecordFiles, with ZEGO's names (FileSize in bytes; Duration and timestamps in ms). */
export interface ZegoRecordFile {
  UserId?: string; UserName?: string; StreamId?: string; FileId?: string; VideoId?: string; FileUrl?: string;
  OutputFileFormat?: string; FileSize?: number; Duration?: number; ResolutionWidth?: number; ResolutionHeight?: number;
  MediaTrackType?: number; BeginTimestamp?: number; CustomBeginTimestamp?: number; Status: number;
}

/** Data of a DescribeRecordStatus answer, with ZEGO's names; any subset (a test may leave out Status on purpose). */
export interface ZegoRecordData {
  Status?: number; RoomId?: string; RecordMode?: number; StreamType?: number;
  RecordBeginTimestamp?: number; RecordEndTimestamp?: number; RecordFiles?: ZegoRecordFile[];
}

/** 'missing' answers 300001000, as ZEGO does for unknown tasks and tasks started more than 3 days ago. */
export type SimulatedTask = ZegoRecordData | 'missing';

export type SimulatorFault =
  | { type: 'http'; status: number }
  | { type: 'hang' }
  | { type: 'truncated' }
  | { type: 'code'; code: number; message?: string }
  | { type: 'malformed' }
  | { type: 'reset' };

export interface SimulatorOptions {
  appId: number;
  serverSecret: string;
  /** ZEGO: DescribeRecordStatus allows 10 requests/second (default 10). */
  rateLimit?: number;
  /** Added before every answer. */
  latencyMs?: number;
  port?: number;
  /** Milliseconds, monotonic; also read as epoch time for the Timestamp check. */
  now?: () => number;
  /** How long the server keeps an idle connection (Node's default: 5000). */
  keepAliveTimeoutMs?: number;
}

export interface SimulatorStats {
  requests: number;
  /** Requests refused for the rate limit (300000003). */
  refusals: number;
  /** Most arrivals in any rolling 1000 ms window, from the arrival log. */
  maxInAnyWindow: number;
  byTask: Record<string, number>;
  badSignatures: number;
  /** TCP connections accepted: shows keep-alive reuse. */
  connections: number;
}

export interface ZegoSimulator {
  /** Base URL, no trailing slash. */
  url: string;
  setTask(taskId: string, state: SimulatedTask): void;
  /** A lifecycle that moves on its own: each step applies from `afterMs` after this call; before the first, 'missing'. */
  setScript(taskId: string, steps: Array<{ afterMs: number; data: SimulatedTask }>): void;
  injectFault(fault: SimulatorFault, options?: { taskId?: string; times?: number }): void;
  stats(): SimulatorStats;
  arrivals(): number[];
  resetStats(): void;
  close(): Promise<void>;
}

// ZEGO: the cloud recording codes the simulator answers with.
const CODE = { rateLimited: 300_000_003, invalidParameter: 300_000_004, taskMissing: 300_001_000 } as const;
const WINDOW_MS = 1000; // ZEGO: the rate limit is per second

/** A realistic Data.RecordFiles entry; FileUrl only once the file is in storage (status 3 or 4). */
export function zegoFile(options: Partial<ZegoRecordFile> & { status: number }): ZegoRecordFile {
  const { status, ...overrides } = options;
  const fileId = overrides.FileId ?? `X3CgNeE4I1qAAABN_room_stream_VA_20240927154419775.mp4`;
  return {
    UserId: 'user_1',
    UserName: 'user_1',
    StreamId: 'stream_1',
    FileId: fileId,
    ...(status === 3 || status === 4 ? { FileUrl: `https://storage.example.com/record/${fileId}` } : {}),
    OutputFileFormat: 'mp4',
    FileSize: 43_264_354,
    Duration: 33_874,
    ResolutionWidth: 1280,
    ResolutionHeight: 720,
    MediaTrackType: 3,
    BeginTimestamp: 1_601_221_459_830,
    CustomBeginTimestamp: 0,
    Status: status,
    ...overrides,
  };
}

type Answer = { code: number; message: string; data?: unknown };

function taskIdOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as unknown;
    const taskId = (parsed as { TaskId?: unknown } | null)?.TaskId;
    return typeof taskId === 'string' && taskId !== '' ? taskId : undefined;
  } catch {
    return undefined;
  }
}

/** Exact maximum of arrivals in any half-open window (t - 1000, t], over sorted times. */
function maxInWindow(sorted: readonly number[]): number {
  let max = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last++) {
    while ((sorted[first] ?? 0) <= (sorted[last] ?? 0) - WINDOW_MS) first++;
    max = Math.max(max, last - first + 1);
  }
  return max;
}

export async function startZegoSimulator(options: SimulatorOptions): Promise<ZegoSimulator> {
  const { appId, serverSecret, rateLimit = 10, latencyMs = 0 } = options;
  const now = options.now ?? ((): number => performance.timeOrigin + performance.now());
  const tasks = new Map<string, { startedAt: number; steps: Array<{ afterMs: number; data: SimulatedTask }> }>();
  const faults: Array<{ fault: SimulatorFault; taskId?: string; remaining: number }> = [];
  const timers = new Set<NodeJS.Timeout>();
  let recent: number[] = []; // the limiter's own log: resetStats() must not lift the limit
  let log: number[] = [];
  let counters = { requests: 0, refusals: 0, badSignatures: 0, connections: 0 };
  let byTask: Record<string, number> = {};
  let requestSeq = 0;
  let closed = false;

  function stateOf(taskId: string, at: number): SimulatedTask {
    const entry = tasks.get(taskId);
    if (!entry) return 'missing';
    const elapsed = at - entry.startedAt;
    return entry.steps.filter((step) => step.afterMs <= elapsed).at(-1)?.data ?? 'missing';
  }

  function takeFault(taskId: string): SimulatorFault | undefined {
    const index = faults.findIndex((f) => f.taskId === undefined || f.taskId === taskId);
    const entry = faults[index];
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) faults.splice(index, 1);
    return entry.fault;
  }

  function answerBody({ code, message, data }: Answer): string {
    const requestId = `sim-${++requestSeq}-${randomBytes(4).toString('hex')}`;
    // ZEGO: every answer carries Code, Message and RequestId; Data only on success.
    const base = { Code: code, Message: message, RequestId: requestId };
    return JSON.stringify(data === undefined ? base : { ...base, Data: data });
  }

  function send(res: ServerResponse, status: number, body: string, type = 'application/json'): void {
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) }).end(body);
  }

  // Decides the answer at arrival; returns what to do once the latency has passed.
  async function decide(req: IncomingMessage, arrivedAt: number): Promise<(res: ServerResponse) => void> {
    const body = await readBody(req);
    const taskId = taskIdOf(body);
    if (taskId !== undefined) byTask[taskId] = (byTask[taskId] ?? 0) + 1;
    const reply = (answer: Answer) => (res: ServerResponse) => send(res, 200, answerBody(answer));
    const query = new URL(req.url ?? '/', 'http://simulator').searchParams;
    const gateway = verifyGateway(query, appId, serverSecret, arrivedAt);
    if (gateway) {
      if (gateway.code === 100_000_005) counters.badSignatures += 1;
      return reply(gateway);
    }
    // ZEGO: 10 requests/second. Counted on signed arrivals, refused ones included (the stricter reading).
    recent = recent.filter((t) => t > arrivedAt - WINDOW_MS);
    recent.push(arrivedAt);
    if (recent.length > rateLimit) {
      counters.refusals += 1;
      return reply({ code: CODE.rateLimited, message: 'request rate over the limit' });
    }
    if (taskId === undefined) return reply({ code: CODE.invalidParameter, message: 'invalid parameter: TaskId' });
    const state = stateOf(taskId, arrivedAt);
    const success = (data: unknown): Answer => ({ code: 0, message: 'succeed', data });
    const normal: Answer =
      state === 'missing' ? { code: CODE.taskMissing, message: 'task does not exist' } : success(state);
    const fault = takeFault(taskId);
    switch (fault?.type) {
      case undefined:
        return reply(normal);
      case 'http':
        return (res) => send(res, fault.status, `<html><body>${fault.status} upstream error</body></html>`, 'text/html');
      case 'hang':
        return () => undefined; // the socket is destroyed by close()
      case 'reset':
        return (res) => res.socket?.destroy();
      case 'code':
        return reply({ code: fault.code, message: fault.message ?? 'injected fault' });
      case 'malformed':
        return reply(success({ ...(state === 'missing' ? {} : state), Status: 'ended' })); // ZEGO sends an integer
      case 'truncated':
        return (res) => {
          const full = answerBody(normal);
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(full) });
          res.write(full.slice(0, Math.floor(full.length / 2)), () => res.socket?.destroy());
        };
    }
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const arrivedAt = now();
    log.push(arrivedAt);
    counters.requests += 1;
    // ZEGO's keep-alive policy is undocumented: advertise no timeout (Node would send `Keep-Alive: timeout=N`),
    // so clients must cope with a server that closes idle sockets without warning.
    if (req.headers.connection?.toLowerCase() !== 'close') res.setHeader('connection', 'keep-alive');
    void decide(req, arrivedAt).then((act) => {
      const run = (): void => {
        if (!closed && !res.destroyed) act(res);
      };
      if (latencyMs <= 0) return run();
      const timer = setTimeout(() => {
        timers.delete(timer);
        run();
      }, latencyMs);
      timers.add(timer);
    }, () => req.socket.destroy()); // the client went away mid-body
  }

  function manageConnections(server: Server): void {
    server.on('connection', () => (counters.connections += 1));
    const { keepAliveTimeoutMs } = options;
    if (keepAliveTimeoutMs === undefined) return;
    // Node adds a hidden 1 s to keepAliveTimeout (and the amount varies by version): keep our own idle timer.
    server.keepAliveTimeout = 0;
    const idle = new WeakMap<Socket, NodeJS.Timeout>();
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      clearTimeout(idle.get(req.socket));
      res.on('finish', () => idle.set(req.socket, setTimeout(() => req.socket.destroy(), keepAliveTimeoutMs).unref()));
    });
  }

  const listener = await listen(onRequest, { port: options.port, prepare: manageConnections });

  return {
    url: listener.url,
    setTask: (taskId, state) => void tasks.set(taskId, { startedAt: now(), steps: [{ afterMs: 0, data: state }] }),
    setScript: (taskId, steps) =>
      void tasks.set(taskId, { startedAt: now(), steps: [...steps].sort((a, b) => a.afterMs - b.afterMs) }),
    injectFault: (fault, { taskId, times = 1 } = {}) => void faults.push({ fault, taskId, remaining: times }),
    stats: () => ({
      ...counters,
      maxInAnyWindow: maxInWindow([...log].sort((a, b) => a - b)),
      byTask: { ...byTask },
    }),
    arrivals: () => [...log],
    resetStats: () => {
      log = [];
      counters = { requests: 0, refusals: 0, badSignatures: 0, connections: 0 };
      byTask = {};
    },
    close: async () => {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      // Hung requests and idle keep-alive sockets are ended too; a second close() resolves, as it always has.
      await listener.close().catch(() => undefined);
    },
  };
}
