// The port the domain talks to. Only lib/store/dynamodb-*.ts knows DynamoDB.
import type { Task } from '../task/task';

/** What the due-task listing yields: a task, or a stored item that could not be read. */
export type DueEntry = { task: Task } | { malformed: { taskId: string; message: string } };

/** One page of a listing, and where the next one starts (absent on the last page). */
export interface TaskPage<Cursor> {
  tasks: Task[];
  next?: Cursor;
}

/** Where a room's listing goes on: the last item's key in the room index. */
export interface RoomCursor {
  taskId: string;
  trackedAt: number;
}

/**
 * Where the open listing goes on, per shard of the due index: after the last item's key, 'start' when the
 * shard was not reached yet, or null once it is done.
 */
export type OpenCursor = Array<{ taskId: string; dueAt: number } | 'start' | null>;

/** What the HTTP API's listing and untracking ask of the store (the sweep needs none of it). */
export interface TaskCatalog {
  /** A room's tasks, most recently tracked first, `limit` at a time: one Query of the room index per page. */
  listRoom(roomId: string, options: { limit: number; after?: RoomCursor }): Promise<TaskPage<RoomCursor>>;
  /** The OPEN tasks, the most overdue first, `limit` at a time: Queries of the due index, never a Scan. */
  listOpen(options: { limit: number; after?: OpenCursor }): Promise<TaskPage<OpenCursor>>;
  /** The number of due-index shards (an open listing's cursor has one entry per shard). */
  readonly shards: number;
  /** Deletes the task: true when it existed. A writer holding it afterwards finds it gone (conditional writes). */
  remove(taskId: string): Promise<boolean>;
}

export interface TaskStore {
  get(taskId: string): Promise<Task | undefined>;
  /** Stores a new task unless one with the id exists; returns the stored one either way. */
  create(task: Task): Promise<{ created: boolean; task: Task }>;
  /**
   * Tasks that need work (an OPEN task due for a check, a closed one whose outcome is unannounced),
   * due at or before `now`, earliest first, fetched lazily a page at a time. Never a Scan.
   */
  listDue(now: number, options?: { pageSize?: number }): AsyncIterable<DueEntry>;
  /**
   * Writes the task if the stored version is still `task.version` and returns it as stored: the version
   * bumped, and its files cut if even compressed they exceed an item (`filesTruncated`); returns undefined
   * when someone else got there first (nothing is written then).
   */
  save(task: Task): Promise<Task | undefined>;
  /** How many items need work (the whole due index, due or not yet). Reads the index, never the table. */
  countDue(): Promise<number>;
  /** The earliest due time in the index (one item per shard read), or undefined when nothing needs work. */
  nextDueAt(): Promise<number | undefined>;
  /** Moves an unreadable item's due time without touching anything else, so it stops costing reads. */
  postpone(taskId: string, dueAt: number): Promise<void>;
  /**
   * Sets a task whose processing failed aside until `until`: its due time, its count of such failures and
   * a `processing` lastError, without touching anything else (its data may be what breaks the write); only
   * at `version`, so that a writer that got there first keeps what it wrote.
   */
  setAside(
    taskId: string,
    aside: { version: number; until: number; errors: number; error: { message: string; at: number } },
  ): Promise<void>;
}

/** What the last holder of the lease left for the next. */
export interface LeaseHandOver {
  carriedOver: number[];
  carriedOverListing: number[];
  /** Where the last listing's window began (epoch ms): the next run's first pass lists from there at once. */
  listingFrom?: number;
}

/** The sweep's mutual exclusion, held in the same table. */
export interface SweepLease {
  /**
   * Takes the lease until `until` (epoch ms) unless another holder's lease is still running; returns the
   * rate windows' tails the last holder left: DescribeRecordStatus's and DescribeTasks'.
   */
  acquire(holder: string, now: number, until: number): Promise<LeaseHandOver | undefined>;
  /** Gives the lease back, leaving each rate window's tail (and where the last listing began) for the next holder. */
  release(holder: string, carryOver: number[], listingCarryOver?: number[], listingFrom?: number): Promise<void>;
}
