// TaskStore and TaskCatalog on one DynamoDB table keyed by taskId, with the sparse `due-index`
// (dueShard, dueAt) holding only the items that need work: the sweep's reads follow the due tasks, never the
// table's size. The index has three kinds of partition: the `due#n` shards (tasks due for a check or a
// publish), `hint` (tasks a callback asked about: read alone, every second) and `candidate` (task ids a
// callback named that nobody tracked). Every write is a single-item conditional write.
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Task } from '../task/task';
import { conditionally, StoreError } from './dynamodb-errors';
import { mergeSorted } from './merge';
import {
  CANDIDATE_PREFIX,
  CANDIDATE_SHARD,
  CLOSED_AT_ATTR,
  CLOSED_DAY_ATTR,
  CLOSED_INDEX,
  candidateItem,
  candidateOf,
  DUE_ATTR,
  DUE_INDEX,
  fitTask,
  fromItem,
  HINT_SHARD,
  MalformedTaskError,
  ROOM_INDEX,
  SHARD_ATTR,
  shardKey,
  shardOf,
  type TaskItem,
  TTL_ATTR,
  UNTRACKED_PREFIX,
  untrackedItem,
  utcDay,
} from './task-item';
import type {
  ClosedCursor,
  ClosedQuery,
  DueEntry,
  NextWork,
  OpenCursor,
  TaskCatalog,
  TaskPage,
  TaskStore,
} from './task-store';

export { StoreError } from './dynamodb-errors';

/** A closed listing narrowed by state reads at most this many items per item of its page. */
export const CLOSED_READ_FACTOR = 4;
/**
 * The most days of the closed index one page reads (an empty day costs a Query that finds nothing): 32 is the
 * default retention's 30 days, the day the listing allows for TTL, and today, so that with the defaults even
 * the oldest closedSince is answered in one request when little closed.
 */
export const CLOSED_DAYS_PER_PAGE = 32;
const DAY_MS = 86_400_000;

export interface DynamoStoreOptions {
  client: DynamoDBDocumentClient;
  table: string;
  shards: number;
  retentionDays: number;
}

type Key = Record<string, unknown>;

