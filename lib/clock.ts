// The clock everything that waits or timestamps reads: injectable, so that tests (test/support/fake-clock.ts)
// and the benchmark can move time themselves.

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  // Wall-clock time: slot times cross processes (via the lease), so every process must read the same clock.
  now: () => Date.now(),
  // Unref'd: a sleeper alone never keeps a process alive (a run's own stop timer does while it works).
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref()),
};

/** Sleeps `ms` on `clock`, or less if any of `signals` aborts first (listeners are removed either way). */
export function sleepUnless(clock: Clock, ms: number, ...signals: AbortSignal[]): Promise<void> {
  if (signals.some((signal) => signal.aborted)) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = (): void => {
      for (const signal of signals) signal.removeEventListener('abort', done);
      resolve();
    };
    for (const signal of signals) signal.addEventListener('abort', done, { once: true });
    void clock.sleep(Math.max(0, ms)).then(done);
  });
}
