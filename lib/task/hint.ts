// What a callback's hint does to a task, and what it may cost (contract: "ZEGO callbacks"). A callback is
// signed over its timestamp and nonce only, never its body: it can make recwatch ask ZEGO sooner, nothing
// more. These rules bound what even a flood of signed hints can spend.

/** Repeated hints for one task within this time cost nothing: at most one check per cooldown and task. */
export const HINT_COOLDOWN_MS = 10_000;

/**
 * After a hinted check that found the files still uploading (or met a passing fault), the task is looked
 * at again soon: 1, 2, 4, 8, 16 s later (never later than the check interval), at most this many times;
 * then it is back on its usual schedule.
 */
export const HINT_FOLLOW_UPS = 5;

/** The delay before the `n`-th follow-up (from 0). */
export function followUpDelayMs(n: number, checkIntervalMs: number): number {
  return Math.min(1_000 * 2 ** Math.max(0, Math.min(n, 20)), checkIntervalMs);
}

/**
 * The share of the status budget (ZEGO_RATE_LIMIT) that hinted work may take in any second while other due
 * work waits: polling always keeps the rest. With nothing else due, hints may use it all.
 */
export const HINT_SHARE = 0.5;

/** Status requests a second that hints may start while other work waits, for a rate limit. */
export function hintCap(rateLimit: number): number {
  return Math.max(1, Math.floor(rateLimit * HINT_SHARE));
}

/** A candidate whose checks meet this many passing faults in a row is dropped (its callback may come again). */
export const CANDIDATE_ATTEMPTS = 3;

/** A candidate nobody confirmed is gone from the table after this long at the latest (DynamoDB's TTL). */
export const CANDIDATE_RETENTION_MS = 86_400_000;

/**
 * A task id that a signed callback named but nobody tracked. It is not a task: no view, no listing, no event.
 * The sweep asks ZEGO about it; the task is tracked only when ZEGO's answer shows it exists for this AppId.
 */
export interface Candidate {
  taskId: string;
  /** When the latest callback that named it was taken (epoch ms). */
  hintedAt: number;
  /** When the sweep should ask ZEGO about it. */
  dueAt: number;
  /** Checks that met a passing fault, in a row. */
  attempts: number;
  /** Optimistic-concurrency counter, as for tasks. */
  version: number;
}

/**
 * The event a callback's receiver invokes the sweep with when no run is taking work (between two scheduled
 * runs, or while the last one is stopping): that run waits for the lease to come free, then serves the hint.
 */
export const HINT_START_EVENT = { source: 'recwatch.callback', reason: 'hint' } as const;

export function isHintStart(event: unknown): boolean {
  const { source, reason } = (event ?? {}) as { source?: unknown; reason?: unknown };
  return source === HINT_START_EVENT.source && reason === HINT_START_EVENT.reason;
}
