// The port the domain talks to. Only lib/store/dynamodb-*.ts knows DynamoDB.
import type { Task } from '../recording';

/** What the due-task listing yields: a task, or a stored item that could not be read. */
export type DueEntry = { task: Task } | { malformed: { taskId: string; message: string } };

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
   * Writes the task if the stored version is still `task.version` and returns it with the version
   * bumped; returns undefined when someone else got there first (nothing is written then).
   */
  save(task: Task): Promise<Task | undefined>;
  /** How many items need work (the whole due index, due or not yet). Reads the index, never the table. */
  countDue(): Promise<number>;
  /** The earliest due time in the index (one item per shard read), or undefined when nothing needs work. */
  nextDueAt(): Promise<number | undefined>;
  /** Moves an unreadable item's due time without touching anything else, so it stops costing reads. */
  postpone(taskId: string, dueAt: number): Promise<void>;
}

/** The sweep's mutual exclusion, held in the same table. */
export interface SweepLease {
  /**
   * Takes the lease until `until` (epoch ms) unless another holder's lease is still running; returns the
   * rate windows' tails the last holder left: DescribeRecordStatus's and DescribeTasks'.
   */
  acquire(holder: string, now: number, until: number): Promise<{ carriedOver: number[]; carriedOverListing: number[] } | undefined>;
  /** Gives the lease back, leaving each rate window's tail for the next holder. */
  release(holder: string, carryOver: number[], listingCarryOver?: number[]): Promise<void>;
}
