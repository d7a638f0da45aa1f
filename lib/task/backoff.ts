// When to look at a task again. Pure: the random source is an argument so tests can pin it.

export interface CheckPolicy {
  /** CHECK_INTERVAL_SECONDS: shortest time between two checks of one task. */
  checkIntervalMs: number;
  /** CHECK_INTERVAL_MAX_SECONDS: the backoff cap. */
  checkIntervalMaxMs: number;
}

/**
 * Exponential backoff with jitter: after `streak` uneventful checks (or faults) the nominal delay is
 * interval·2^streak, capped; the delay is drawn from the upper half of it ("equal jitter"), so tasks
 * tracked together spread out instead of coming due in lockstep, and the result never leaves
 * [interval, cap].
 */
export function backoffDelay(streak: number, policy: CheckPolicy, random: () => number): number {
  const { checkIntervalMs: base, checkIntervalMaxMs: cap } = policy;
  const nominal = Math.min(cap, base * 2 ** Math.min(Math.max(streak, 0), 30));
  const jittered = nominal / 2 + random() * (nominal / 2);
  return Math.round(Math.min(cap, Math.max(base, jittered)));
}
