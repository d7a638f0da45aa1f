// A local stand-in for ZEGO's DescribeRecordStatus and DescribeTasks, speaking the real HTTP API: shared by the
// tests, `npm start` and the benchmark. Source of the behaviour: docs/zego.md, and for
// the signature and parameter checks (zego-gateway.ts) ZEGOCLOUD's "common return codes" table.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { RETURN_CODE as CODE, FILE_STATUS, LIST_STATUS, RECORD_STATUS } from '../../lib/zego/vocabulary';
import { listen, readBody } from './http-listener';
import type { SimulatedAction } from './zego-gateway';
import { verifyGateway } from './zego-gateway';

/** One entry of Data.RecordFiles, with ZEGO's names (FileSize in bytes; Duration and timestamps in ms). */
export interface ZegoRecordFile {
  UserId?: string;
  UserName?: string;
  StreamId?: string;
  FileId?: string;
  VideoId?: string;
  FileUrl?: string;
  OutputFileFormat?: string;
  FileSize?: number;
  Duration?: number;
  ResolutionWidth?: number;
  ResolutionHeight?: number;
  MediaTrackType?: number;
  BeginTimestamp?: number;
  CustomBeginTimestamp?: number;
  Status: number;
}

/** Data of a DescribeRecordStatus answer, with ZEGO's names; any subset (a test may leave out Status on purpose). */
export interface ZegoRecordData {
  Status?: number;
  RoomId?: string;
  RecordMode?: number;
  StreamType?: number;
  RecordBeginTimestamp?: number;
  RecordEndTimestamp?: number;
  RecordFiles?: ZegoRecordFile[];
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
  /** ZEGO: DescribeTasks allows 10 requests/second of its own, apart from DescribeRecordStatus' (default 10). */
  describeTasksRateLimit?: number;
  /**
   * The current Statuses a DescribeTasks with Status 2 lists (default [2]). ZEGO does not say whether initialising
   * (1) or paused (5) tasks are "currently recording": tests set [1, 2, 5] to build for both readings.
   */
  inProgressListing?: number[];
  /** Added before every answer. */
  latencyMs?: number;
  port?: number;
  /** Milliseconds, monotonic; also read as epoch time for the Timestamp check. */
  now?: () => number;
  /** How long the server keeps an idle connection (Node's default: 5000). */
  keepAliveTimeoutMs?: number;
  /**
   * Whether DescribeRecordStatus answers carry the task's RoomId (default true). ZEGO's page for the action
   * documents no RoomId in Data; DescribeTasks' listing always carries one. Build for both.
   */
  statusCarriesRoomId?: boolean;
}

/** requests, refusals, maxInAnyWindow, byTask: DescribeRecordStatus (and unsupported actions); list*: DescribeTasks. */
export interface SimulatorStats {
  requests: number;
  /** Requests refused for the rate limit (300000003). */
  refusals: number;
  /** Most arrivals in any rolling 1000 ms window, from the arrival log. */
  maxInAnyWindow: number;
  byTask: Record<string, number>;
  /** DescribeTasks requests. */
  listRequests: number;
  /** DescribeTasks requests refused for its rate limit (300000003). */
  listRefusals: number;
  /** Most DescribeTasks arrivals in any rolling 1000 ms window. */
  maxListInAnyWindow: number;
  /** Either action. */
  badSignatures: number;
  /** TCP connections accepted: shows keep-alive reuse. */
  connections: number;
}

export interface ZegoSimulator {
  /** Base URL, no trailing slash. */
  url: string;
  setTask(taskId: string, state: SimulatedTask): void;
  /** setTask for many at once (one clock reading). */
  setTasks(entries: Iterable<readonly [taskId: string, state: SimulatedTask]>): void;
  /** A lifecycle that moves on its own: each step applies from `afterMs` after this call; before the first, 'missing'. */
  setScript(taskId: string, steps: Array<{ afterMs: number; data: SimulatedTask }>): void;
  /**
   * The next `times` requests of `action` (default DescribeRecordStatus; for it, only those about `taskId` when
   * given) that pass the gateway and the rate limit get `fault`. For DescribeTasks, 'malformed' sends an ill-typed
   * Data.TotalCount.
   */
  /** The ServerSecret signatures are checked with from now on (a rotation in ZEGO's console). */
  setServerSecret(secret: string): void;
  injectFault(fault: SimulatorFault, options?: { taskId?: string; times?: number; action?: SimulatedAction }): void;
  stats(): SimulatorStats;
  /** Arrival times of DescribeRecordStatus (and unsupported-action) requests. */
  arrivals(): number[];
  /** Arrival times of DescribeTasks requests. */
  listArrivals(): number[];
  resetStats(): void;
  close(): Promise<void>;
}

