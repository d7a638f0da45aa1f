// In-memory stand-ins for the sweep's ports, for fast engine tests on a fake clock: a task store with the
// same conditional-write contract as the DynamoDB one, a lease, a publisher, and a scripted ZEGO client.
// The DynamoDB adapter itself is tested against dynalite (test/integration/task-store.test.ts).

import type { DueEntry, NextWork, SweepLease, TaskStore } from '../../lib/store/task-store';
import { type Candidate, HINT_COOLDOWN_MS } from '../../lib/task/hint';
import type { OutcomeEvent } from '../../lib/task/outcome-event';
import type { EventPublisher } from '../../lib/task/publisher';
import type { Task } from '../../lib/task/task';
import type {
  DescribeResult,
  DescribeTasksQuery,
  ListedTask,
  ListResult,
  RequestGate,
  ZegoClient,
} from '../../lib/zego/types';
import { assertValidEvent } from './json-schemas';

export class MemoryStore implements TaskStore {
  readonly tasks = new Map<string, Task>();
  writes = 0;
  async get(taskId: string) {
    return this.tasks.get(taskId);
  }
  async create(task: Task) {
    const stored = this.tasks.get(task.taskId);
    if (stored) return { created: false, task: stored };
    this.writes++;
    this.tasks.set(task.taskId, task);
    return { created: true, task };
  }
  readonly candidates = new Map<string, Candidate>();
  async *listDue(now: number): AsyncIterable<DueEntry> {
    const due = [...this.tasks.values()]
      .filter((t) => t.dueAt !== undefined && t.dueAt <= now && t.hinted !== true)
      .sort((a, b) => a.dueAt! - b.dueAt!);
    for (const task of due) yield { task };
  }
  async listHinted(now: number, limit: number): Promise<DueEntry[]> {
    return [...this.tasks.values()]
      .filter((t) => t.dueAt !== undefined && t.dueAt <= now && t.hinted === true)
      .sort((a, b) => a.dueAt! - b.dueAt!)
      .slice(0, limit)
      .map((task) => ({ task }));
  }
  async listCandidates(now: number, limit: number): Promise<Candidate[]> {
    return [...this.candidates.values()]
      .filter((c) => c.dueAt <= now)
      .sort((a, b) => a.dueAt - b.dueAt)
      .slice(0, limit);
  }
  async saveCandidate(candidate: Candidate) {
    const stored = this.candidates.get(candidate.taskId);
    if (stored === undefined || stored.version !== candidate.version) return undefined;
    const next = { ...candidate, version: candidate.version + 1 };
    this.candidates.set(candidate.taskId, next);
    return next;
  }
  async dropCandidate(taskId: string) {
    this.candidates.delete(taskId);
  }
  readonly untracked = new Set<string>();
  async wasUntracked(taskId: string) {
    return this.untracked.has(taskId);
  }
  /** What a callback's hint does to a task, as the DynamoDB hint inbox does it (lib/store/dynamodb-hint-inbox.ts). */
  hint(taskId: string, now: number, cooldownMs = HINT_COOLDOWN_MS) {
    const stored = this.tasks.get(taskId);
    if (stored === undefined || stored.state !== 'OPEN' || stored.hinted === true) return false;
    if (stored.hintedAt !== undefined && stored.hintedAt > now - cooldownMs) return false;
    const hinted = { ...stored, hinted: true, hintedAt: now, dueAt: now, version: stored.version + 1 };
    delete hinted.hintFollowUps;
    this.tasks.set(taskId, hinted);
    return true;
  }
  async save(task: Task) {
    if (this.poisoned.has(task.taskId))
      throw new Error('ValidationException: Item size has exceeded the maximum allowed size');
    const stored = this.tasks.get(task.taskId);
    if (stored === undefined || stored.version !== task.version) return undefined;
    this.writes++;
    const next = { ...task, version: task.version + 1 };
    this.tasks.set(task.taskId, next);
    return next;
  }
  async countDue() {
    return [...this.tasks.values()].filter((t) => t.dueAt !== undefined).length;
  }
  async nextWork() {
    const earliest = (times: number[]) => (times.length === 0 ? undefined : Math.min(...times));
    const tasks = [...this.tasks.values()].filter((t) => t.dueAt !== undefined);
    const next: NextWork = {};
    const due = earliest(tasks.filter((t) => t.hinted !== true).map((t) => t.dueAt!));
    const hinted = earliest(tasks.filter((t) => t.hinted === true).map((t) => t.dueAt!));
    const candidate = earliest([...this.candidates.values()].map((c) => c.dueAt));
    if (due !== undefined) next.due = due;
    if (hinted !== undefined) next.hinted = hinted;
    if (candidate !== undefined) next.candidate = candidate;
    return next;
  }
  /** Task ids whose save throws (a write DynamoDB refuses every time, say). */
  readonly poisoned = new Set<string>();
  async setAside(
    taskId: string,
    aside: { version: number; until: number; errors: number; error: { message: string; at: number } },
  ) {
    const stored = this.tasks.get(taskId);
    if (stored)
      this.tasks.set(taskId, {
        ...stored,
        dueAt: aside.until,
        hinted: false,
        processingErrors: aside.errors,
        lastError: { kind: 'processing', ...aside.error },
      });
  }
  async postpone(taskId: string, dueAt: number) {
    const stored = this.tasks.get(taskId);
    if (stored) this.tasks.set(taskId, { ...stored, dueAt });
  }
}