export function createDynamoTaskStore(options: DynamoStoreOptions): TaskStore & TaskCatalog {
  const { client, table, shards } = options;
  const itemOptions = { shards, retentionMs: options.retentionDays * 86_400_000 };
  const dueShards = Array.from({ length: shards }, (_, shard) => shardKey(shard));
  // What holds tasks: the open listing and the count read these.
  const taskPartitions = [...dueShards, HINT_SHARD];

  const get = async (taskId: string): Promise<Task | undefined> => {
    const { Item } = await client.send(new GetCommand({ TableName: table, Key: { taskId }, ConsistentRead: true }));
    return Item === undefined ? undefined : fromItem(Item);
  };

  /** The pages of one partition of the due index, earliest first: due up to `dueBy`, or all of it. */
  async function* pages(
    partition: string,
    query: { dueBy?: number; limit?: number; count?: boolean; openOnly?: boolean; after?: Key },
  ) {
    const names: Record<string, string> = { '#shard': SHARD_ATTR };
    const values: Record<string, unknown> = { ':shard': partition };
    let condition = '#shard = :shard';
    if (query.dueBy !== undefined) {
      condition += ' AND #due <= :dueBy';
      names['#due'] = DUE_ATTR;
      values[':dueBy'] = query.dueBy;
    }
    const input: QueryCommandInput = {
      TableName: table,
      IndexName: DUE_INDEX,
      KeyConditionExpression: condition,
      ScanIndexForward: true,
      ...(query.limit === undefined ? {} : { Limit: query.limit }),
      ...(query.count ? { Select: 'COUNT' as const } : {}),
    };
    if (query.openOnly) {
      // Closed tasks whose outcome is not announced yet share the index: read, not listed.
      input.FilterExpression = '#state = :open';
      names['#state'] = 'state';
      values[':open'] = 'OPEN';
    }
    input.ExpressionAttributeNames = names;
    input.ExpressionAttributeValues = values;
    let startKey = query.after;
    do {
      const page = await client.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
      yield page;
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
  }

  async function* items(partition: string, query: Parameters<typeof pages>[1]): AsyncGenerator<TaskItem> {
    for await (const page of pages(partition, query)) yield* page.Items ?? [];
  }

  async function* entries(partition: string, now: number, pageSize: number): AsyncGenerator<DueEntry> {
    for await (const item of items(partition, { dueBy: now, limit: pageSize })) yield entryOf(item);
  }

  async function* openTasks(partition: string, limit: number, after: Key | undefined): AsyncGenerator<Task> {
    for await (const item of items(partition, { limit, openOnly: true, ...(after ? { after } : {}) }))
      yield* readable([item]);
  }

  const indexKey = (partition: string, place: { taskId: string; dueAt: number }): Key => ({
    taskId: place.taskId,
    [SHARD_ATTR]: partition,
    [DUE_ATTR]: place.dueAt,
  });

  return {
    get,
    openPartitions: taskPartitions.length,

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
      // Each partition's open tasks (the due shards, then the hinted ones), merged earliest due first; the
      // cursor keeps each partition's place. One more than the page from each: the last page has no token.
      const places: OpenCursor = after ?? taskPartitions.map(() => 'start' as const);
      const streams = taskPartitions.map((partition, i) => {
        const place = places[i];
        if (place === null) return (async function* () {})();
        return openTasks(
          partition,
          limit + 1,
          place === 'start' || place === undefined ? undefined : indexKey(partition, place),
        );
      });
      const merge = await mergeSorted<Task>(streams, (task) => task.dueAt ?? 0);
      const taken: Task[] = [];
      const lastTaken = new Map<number, Task>();
      while (taken.length < limit) {
        const next = await merge.next();
        if (next === undefined) break;
        taken.push(next.item);
        lastTaken.set(next.from, next.item);
      }
      const cursor: OpenCursor = taskPartitions.map((_, i) => {
        if (merge.done(i)) return null; // this partition is done
        const last = lastTaken.get(i);
        return last === undefined ? places[i]! : { taskId: last.taskId, dueAt: last.dueAt ?? 0 };
      });
      return cursor.every((place) => place === null) ? { tasks: taken } : { tasks: taken, next: cursor };
    },

    listClosed: (query) => listClosed(client, table, query),

    async remove(taskId, now) {
      const removed = await conditionally(() =>
        client.send(
          new DeleteCommand({ TableName: table, Key: { taskId }, ConditionExpression: 'attribute_exists(taskId)' }),
        ),
      );
      if (removed) await client.send(new PutCommand({ TableName: table, Item: untrackedItem(taskId, now) }));
      return removed;
    },

    async wasUntracked(taskId) {
      const { Item } = await client.send(
        new GetCommand({ TableName: table, Key: { taskId: `${UNTRACKED_PREFIX}${taskId}` }, ConsistentRead: true }),
      );
      // Past its expiry, even if DynamoDB's TTL has not removed it yet (it may take days).
      const expiresAt = Item?.[TTL_ATTR];
      return Item !== undefined && !(typeof expiresAt === 'number' && expiresAt * 1000 < Date.now());
    },

    async create(task) {
      const { item, fitted } = fitTask(task, itemOptions);
      const created = await conditionally(() =>
        client.send(
          new PutCommand({ TableName: table, Item: item, ConditionExpression: 'attribute_not_exists(taskId)' }),
        ),
      );
      if (created) return { created: true, task: fitted };
      const stored = await get(task.taskId);
      if (stored === undefined) throw new StoreError(`task ${task.taskId} vanished while being created`);
      return { created: false, task: stored };
    },

    async *listDue(now, { pageSize = 100 } = {}) {
      // One ordered stream per shard, merged earliest-first; each fetches its next page only when drained.
      const merge = await mergeSorted(
        dueShards.map((shard) => entries(shard, now, pageSize)),
        dueOf,
      );
      for (let next = await merge.next(); next !== undefined; next = await merge.next()) yield next.item;
    },

    async listHinted(now, limit) {
      const found: DueEntry[] = [];
      for await (const entry of entries(HINT_SHARD, now, limit)) {
        found.push(entry);
        if (found.length >= limit) break;
      }
      return found;
    },

    async listCandidates(now, limit) {
      const found = [];
      for await (const item of items(CANDIDATE_SHARD, { dueBy: now, limit })) {
        const candidate = candidateOf(item);
        // Unreadable: only a hint, and no use to anyone; it goes.
        if (candidate === undefined)
          await client.send(new DeleteCommand({ TableName: table, Key: { taskId: item.taskId } }));
        else found.push(candidate);
        if (found.length >= limit) break;
      }
      return found;
    },

    async saveCandidate(candidate) {
      const next = { ...candidate, version: candidate.version + 1 };
      const saved = await conditionally(() =>
        client.send(
          new PutCommand({
            TableName: table,
            Item: candidateItem(next),
            ConditionExpression: '#v = :v',
            ExpressionAttributeNames: { '#v': 'version' },
            ExpressionAttributeValues: { ':v': candidate.version },
          }),
        ),
      );
      return saved ? next : undefined;
    },

    async dropCandidate(taskId) {
      await client.send(new DeleteCommand({ TableName: table, Key: { taskId: `${CANDIDATE_PREFIX}${taskId}` } }));
    },

    async save(task) {
      // The task as stored: its files cut to what fits when even compressed they would not (task-item.ts).
      const { item, fitted: next } = fitTask({ ...task, version: task.version + 1 }, itemOptions);
      // Items written before versioning carry none: the first versioned write claims them.
      const condition = task.version === 0 ? 'attribute_not_exists(#v) OR #v = :v' : '#v = :v';
      const saved = await conditionally(() =>
        client.send(
          new PutCommand({
            TableName: table,
            Item: item,
            ConditionExpression: `attribute_exists(taskId) AND (${condition})`,
            ExpressionAttributeNames: { '#v': 'version' },
            ExpressionAttributeValues: { ':v': task.version },
          }),
        ),
      );
      return saved ? next : undefined; // undefined: someone else got there first
    },

    async nextWork() {
      const firstOf = async (partition: string): Promise<number | undefined> => {
        const first = (await pages(partition, { limit: 1 }).next()).value;
        const dueAt = first?.Items?.[0]?.[DUE_ATTR];
        return typeof dueAt === 'number' ? dueAt : undefined;
      };
      const earliest = (times: Array<number | undefined>) => {
        const known = times.filter((t): t is number => t !== undefined);
        return known.length === 0 ? undefined : Math.min(...known);
      };
      const [due, hinted, candidate] = await Promise.all([
        Promise.all(dueShards.map(firstOf)).then(earliest),
        firstOf(HINT_SHARD),
        firstOf(CANDIDATE_SHARD),
      ]);
      const next: NextWork = {};
      if (due !== undefined) next.due = due;
      if (hinted !== undefined) next.hinted = hinted;
      if (candidate !== undefined) next.candidate = candidate;
      return next;
    },

    async countDue() {
      let total = 0;
      for (const partition of taskPartitions)
        for await (const page of pages(partition, { count: true })) total += page.Count ?? 0;
      return total;
    },

    async setAside(taskId, { version, until, errors, error }) {
      // Only the version the sweep read: a writer that got there first (a callback's hint) keeps what it wrote.
      // A task set aside leaves the hint partition: it is back on its own (backed-off) schedule.
      await conditionally(() =>
        client.send(
          new UpdateCommand({
            TableName: table,
            Key: { taskId },
            UpdateExpression:
              'SET #due = :due, #shard = :shard, processingErrors = :n, lastError = :error REMOVE hintFollowUps',
            ConditionExpression: `attribute_exists(#shard) AND (${version === 0 ? 'attribute_not_exists(#v) OR ' : ''}#v = :v)`,
            ExpressionAttributeNames: { '#due': DUE_ATTR, '#shard': SHARD_ATTR, '#v': 'version' },
            ExpressionAttributeValues: {
              ':v': version,
              ':due': until,
              ':shard': shardKey(shardOf(taskId, shards)),
              ':n': errors,
              ':error': { kind: 'processing', message: error.message, at: error.at },
            },
          }),
        ),
      );
    },

    async postpone(taskId, dueAt) {
      // Back in its own shard (out of the hint partition): the sweep reads it again when it falls due.
      await conditionally(() =>
        client.send(
          new UpdateCommand({
            TableName: table,
            Key: { taskId },
            UpdateExpression: 'SET #due = :due, #shard = :shard',
            ConditionExpression: 'attribute_exists(#shard)',
            ExpressionAttributeNames: { '#due': DUE_ATTR, '#shard': SHARD_ATTR },
            ExpressionAttributeValues: { ':due': dueAt, ':shard': shardKey(shardOf(taskId, shards)) },
          }),
        ),
      );
    },
  };
}