const WINDOW_MS = 1000; // ZEGO: the rate limit is per second
// ZEGO (DescribeTasks): a window of at most 3 days, starting at most 3 days ago; PageSize 1–50, default 50.
const LIST_SPAN_MS = 3 * 86_400_000;
const LIST_MAX_PAGE_SIZE = 50;

/** A realistic Data.RecordFiles entry; FileUrl only once the file is in storage (uploaded, or in ZEGO's backup storage). */
export function zegoFile(options: Partial<ZegoRecordFile> & { status: number }): ZegoRecordFile {
  const { status, ...overrides } = options;
  const fileId = overrides.FileId ?? `X3CgNeE4I1qAAABN_room_stream_VA_20240927154419775.mp4`;
  return {
    UserId: 'user_1',
    UserName: 'user_1',
    StreamId: 'stream_1',
    FileId: fileId,
    ...(status === FILE_STATUS.uploaded || status === FILE_STATUS.inBackupStorage
      ? { FileUrl: `https://storage.example.com/record/${fileId}` }
      : {}),
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
type TaskEntry = { startedAt: number; steps: Array<{ afterMs: number; data: SimulatedTask }> };

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
  const { appId, rateLimit = 10, describeTasksRateLimit = 10, latencyMs = 0 } = options;
  let serverSecret = options.serverSecret;
  const now = options.now ?? ((): number => performance.timeOrigin + performance.now());
  const inProgressListing = new Set(options.inProgressListing ?? [RECORD_STATUS.inProgress]);
  const tasks = new Map<string, TaskEntry>();
  const faults: Array<{ fault: SimulatorFault; action: SimulatedAction; taskId?: string; remaining: number }> = [];
  const timers = new Set<NodeJS.Timeout>();
  // The limiters' own logs, one per action: resetStats() must not lift the limits.
  let recent: number[] = [];
  let recentList: number[] = [];
  let log: number[] = [];
  let listLog: number[] = [];
  const zeroCounters = () => ({
    requests: 0,
    refusals: 0,
    listRequests: 0,
    listRefusals: 0,
    badSignatures: 0,
    connections: 0,
  });
  let counters = zeroCounters();
  let byTask: Record<string, number> = {};
  let requestSeq = 0;
  let closed = false;

  // The last step that has begun (steps are sorted by afterMs); before the first, 'missing'.
  function currentState(entry: TaskEntry | undefined, at: number): SimulatedTask {
    if (!entry) return 'missing';
    const elapsed = at - entry.startedAt;
    for (let i = entry.steps.length - 1; i >= 0; i--) {
      const step = entry.steps[i];
      if (step && step.afterMs <= elapsed) return step.data;
    }
    return 'missing';
  }

  function stateOf(taskId: string, at: number): SimulatedTask {
    return currentState(tasks.get(taskId), at);
  }

  function takeFault(action: SimulatedAction, taskId?: string): SimulatorFault | undefined {
    const index = faults.findIndex(
      (f) => f.action === action && (action === 'DescribeTasks' || f.taskId === undefined || f.taskId === taskId),
    );
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

  const reply = (answer: Answer) => (res: ServerResponse) => send(res, 200, answerBody(answer));

  // What a fault makes of the normal answer; `malformedData` is the ill-typed Data for 'malformed'.
  function faulted(
    fault: SimulatorFault | undefined,
    normal: Answer,
    malformedData: () => unknown,
  ): (res: ServerResponse) => void {
    switch (fault?.type) {
      case undefined:
        return reply(normal);
      case 'http':
        return (res) =>
          send(res, fault.status, `<html><body>${fault.status} upstream error</body></html>`, 'text/html');
      case 'hang':
        return () => undefined; // the socket is destroyed by close()
      case 'reset':
        return (res) => res.socket?.destroy();
      case 'code':
        return reply({ code: fault.code, message: fault.message ?? 'injected fault' });
      case 'malformed':
        return reply({ code: CODE.success, message: 'succeed', data: malformedData() });
      case 'truncated':
        return (res) => {
          const full = answerBody(normal);
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(full) });
          res.write(full.slice(0, Math.floor(full.length / 2)), () => res.socket?.destroy());
        };
    }
  }

  /** DescribeTasks' Data for a body, or ZEGO's refusal of it; the selection is made on each task's current step. */
  function listing(body: string, at: number): Answer {
    const invalid = (what: string): Answer => ({ code: CODE.invalidParameter, message: `invalid parameter: ${what}` });
    let parsed: unknown;
    try {
      parsed = JSON.parse(body) as unknown;
    } catch {
      return invalid('body is not JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return invalid('body is not an object');
    const { Status, StartTime, EndTime, RoomId, PageOffset, PageSize } = parsed as Record<string, unknown>;
    if (Status !== LIST_STATUS.recording && Status !== LIST_STATUS.ended) return invalid('Status');
    if (typeof StartTime !== 'number' || !Number.isInteger(StartTime)) return invalid('StartTime');
    if (typeof EndTime !== 'number' || !Number.isInteger(EndTime)) return invalid('EndTime');
    if (EndTime <= StartTime) return invalid('EndTime must be after StartTime');
    if (EndTime - StartTime > LIST_SPAN_MS) return invalid('the time range is longer than 3 days');
    if (StartTime < at - LIST_SPAN_MS) return invalid('StartTime is more than 3 days ago');
    if (RoomId !== undefined && RoomId !== null && typeof RoomId !== 'string') return invalid('RoomId');
    const isAbsent = (value: unknown): boolean => value === undefined || value === null;
    if (!isAbsent(PageOffset) && !(Number.isInteger(PageOffset) && (PageOffset as number) >= 0))
      return invalid('PageOffset');
    const pageSize = isAbsent(PageSize) ? LIST_MAX_PAGE_SIZE : PageSize;
    if (typeof pageSize !== 'number' || !Number.isInteger(pageSize) || pageSize < 1 || pageSize > LIST_MAX_PAGE_SIZE) {
      return invalid('PageSize');
    }
    const pageOffset = Math.max(1, (PageOffset as number | null | undefined) ?? 1); // ZEGO: 0 or absent = 1
    const room = typeof RoomId === 'string' && RoomId !== '' ? RoomId : undefined;
    const wanted =
      Status === LIST_STATUS.recording
        ? inProgressListing
        : new Set<number>([RECORD_STATUS.ended, RECORD_STATUS.endedAbnormally]);
    // One pass and one sort per request: O(n log n) in the tasks held, whatever the page.
    const matches: Array<{ taskId: string; data: ZegoRecordData; begin: number }> = [];
    for (const [taskId, entry] of tasks) {
      const data = currentState(entry, at);
      if (data === 'missing' || data.Status === undefined || !wanted.has(data.Status)) continue;
      const begin = data.RecordBeginTimestamp;
      if (begin === undefined || begin < StartTime || begin > EndTime) continue;
      if (room !== undefined && data.RoomId !== room) continue;
      matches.push({ taskId, data, begin });
    }
    matches.sort((a, b) => a.begin - b.begin || (a.taskId < b.taskId ? -1 : a.taskId > b.taskId ? 1 : 0));
    const first = (pageOffset - 1) * pageSize;
    const TaskidList = matches.slice(first, first + pageSize).map(({ taskId, data, begin }) => ({
      TaskId: taskId,
      ...(data.RoomId === undefined ? {} : { RoomId: data.RoomId }),
      Status: data.Status,
      RecordBeginTimestamp: begin,
    }));
    const data = { PageOffset: pageOffset, PageSize: pageSize, TotalCount: matches.length, TaskidList };
    return { code: CODE.success, message: 'succeed', data };
  }

  function decideListing(body: string, arrivedAt: number): (res: ServerResponse) => void {
    // ZEGO: DescribeTasks' own 10 requests/second, counted like DescribeRecordStatus'.
    recentList = recentList.filter((t) => t > arrivedAt - WINDOW_MS);
    recentList.push(arrivedAt);
    if (recentList.length > describeTasksRateLimit) {
      counters.listRefusals += 1;
      return reply({ code: CODE.rateLimited, message: 'request rate over the limit' });
    }
    const normal = listing(body, arrivedAt);
    return faulted(takeFault('DescribeTasks'), normal, () => {
      const data = (normal.data ?? {
        PageOffset: 1,
        PageSize: LIST_MAX_PAGE_SIZE,
        TotalCount: 0,
        TaskidList: [],
      }) as object;
      return { ...data, TotalCount: 'many' }; // ZEGO sends an integer
    });
  }

  // Decides the answer at arrival; returns what to do once the latency has passed.
  async function decide(
    req: IncomingMessage,
    arrivedAt: number,
    query: URLSearchParams,
  ): Promise<(res: ServerResponse) => void> {
    const body = await readBody(req);
    const isListing = query.get('Action') === 'DescribeTasks';
    const taskId = isListing ? undefined : taskIdOf(body);
    if (taskId !== undefined) byTask[taskId] = (byTask[taskId] ?? 0) + 1;
    const gateway = verifyGateway(query, appId, serverSecret, arrivedAt);
    if (gateway) {
      if (gateway.code === CODE.badSignature) counters.badSignatures += 1;
      return reply(gateway);
    }
    if (isListing) return decideListing(body, arrivedAt);
    // ZEGO: 10 requests/second. Counted on signed arrivals, refused ones included (the stricter reading).
    recent = recent.filter((t) => t > arrivedAt - WINDOW_MS);
    recent.push(arrivedAt);
    if (recent.length > rateLimit) {
      counters.refusals += 1;
      return reply({ code: CODE.rateLimited, message: 'request rate over the limit' });
    }
    if (taskId === undefined) return reply({ code: CODE.invalidParameter, message: 'invalid parameter: TaskId' });
    const state = stateOf(taskId, arrivedAt);
    const success = (data: ZegoRecordData): Answer => {
      if (options.statusCarriesRoomId !== false) return { code: CODE.success, message: 'succeed', data };
      const { RoomId: _room, ...rest } = data;
      return { code: CODE.success, message: 'succeed', data: rest };
    };
    const normal: Answer =
      state === 'missing' ? { code: CODE.taskMissing, message: 'task does not exist' } : success(state);
    // ZEGO sends an integer Status; 'malformed' sends a string.
    const malformedData = (): unknown => ({ ...(state === 'missing' ? {} : state), Status: 'ended' });
    return faulted(takeFault('DescribeRecordStatus', taskId), normal, malformedData);
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const arrivedAt = now();
    const query = new URL(req.url ?? '/', 'http://simulator').searchParams;
    if (query.get('Action') === 'DescribeTasks') {
      listLog.push(arrivedAt);
      counters.listRequests += 1;
    } else {
      log.push(arrivedAt);
      counters.requests += 1;
    }
    // ZEGO's keep-alive policy is undocumented: advertise no timeout (Node would send `Keep-Alive: timeout=N`),
    // so clients must cope with a server that closes idle sockets without warning.
    if (req.headers.connection?.toLowerCase() !== 'close') res.setHeader('connection', 'keep-alive');
    void decide(req, arrivedAt, query).then(
      (act) => {
        const run = (): void => {
          if (!closed && !res.destroyed) act(res);
        };
        if (latencyMs <= 0) return run();
        const timer = setTimeout(() => {
          timers.delete(timer);
          run();
        }, latencyMs);
        timers.add(timer);
      },
      () => req.socket.destroy(),
    ); // the client went away mid-body
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
    setServerSecret: (secret) => {
      serverSecret = secret;
    },
    setTasks: (entries) => {
      const startedAt = now();
      for (const [taskId, state] of entries) tasks.set(taskId, { startedAt, steps: [{ afterMs: 0, data: state }] });
    },
    setScript: (taskId, steps) =>
      void tasks.set(taskId, { startedAt: now(), steps: [...steps].sort((a, b) => a.afterMs - b.afterMs) }),
    injectFault: (fault, { taskId, times = 1, action = 'DescribeRecordStatus' } = {}) =>
      void faults.push({ fault, action, taskId, remaining: times }),
    stats: () => ({
      ...counters,
      maxInAnyWindow: maxInWindow([...log].sort((a, b) => a - b)),
      maxListInAnyWindow: maxInWindow([...listLog].sort((a, b) => a - b)),
      byTask: { ...byTask },
    }),
    arrivals: () => [...log],
    listArrivals: () => [...listLog],
    resetStats: () => {
      log = [];
      listLog = [];
      counters = zeroCounters();
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
