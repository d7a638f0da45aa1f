// TaskStore and SweepLease on one DynamoDB table keyed by taskId, with the sparse `due-index`
// (dueShard, dueAt) holding only the items that need work: the sweep's reads follow the due tasks,
// never the table's size. Every write is a single-item conditional write.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Task } from '../recording';
import { DUE_ATTR, DUE_INDEX, MalformedTaskError, SHARD_ATTR, fitTask, fromItem, shardKey, type TaskItem } from './task-item';
import type { DueEntry, LeaseHandOver, SweepLease, TaskStore } from './task-store';

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
  error instanceof ConditionalCheckFailedException || (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';

export function createDynamoTaskStore(options: DynamoStoreOptions): TaskStore {
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
          ExpressionAttributeValues: dueBy ? { ':shard': shardKey(shard), ':dueBy': options.dueBy } : { ':shard': shardKey(shard) },
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
    for await (const page of shardPages(shard, { dueBy: now, pageSize })) for (const item of page.Items ?? []) yield entryOf(item);
  }

  return {
    get,

    async create(task) {
      const { item, fitted } = fitTask(task, itemOptions);
      try {
        await client.send(new PutCommand({ TableName: table, Item: item, ConditionExpression: 'attribute_not_exists(taskId)' }));
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
      for (let shard = 0; shard < shards; shard++) for await (const page of shardPages(shard, { count: true })) total += page.Count ?? 0;
      return total;
    },

    async setAside(taskId, { until, errors, error }) {
      await client.send(
        new UpdateCommand({
          TableName: table,
          Key: { taskId },
          UpdateExpression: 'SET #due = :due, processingErrors = :n, lastError = :error',
          ConditionExpression: 'attribute_exists(#shard)',
          ExpressionAttributeNames: { '#due': DUE_ATTR, '#shard': SHARD_ATTR },
          ExpressionAttributeValues: { ':due': until, ':n': errors, ':error': { kind: 'processing', message: error.message, at: error.at } },
        }),
      ).catch((error: unknown) => {
        if (!isConflict(error)) throw error; // gone from the index meanwhile: nothing to set aside
      });
    },

    async postpone(taskId, dueAt) {
      await client.send(
        new UpdateCommand({
          TableName: table,
          Key: { taskId },
          UpdateExpression: 'SET #due = :due',
          ConditionExpression: 'attribute_exists(#shard)',
          ExpressionAttributeNames: { '#due': DUE_ATTR, '#shard': SHARD_ATTR },
          ExpressionAttributeValues: { ':due': dueAt },
        }),
      ).catch((error: unknown) => {
        if (!isConflict(error)) throw error;
      });
    },
  };
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
        const handOver: LeaseHandOver = { carriedOver: times(Attributes?.carryOver), carriedOverListing: times(Attributes?.carryOverListing) };
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
            ExpressionAttributeValues: { ':holder': holder, ':zero': 0, ':carry': carryOver, ':listing': listingCarryOver, ...(listingFrom === undefined ? {} : { ':from': listingFrom }) },
          }),
        );
      } catch (error) {
        if (!isConflict(error)) throw error; // our lease ran out and someone else holds it: nothing to give back
      }
    },
  };
}