/**
 * A page of the closed index: day by day from the cursor's (or `since`'s) to `now`'s, `closedAt` ≥ `since`,
 * earliest first. One more item than the page is asked for, so that the last page carries no cursor; a
 * state narrows it with a filter, within a read budget.
 */
async function listClosed(
  client: DynamoDBDocumentClient,
  table: string,
  { since, state, limit, after, now }: ClosedQuery,
): Promise<TaskPage<ClosedCursor>> {
  const budget = state === undefined ? limit + 1 : CLOSED_READ_FACTOR * (limit + 1);
  const lastDay = utcDay(now);
  const firstDay = utcDay(since);
  // `since` moves on with the clock (the retention's edge): a cursor that fell behind it starts from it
  // afresh, as DynamoDB refuses a start key outside the key condition (closedAt ≥ since).
  const behind = after?.after !== undefined && after.after.closedAt < since;
  let day = after === undefined || after.day < firstDay ? firstDay : after.day;
  let startKey: Key | undefined =
    after?.after === undefined || behind
      ? undefined
      : { taskId: after.after.taskId, [CLOSED_DAY_ATTR]: day, [CLOSED_AT_ATTR]: after.after.closedAt };
  const found: Task[] = [];
  let read = 0;
  let days = 0;
  const names: Record<string, string> = { '#day': CLOSED_DAY_ATTR, '#at': CLOSED_AT_ATTR };
  const values: Record<string, unknown> = { ':since': since };
  if (state !== undefined) {
    names['#state'] = 'state';
    values[':state'] = state;
  }
  const keyOf = (task: Task): ClosedCursor => ({
    day: utcDay(task.closedAt ?? 0),
    after: { closedAt: task.closedAt ?? 0, taskId: task.taskId },
  });
  while (day <= lastDay && days < CLOSED_DAYS_PER_PAGE) {
    const page = await client.send(
      new QueryCommand({
        TableName: table,
        IndexName: CLOSED_INDEX,
        KeyConditionExpression: '#day = :day AND #at >= :since',
        ...(state === undefined ? {} : { FilterExpression: '#state = :state' }),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ...values, ':day': day },
        ScanIndexForward: true,
        Limit: Math.min(budget - read, limit + 1 - found.length),
        ExclusiveStartKey: startKey,
      }),
    );
    read += page.ScannedCount ?? page.Items?.length ?? 0;
    found.push(...readable(page.Items ?? []));
    if (found.length > limit) {
      const tasks = found.slice(0, limit);
      return { tasks, next: keyOf(tasks.at(-1)!) };
    }
    const last = page.LastEvaluatedKey;
    if (last !== undefined) {
      startKey = last;
      // The budget is spent (a narrowed listing): the page ends short, where the reading stopped.
      if (read >= budget)
        return {
          tasks: found,
          next: { day, after: { closedAt: Number(last[CLOSED_AT_ATTR]), taskId: String(last.taskId) } },
        };
      continue;
    }
    day = utcDay(Date.parse(`${day}T00:00:00Z`) + DAY_MS);
    startKey = undefined;
    days++;
    if (read >= budget) break; // the budget is spent as a day ended: the next page starts on the next day
  }
  return day <= lastDay ? { tasks: found, next: { day } } : { tasks: found };
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
