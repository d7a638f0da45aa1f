// What one sweep run is given: its parts (SweepDeps), its settings as lib/config.ts resolved them (SweepSettings)
// and the run's own options (RunOptions), and the time a run keeps back at its end (lib/config.ts refuses a
// ZEGO_TIMEOUT_MS that leaves too little). lib/sweep/engine.ts runs it.
import type { Clock } from '../clock';
import type { Logger } from '../log';
import type { SweepLease, TaskStore } from '../store/task-store';
import type { CheckPolicy } from '../task/backoff';
import type { EventPublisher } from '../task/publisher';
import type { ZegoClient } from '../zego/types';

export interface SweepDeps {
  store: TaskStore;
  lease: SweepLease;
  zego: ZegoClient;
  /**
   * Reads the ServerSecret again, bypassing any cache, after ZEGO said the signature is wrong: a client
   * signing with the new secret, or undefined when it did not change (or cannot be read again).
   */
  refreshCredentials?: () => Promise<ZegoClient | undefined>;
  /** The outcome events' targets: SNS, and EventBridge when EVENT_BUS_NAME is set. */
  publishers: readonly EventPublisher[];
  clock: Clock;
  random: () => number;
  logger: Logger;
}

/** The run's settings, as lib/config.ts resolved them (the engine applies no defaults of its own). */
export interface SweepSettings {
  /** ZEGO_APP_ID: carried by every event. */
  appId: number;
  rateLimit: number;
  concurrency: number;
  policy: CheckPolicy;
  /** ZEGO_TIMEOUT_MS: one attempt's longest wait; a check may take two attempts. */
  zegoTimeoutMs: number;
  /** SWEEP_TRIAGE: list the recordings in progress with DescribeTasks first, each pass. */
  triage: boolean;
  /** ZEGO_DESCRIBE_TASKS_RATE_LIMIT. */
  listRateLimit: number;
  /** DISCOVER_TASKS: track every listed recording, registered or not. */
  discover: boolean;
  /**
   * SWEEP_KEEP_CHECKING: pass again every CHECK_INTERVAL_SECONDS, serving hints in between, until the stop
   * time while anything is open. Off: one sweep over what is due, each task at most once, then return.
   */
  keepChecking: boolean;
  pageSize?: number;
  /** Count the tasks still needing work after this run (a COUNT query of the due index). */
  countOpenTasks?: boolean;
}

export interface RunOptions {
  runId: string;
  /** Epoch ms at which the run is killed (Lambda: now + getRemainingTimeInMillis()). */
  deadline: number;
  /**
   * A run a callback started because no run was taking work. It waits up to `waitForLeaseMs` for a holder that
   * is stopping to let go (a holder still taking work serves the hint itself: the run then returns at once),
   * and with nothing left to do it stays `lingerMs` after its start and its last outcome, for the hints that
   * arrive meanwhile (callbacks ask for at most one start every few seconds).
   */
  startedByHint?: { waitForLeaseMs: number; lingerMs: number };
}

/** Time kept back at the end of a run for writes, publishing and returning. */
const WRITE_RESERVE_MS = 2_000;

/** Stop taking work this long before the deadline: a check started then (two attempts at most) still ends in time. */
export function stopReserveMs(zegoTimeoutMs: number): number {
  return 2 * zegoTimeoutMs + WRITE_RESERVE_MS;
}
