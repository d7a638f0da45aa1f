// A discrete-event clock: time moves only when the test runs it, and sleepers wake in time order.
import type { Clock } from '../../lib/clock';

export class FakeClock implements Clock {
  private t: number;
  private timers: Array<{ at: number; resolve: () => void }> = [];
  constructor(start = 1_000_000) {
    this.t = start;
  }
  now(): number {
    return this.t;
  }
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.timers.push({ at: this.t + Math.max(0, ms), resolve }));
  }
  /** Runs every timer due up to `until`, letting promise chains settle between them. */
  async runUntil(until: number): Promise<void> {
    for (;;) {
      await settle();
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (next === undefined || next.at > until) break;
      this.t = Math.max(this.t, next.at);
      const due = this.timers.filter((timer) => timer.at <= this.t);
      this.timers = this.timers.filter((timer) => timer.at > this.t);
      for (const timer of due) timer.resolve();
    }
    this.t = Math.max(this.t, until);
    await settle();
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}
