import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoSweepLease, LEASE_KEY } from '../../lib/store/dynamodb-sweep-lease';
import { createDynamoTaskStore } from '../../lib/store/dynamodb-task-store';
import { shardOf } from '../../lib/store/task-item';
import type { DueEntry, TaskStore } from '../../lib/store/task-store';
import type { Task } from '../../lib/task/task';
import { type LocalDynamo, startLocalDynamo } from '../support/dynamo';

let dynamo: LocalDynamo;
let tableCounter = 0;
const T0 = Date.UTC(2026, 10, 24, 10);

beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => {
  await dynamo.close();
});

async function freshStore(shards = 1): Promise<{ store: TaskStore; table: string }> {
  const table = `tasks-${++tableCounter}`;
  await dynamo.createTasksTable(table);
  return { store: createDynamoTaskStore({ client: dynamo.doc, table, shards, retentionDays: 30 }), table };
}

function task(taskId: string, overrides: Partial<Task> = {}): Task {
  return {
    taskId,
    state: 'OPEN',
    trackedAt: T0,
    checks: 0,
    quietChecks: 0,
    faultStreak: 0,
    notFoundStreak: 0,
    version: 0,
    dueAt: T0,
    ...overrides,
  };
}

async function collect(entries: AsyncIterable<DueEntry>): Promise<DueEntry[]> {
  const out: DueEntry[] = [];
  for await (const entry of entries) out.push(entry);
  return out;
}
const ids = (entries: DueEntry[]) => entries.map((e) => ('task' in e ? e.task.taskId : `!${e.malformed.taskId}`));

describe('DynamoDB task store (against dynalite)', () => {
  it('creates a task once; tracking it again returns the stored one unchanged', async () => {
    // Prepare
    const { store } = await freshStore();

    // Act
    const first = await store.create(task('t-1', { roomId: 'room-1' }));

    // Assess
    expect(first.created).toBe(true);

    // Act: tracking it again.
    const again = await store.create(task('t-1', { roomId: 'other', trackedAt: T0 + 5 }));

    // Assess
    expect(again.created).toBe(false);
    expect(again.task).toMatchObject({ roomId: 'room-1', trackedAt: T0 });
    expect(await store.get('t-1')).toEqual(first.task);
    expect(await store.get('nope')).toBeUndefined();
  });

  it('lists only due work, earliest first, across pages — closed and announced tasks leave the index', async () => {
    // Prepare
    const { store } = await freshStore();
    const dues = [50, 10, 40, 20, 30, 5_000];
    for (const [i, offset] of dues.entries()) await store.create(task(`t-${i}`, { dueAt: T0 + offset }));
    await store.create(task('done', { state: 'COMPLETED', publishedAt: T0, closedAt: T0, dueAt: undefined }));

    // Act
    const listed = await collect(store.listDue(T0 + 100, { pageSize: 2 }));

    // Assess
    expect(ids(listed)).toEqual(['t-1', 't-3', 't-4', 't-2', 't-0']);
  });

  it('merges the shards of the index into one earliest-first stream', async () => {
    // Prepare
    const { store } = await freshStore(3);
    const names = Array.from({ length: 30 }, (_, i) => `task-${i}`);

    // Act + Assess: the names fall in all three shards.
    expect(new Set(names.map((n) => shardOf(n, 3))).size).toBe(3);

    // Act: a task each, listed.
    for (const [i, name] of names.entries()) await store.create(task(name, { dueAt: T0 + ((i * 7) % 30) }));
    const listed = await collect(store.listDue(T0 + 1000, { pageSize: 4 }));

    // Assess
    const dueAts = listed.map((e) => ('task' in e ? e.task.dueAt! : -1));
    expect(listed).toHaveLength(30);
    expect(dueAts).toEqual([...dueAts].sort((a, b) => a - b));
  });

  it('counts the items needing work across shards and the hint partition (due or not yet), never the closed history', async () => {
    // Prepare
    const { store } = await freshStore(3);
    for (let i = 0; i < 11; i++) await store.create(task(`open-${i}`, { dueAt: T0 + i * 60_000 }));
    await store.create(task('hinted', { hinted: true, hintedAt: T0, dueAt: T0 }));
    for (let i = 0; i < 20; i++)
      await store.create(task(`closed-${i}`, { state: 'COMPLETED', publishedAt: T0, closedAt: T0, dueAt: undefined }));
    await store.create(task('pending', { state: 'FAILED', closedAt: T0, dueAt: T0 + 1 }));
    const before = dynamo.operations().length;

    // Act + Assess
    expect(await store.countDue()).toBe(13);
    // One per shard and one for the hint partition; no Scan.
    expect(dynamo.operations().slice(before)).toEqual(['Query', 'Query', 'Query', 'Query']);
  });

  it('writes only over the version it read: a second writer with the same version loses and changes nothing', async () => {
    // Prepare
    const { store } = await freshStore();
    const { task: stored } = await store.create(task('race'));

    // Act
    const a = await store.save({ ...stored, checks: 1, zegoStatus: 2 });
    const b = await store.save({ ...stored, checks: 1, zegoStatus: 3 });

    // Assess
    expect(a?.version).toBe(stored.version + 1);
    expect(b).toBeUndefined();
    expect((await store.get('race'))?.zegoStatus).toBe(2);
  });

  it('takes a closed task out of the due index and sets its TTL once the outcome is announced', async () => {
    // Prepare
    const { store, table } = await freshStore();
    const { task: stored } = await store.create(task('closing'));

    // Act: closed.
    const closed = await store.save({ ...stored, state: 'COMPLETED', closedAt: T0, dueAt: T0 + 60_000 });

    // Assess
    expect(ids(await collect(store.listDue(T0 + 60_000)))).toEqual(['closing']); // unannounced: still work to do

    // Act: announced.
    const announced = { ...closed!, publishedAt: T0 + 1 };
    delete announced.dueAt;
    await store.save(announced);

    // Assess
    expect(await collect(store.listDue(T0 + 10 ** 9))).toEqual([]);
    const { Item } = await dynamo.doc.send(new GetCommand({ TableName: table, Key: { taskId: 'closing' } }));
    expect(Item?.expiresAt).toBe(Math.ceil((T0 + 1 + 30 * 86_400_000) / 1000));
    expect(Item?.dueShard).toBeUndefined();
  });

  it('reads items written by an older version (no counters, no version) and claims them on the first write', async () => {
    // Prepare
    const { store, table } = await freshStore();
    await dynamo.doc.send(
      new PutCommand({
        TableName: table,
        Item: { taskId: 'legacy', state: 'OPEN', trackedAt: T0, dueShard: 'due#0', dueAt: T0 },
      }),
    );

    // Act
    const [entry] = await collect(store.listDue(T0));

    // Assess
    expect(entry).toEqual({ task: task('legacy', { version: 0 }) });

    // Act: the first write.
    const saved = await store.save({ ...(entry as { task: Task }).task, checks: 1 });

    // Assess
    expect(saved?.version).toBe(1);
  });

  it('reports an unreadable item instead of guessing, and can postpone it without touching its data', async () => {
    // Prepare
    const { store, table } = await freshStore();
    const bad = { taskId: 'bad', state: 'DONE?', trackedAt: T0, dueShard: 'due#0', dueAt: T0, files: 'x' };
    await dynamo.doc.send(new PutCommand({ TableName: table, Item: bad }));

    // Act
    const [entry] = await collect(store.listDue(T0));

    // Assess
    expect(entry).toEqual({ malformed: { taskId: 'bad', message: expect.stringContaining('state "DONE?"') } });

    // Act: postponed.
    await store.postpone('bad', T0 + 3_600_000);

    // Assess
    expect(await collect(store.listDue(T0 + 1000))).toEqual([]);
    const { Item } = await dynamo.doc.send(new GetCommand({ TableName: table, Key: { taskId: 'bad' } }));
    expect(Item).toEqual({ ...bad, dueAt: T0 + 3_600_000 });
  });
});