export const memoryLease = (): SweepLease => ({
  acquire: async () => ({ carriedOver: [], carriedOverListing: [] }),
  release: async () => undefined,
  state: async () => ({}),
  stopping: async () => undefined,
});

export class MemoryPublisher implements EventPublisher {
  readonly events: OutcomeEvent[] = [];
  constructor(readonly target: EventPublisher['target'] = 'sns') {}
  failNext = 0;
  /** What each of the `failNext` publishes throws. */
  failure: () => Error = () => new Error('SNS Publish failed: AuthorizationError');
  /** Every publish tried, failed ones included. */
  calls = 0;
  async publish(event: OutcomeEvent) {
    this.calls++;
    if (this.failNext > 0) {
      this.failNext--;
      throw this.failure();
    }
    assertValidEvent(event);
    this.events.push(event);
    return { messageId: String(this.events.length) };
  }
}

/** A ZEGO whose answers come from functions of the task id and the fake time. */
export class ScriptedZego implements ZegoClient {
  statusRequests: string[] = [];
  listRequests: DescribeTasksQuery[] = [];
  listFails = 0;
  constructor(
    private readonly now: () => number,
    private readonly status: (taskId: string, now: number) => DescribeResult,
    private readonly inProgress: (now: number) => ListedTask[] = () => [],
  ) {}
  async describeRecordStatus(taskId: string, options: { gate?: RequestGate } = {}) {
    const release = (await options.gate?.acquire()) ?? (() => undefined);
    try {
      this.statusRequests.push(taskId);
      return this.status(taskId, this.now());
    } finally {
      release();
    }
  }
  async describeTasks(query: DescribeTasksQuery, options: { gate?: RequestGate } = {}): Promise<ListResult> {
    const release = (await options.gate?.acquire()) ?? (() => undefined);
    try {
      this.listRequests.push(query);
      if (this.listFails > 0) {
        this.listFails--;
        return { kind: 'transient', message: 'HTTP 503', attempts: 1 };
      }
      const all = this.inProgress(this.now());
      const size = query.pageSize ?? 50;
      const offset = query.pageOffset ?? 1;
      return {
        kind: 'ok',
        page: {
          pageOffset: offset,
          pageSize: size,
          totalCount: all.length,
          tasks: all.slice((offset - 1) * size, offset * size),
        },
        attempts: 1,
      };
    } finally {
      release();
    }
  }
  async close() {}
}
