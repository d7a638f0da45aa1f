// TaskStore and SweepLease on one DynamoDB table keyed by taskId, with the sparse `due-index`
// (dueShard, dueAt) holding only the items that need work: the sweep's reads follow the due tasks,
// never the table's size. Every write is a single-item conditional write.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Task } from '../task/task';
import {
  DUE_ATTR,
  DUE_INDEX,
  fitTask,
  fromItem,
  MalformedTaskError,
  ROOM_INDEX,
  SHARD_ATTR,
  shardKey,
  type TaskItem,
} from './task-item';
import type { DueEntry, LeaseHandOver, OpenCursor, SweepLease, TaskCatalog, TaskStore } from './task-store';

export interface DynamoStoreOptions {
  client: DynamoDBDocumentClient;
  table: string;
  shards: number;
  retentionDays: number;
}

/** Task ids are letters, digits, - and _; '#' keeps the lease item out of their way. */
export const LEASE_KEY = '#lease#sweep';

export class StoreError extends Error {
  override name = 'StoreError';
}

const isConflict = (error: unknown) =>
  error instanceof ConditionalCheckFailedException ||
  (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';

export function createDynamoTaskStore(options: DynamoStoreOptions): TaskStore & TaskCatalog {
  const { client, table, shards } = options;
  const itemOptions = { shards, retentionMs: options.retentionDays * 86_400_000 };

  const get = async (taskId: string): Promise<Task | undefined> => {
    const { Item } = await client.send(new GetCommand({ TableName: table, Key: { taskId }, ConsistentRead: true }));
    return Item === undefined ? undefined : fromItem(Item);
  };

  /** The pages of one shard of the due index, earliest first: due up to `dueBy`, or all of it. */
  async function* shardPages(shard: number, options: { dueBy?: number; pageSize?: number; count?: boolean }) {
    const dueBy = options.dueBy !== undefined;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new QueryCommand({
          TableName: table,
          IndexName: DUE_INDEX,
          KeyConditionExpression: dueBy ? '#shard = :shard AND #due <= :dueBy' : '#shard = :shard',
          ExpressionAttributeNames: dueBy ? { '#shard': SHARD_ATTR, '#due': DUE_ATTR } : { '#shard': SHARD_ATTR },
          ExpressionAttributeValues: dueBy
            ? { ':shard': shardKey(shard), ':dueBy': options.dueBy }
            : { ':shard': shardKey(shard) },
          ScanIndexForward: true,
          ...(options.pageSize === undefined ? {} : { Limit: options.pageSize }),
          ...(options.count ? { Select: 'COUNT' as const } : {}),
          ExclusiveStartKey: startKey,
        }),
      );
      yield page;
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
  }

  async function* shardEntries(shard: number, now: number, pageSize: number): AsyncGenerator<DueEntry> {
    for await (const page of shardPages(shard, { dueBy: now, pageSize }))
      for (const item of page.Items ?? []) yield entryOf(item);
  }

  /** Up to `limit` OPEN tasks of one shard after `after`, earliest due first, and whether the shard has more. */
  const openOfShard = async (shard: number, limit: number, after: { taskId: string; dueAt: number } | undefined) => {
    const tasks: Task[] = [];
    let startKey: Record<string, unknown> | undefined =
      after === undefined
        ? undefined
        : { taskId: after.taskId, [SHARD_ATTR]: shardKey(shard), [DUE_ATTR]: after.dueAt };
    do {
      const page = await client.send(
        new QueryCommand({
          TableName: table,
          IndexName: DUE_INDEX,
          KeyConditionExpression: '#shard = :shard',
          // Closed tasks whose outcome is not announced yet share the index: read, not listed.
          FilterExpression: '#state = :open',
          ExpressionAttributeNames: { '#shard': SHARD_ATTR, '#state': 'state' },
          ExpressionAttributeValues: { ':shard': shardKey(shard), ':open': 'OPEN' },
          ScanIndexForward: true,
          Limit: limit - tasks.length,
          ExclusiveStartKey: startKey,
        }),
      );
      tasks.push(...readable(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined && tasks.length < limit);
    return { tasks, more: startKey !== undefined };
  };

  return {
    get,
    shards,

    async listRoom(roomId, { limit, after }) {
      const page = await client.send(
        new QueryCommand({
          TableName: table,
          IndexName: ROOM_INDEX,
          KeyConditionExpression: 'roomId = :room',
          ExpressionAttributeValues: { ':room': roomId },
          ScanIndexForward: false, // newest tracked first
          // One more than the page: whether a next page exists is known, so the last page carries no token.
          Limit: limit + 1,
          ExclusiveStartKey:
            after === undefined ? undefined : { taskId: after.taskId, roomId, trackedAt: after.trackedAt },
        }),
      );
      const tasks = readable((page.Items ?? []).slice(0, limit));
      const last = tasks.at(-1);
      // DynamoDB also stops a Query at 1 MB of items: a key to go on from means more, however few came.
      const more = (page.Items?.length ?? 0) > limit || page.LastEvaluatedKey !== undefined;
      return !more || last === undefined
        ? { tasks }
        : { tasks, next: { taskId: last.taskId, trackedAt: last.trackedAt } };
    },

    async listOpen({ limit, after }) {
      // Each shard's next `limit` open tasks, merged earliest due first; the cursor keeps each shard's place.
      const places: OpenCursor = after ?? Array.from({ length: shards }, () => 'start' as const);
      const heads = await Promise.all(
        // One more than the page from each shard: whether a next page exists is known, so the last page has no token.
        places.map(async (place, shard) =>
          place === null
            ? { tasks: [] as Task[], more: false }
            : openOfShard(shard, limit + 1, place === 'start' ? undefined : place),
        ),
      );
      const taken: Task[] = [];
      const used = heads.map(() => 0);
      for (;;) {
        let best: number | undefined;
        heads.forEach((head, shard) => {
          const candidate = head.tasks[used[shard]!];
          if (candidate === undefined) return;
          if (best === undefined || (candidate.dueAt ?? 0) < (heads[best]!.tasks[used[best]!]!.dueAt ?? 0))
            best = shard;
        });
        if (best === undefined || taken.length === limit) break;
        taken.push(heads[best]!.tasks[used[best]!]!);
        used[best]!++;
      }
      const next: OpenCursor = heads.map((head, shard) => {
        if (used[shard]! === head.tasks.length && !head.more) return null; // this shard is done
        const last = head.tasks[used[shard]! - 1];
        return last === undefined ? places[shard]! : { taskId: last.taskId, dueAt: last.dueAt ?? 0 };
      });
      return next.every((place) => place === null) ? { tasks: taken } : { tasks: taken, next };
    },

    async remove(taskId) {
      try {
        await client.send(
          new DeleteCommand({ TableName: table, Key: { taskId }, ConditionExpression: 'attribute_exists(taskId)' }),
        );
        return true;
      } catch (error) {
        if (isConflict(error)) return false;
        throw error;
      }
    },

    async create(task) {
      const { item, fitted } = fitTask(task, itemOptions);
      try {
        await client.send(
          new PutCommand({ TableName: table, Item: item, ConditionExpression: 'attribute_not_exists(taskId)' }),
        );
        return { created: true, task: fitted };
      } catch (error) {
        if (!isConflict(error)) throw error;
        const stored = await get(task.taskId);
        if (stored === undefined) throw new StoreError(`task ${task.taskId} vanished while being created`);
        return { created: false, task: stored };
      }
    },

    async *listDue(now, { pageSize = 100 } = {}) {
      // One ordered stream per shard, merged earliest-first; each fetches its next page only when drained.
      const heads = await Promise.all(
        Array.from({ length: shards }, async (_, shard) => {
          const iterator = shardEntries(shard, now, pageSize)[Symbol.asyncIterator]();
          return { iterator, head: await iterator.next() };
        }),
      );
      for (;;) {
        let best: (typeof heads)[number] | undefined;
        for (const stream of heads) {
          if (stream.head.done) continue;
          if (best === undefined || dueOf(stream.head.value) < dueOf(best.head.value as DueEntry)) best = stream;
        }
        if (best === undefined || best.head.done) return;
        yield best.head.value;
        best.head = await best.iterator.next();
      }
    },

    async save(task) {
      // The task as stored: its files cut to what fits when even compressed they would not (task-item.ts).
      const { item, fitted: next } = fitTask({ ...task, version: task.version + 1 }, itemOptions);
      // Items written before versioning carry none: the first versioned write claims them.
      const condition = task.version === 0 ? 'attribute_not_exists(#v) OR #v = :v' : '#v = :v';
      try {
        await client.send(
          new PutCommand({
            TableName: table,
            Item: item,
            ConditionExpression: `attribute_exists(taskId) AND (${condition})`,
            ExpressionAttributeNames: { '#v': 'version' },
            ExpressionAttributeValues: { ':v': task.version },
          }),
        );
        return next;
      } catch (error) {
        if (isConflict(error)) return undefined; // someone else got there first
        throw error;
      }
    },

    async nextDueAt() {
      let earliest: number | undefined;
      for (let shard = 0; shard < shards; shard++) {
        const first = (await shardPages(shard, { pageSize: 1 }).next()).value;
        const dueAt = first?.Items?.[0]?.[DUE_ATTR];
        if (typeof dueAt === 'number' && (earliest === undefined || dueAt < earliest)) earliest = dueAt;
      }
      return earliest;
    },

    async countDue() {
      let total = 0;
      for (let shard = 0; shard < shards; shard++)
        for await (const page of shardPages(shard, { count: true })) total += page.Count ?? 0;
      return total;
    },

    async setAside(taskId, { version, until, errors, error }) {
      await client
        .send(
          new UpdateCommand({
            TableName: table,
            Key: { taskId },
            UpdateExpression: 'SET #due = :due, processingErrors = :n, lastError = :error',
            // Only the version the sweep read: a writer that got there first (a callback's publish claim) keeps its due time.
            ConditionExpression: `attribute_exists(#shard) AND (${version === 0 ? 'attribute_not_exists(#v) OR ' : ''}#v = :v)`,
            ExpressionAttributeNames: { '#due': DUE_ATTR, '#shard': SHARD_ATTR, '#v': 'version' },
            ExpressionAttributeValues: {
              ':v': version,
              ':due': until,
              ':n': errors,
              ':error': { kind: 'processing', message: error.message, at: error.at },
            },
          }),
        )
        .catch((error: unknown) => {
          if (!isConflict(error)) throw error; // gone from the index meanwhile: nothing to set aside
        });
    },

    async postpone(taskId, dueAt) {
      await client
        .send(
          new UpdateCommand({
            TableName: table,
            Key: { taskId },
            UpdateExpression: 'SET #due = :due',
            ConditionExpression: 'attribute_exists(#shard)',
            ExpressionAttributeNames: { '#due': DUE_ATTR, '#shard': SHARD_ATTR },
            ExpressionAttributeValues: { ':due': dueAt },
          }),
        )
        .catch((error: unknown) => {
          if (!isConflict(error)) throw error;
        });
    },
  };
}

/** The items that can be read; an unreadable one is left out of an API listing (the sweep reports and postpones it). */
function readable(items: TaskItem[]): Task[] {
  return items.flatMap((item) => {
    const entry = entryOf(item);
    return 'task' in entry ? [entry.task] : [];
  });
}

function entryOf(item: TaskItem): DueEntry {
  try {
    return { task: fromItem(item) };
  } catch (error) {
    if (!(error instanceof MalformedTaskError)) throw error;
    return { malformed: { taskId: error.taskId, message: error.message } };
  }
}

function dueOf(entry: DueEntry): number {
  return 'task' in entry ? (entry.task.dueAt ?? 0) : 0;
}

export function createDynamoSweepLease(options: { client: DynamoDBDocumentClient; table: string }): SweepLease {
  const { client, table } = options;
  return {
    async acquire(holder, now, until) {
      try {
        const { Attributes } = await client.send(
          new UpdateCommand({
            TableName: table,
            Key: { taskId: LEASE_KEY },
            UpdateExpression: 'SET holder = :holder, leaseUntil = :until, acquiredAt = :now',
            ConditionExpression: 'attribute_not_exists(leaseUntil) OR leaseUntil <= :now OR holder = :holder',
            ExpressionAttributeValues: { ':holder': holder, ':until': until, ':now': now },
            ReturnValues: 'ALL_NEW',
          }),
        );
        // Written by this or an older version (which carried no listing window): read defensively.
        const times = (carried: unknown): number[] =>
          Array.isArray(carried) ? carried.filter((t): t is number => typeof t === 'number' && Number.isFinite(t)) : [];
        const from = Attributes?.listingFrom;
        const handOver: LeaseHandOver = {
          carriedOver: times(Attributes?.carryOver),
          carriedOverListing: times(Attributes?.carryOverListing),
        };
        if (typeof from === 'number' && Number.isFinite(from)) handOver.listingFrom = from;
        return handOver;
      } catch (error) {
        if (isConflict(error)) return undefined;
        throw error;
      }
    },
    async release(holder, carryOver, listingCarryOver = [], listingFrom) {
      try {
        await client.send(
          new UpdateCommand({
            TableName: table,
            Key: { taskId: LEASE_KEY },
            UpdateExpression: `SET leaseUntil = :zero, carryOver = :carry, carryOverListing = :listing${listingFrom === undefined ? '' : ', listingFrom = :from'} REMOVE holder${listingFrom === undefined ? ', listingFrom' : ''}`,
            ConditionExpression: 'holder = :holder',
            ExpressionAttributeValues: {
              ':holder': holder,
              ':zero': 0,
              ':carry': carryOver,
              ':listing': listingCarryOver,
              ...(listingFrom === undefined ? {} : { ':from': listingFrom }),
            },
          }),
        );
      } catch (error) {
        if (!isConflict(error)) throw error; // our lease ran out and someone else holds it: nothing to give back
      }
    },
  };
}