describe('sweep lease', () => {
  it('lets one holder in at a time, hands over the rate window, and lets a new holder in once a lease runs out', async () => {
    // Prepare
    const { table } = await freshStore();
    const lease = createDynamoSweepLease({ client: dynamo.doc, table });

    // Act + Assess: run-a holds it, run-b is kept out.
    expect(await lease.acquire('run-a', T0, T0 + 60_000)).toEqual({ carriedOver: [], carriedOverListing: [] });
    expect(await lease.acquire('run-b', T0 + 1, T0 + 60_001)).toBeUndefined();

    // Act + Assess: run-a hands over to run-b.
    await lease.release('run-a', [T0 + 900, T0 + 950], [T0 + 800]);
    expect(await lease.acquire('run-b', T0 + 2, T0 + 60_002)).toEqual({
      carriedOver: [T0 + 900, T0 + 950],
      carriedOverListing: [T0 + 800],
    });

    // Act + Assess: run-b dies without releasing: after its lease runs out, run-c gets in.
    expect(await lease.acquire('run-c', T0 + 30_000, T0 + 90_000)).toBeUndefined();
    expect(await lease.acquire('run-c', T0 + 60_002, T0 + 120_000)).toBeDefined();

    // Act: a late release by the dead holder changes nothing.
    await lease.release('run-b', [1]);

    // Assess
    const { Item } = await dynamo.doc.send(new GetCommand({ TableName: table, Key: { taskId: LEASE_KEY } }));
    expect(Item).toMatchObject({ holder: 'run-c', leaseUntil: T0 + 120_000 });
  });
});
