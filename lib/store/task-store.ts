// The port the domain talks to, split by caller: the sweep's TaskStore and SweepLease, the HTTP API's
// TaskCatalog, the callback's HintInbox. Only lib/store/dynamodb-*.ts knows DynamoDB.
import type { Candidate } from '../task/hint';
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
 * Where the open listing goes on, per partition of the due index it reads (the shards, then the hint
 * partition): after the last item's key, 'start' when the partition was not reached yet, or null once done.
 */
export type OpenCursor = Array<{ taskId: string; dueAt: number } | 'start' | null>;

/**
 * Where the closed listing goes on: a UTC day of the closed index (`YYYY-MM-DD`), from its start or after an
 * item's key there.
 */
export interface ClosedCursor {
  day: string;
  after?: { closedAt: number; taskId: string };
}

export type ClosedState = 'COMPLETED' | 'FAILED' | 'EXPIRED';

export interface ClosedQuery {
  /** Closed at or after this instant (epoch ms). */
  since: number;
  /** Only this outcome: read and left out (a filter), so such a page may hold fewer than `limit`. */
  state?: ClosedState;
  limit: number;
  after?: ClosedCursor;
  /** The listing reads no day after this instant's. */
  now: number;
}

/** What the HTTP API's listing and untracking ask of the store (the sweep needs none of it). */
export interface TaskCatalog {
  /** A room's tasks, most recently tracked first, `limit` at a time: one Query of the room index per page. */
  listRoom(roomId: string, options: { limit: number; after?: RoomCursor }): Promise<TaskPage<RoomCursor>>;
  /** The OPEN tasks, the most overdue first, `limit` at a time: Queries of the due index, never a Scan. */
  listOpen(options: { limit: number; after?: OpenCursor }): Promise<TaskPage<OpenCursor>>;
  /**
   * The closed tasks, the earliest closed first, `limit` at a time: Queries of the closed index, a day at a
   * time, never a Scan. A page reads at most about `limit` items unnarrowed; narrowed by state, at most
   * CLOSED_READ_FACTOR × `limit` (and a page may then be short, with a next cursor).
   */
  listClosed(query: ClosedQuery): Promise<TaskPage<ClosedCursor>>;
  /** The due index's partitions an open listing reads (its cursor has one entry each): the shards and the hint partition. */
  readonly openPartitions: number;
  /**
   * Deletes the task: true when it existed. A writer holding it afterwards finds it gone (conditional writes).
   * It leaves a mark that it was untracked (for as long as ZEGO answers for a recording, and a day more), so
   * that a callback naming it later does not track it again: only a new `POST` does.
   */
  remove(taskId: string, now: number): Promise<boolean>;
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
  /** Hinted tasks (a callback asked for a look) due at or before `now`, earliest first, at most `limit`. */
  listHinted(now: number, limit: number): Promise<DueEntry[]>;
  /** Candidates due at or before `now`, earliest first, at most `limit`; unreadable ones are dropped. */
  listCandidates(now: number, limit: number): Promise<Candidate[]>;
  /** Writes the candidate if its stored version is still `candidate.version`; undefined when it changed or went. */
  saveCandidate(candidate: Candidate): Promise<Candidate | undefined>;
  /** Removes a candidate (confirmed, or dropped): it leaves no item behind. */
  dropCandidate(taskId: string): Promise<void>;
  /** Whether the task was untracked (`DELETE`) lately: a callback's candidate, or discovery, leaves it alone. */
  wasUntracked(taskId: string): Promise<boolean>;
  /**
   * Writes the task if the stored version is still `task.version` and returns it as stored: the version
   * bumped, and its files cut if even compressed they exceed an item (`filesTruncated`); returns undefined
   * when someone else got there first (nothing is written then).
   */
  save(task: Task): Promise<Task | undefined>;
  /** How many tasks need work (the due index's tasks, hinted or not, due or not yet). Reads the index, never the table. */
  countDue(): Promise<number>;
  /**
   * When the next work is due, by kind (one item read per partition of the due index): a due task (or an
   * outcome to publish), a hinted task, a candidate. Each is undefined when there is none of that kind.
   */
  nextWork(): Promise<NextWork>;
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

/** The earliest due time of each kind of work (epoch ms). */
export interface NextWork {
  due?: number;
  hinted?: number;
  candidate?: number;
}

/** What a hint did (the callback receiver's port): see HintInbox.hint. */
export type HintTaken = 'hinted' | 'cooldown' | 'closed' | 'untracked';

/** What the callback receiver asks of the store: single conditional writes, nothing read in bulk. */
export interface HintInbox {
  /**
   * Makes an OPEN task due at once, ahead of every other due task (the hint partition), unless a hint was
   * taken for it within `cooldownMs`. 'untracked' when no such task exists, 'closed' for a task that is not
   * OPEN (nothing changes then, nor for 'cooldown').
   */
  hint(taskId: string, now: number, cooldownMs: number): Promise<HintTaken>;
  /** Names an untracked task id as a candidate, due at once, unless one was named within `cooldownMs`. */
  addCandidate(taskId: string, now: number, cooldownMs: number): Promise<'added' | 'cooldown'>;
  /**
   * Claims the starting of a sweep run: true (for one caller among all containers) when no run holds the lease,
   * or its holder stops taking work within `marginMs`, and no start was claimed within `everyMs`.
   */
  claimSweepStart(now: number, marginMs: number, everyMs: number): Promise<boolean>;
}

/** The lease as another process sees it: held until, and taking work until (epoch ms). */
export interface LeaseState {
  heldUntil?: number;
  stopsAt?: number;
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
   * rate windows' tails the last holder left: DescribeRecordStatus's and DescribeTasks'. `stopsAt` says
   * until when the holder takes work (a callback that finds it stopping starts another sweep).
   */
  acquire(holder: string, now: number, until: number, stopsAt?: number): Promise<LeaseHandOver | undefined>;
  /** Gives the lease back, leaving each rate window's tail (and where the last listing began) for the next holder. */
  release(holder: string, carryOver: number[], listingCarryOver?: number[], listingFrom?: number): Promise<void>;
  /** Until when the lease is held, and until when its holder takes work (nothing when it is free). */
  state(): Promise<LeaseState>;
  /** Says that the holder takes no more work from `now` (it is about to give the lease back). */
  stopping(holder: string, now: number): Promise<void>;
}
