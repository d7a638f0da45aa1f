// Paces ZEGO requests: at most `limit` in any rolling window and at most `concurrency` in flight.
//
// ZEGO counts a request when it *arrives*, which is somewhere between our send and its answer. So a slot
// is held from the send until `windowMs` after the answer (or the give-up), not after the send: the next
// request in that slot leaves after the previous one's answer + window, hence arrives after the previous
// one's arrival + window, whatever the network does. Proof sketch (see test/unit/request-gate.test.ts): for
// any window (t-W, t], take the request in it that started last; every other request in it was answered
// after t-W, i.e. still held its slot when that one started, and the gate only starts a request when
// fewer than `limit` slots are held. A fixed-window counter, by contrast, allows 2×limit across an edge.
import { type Clock, systemClock } from '../clock';
import type { RequestGate } from '../zego/types';

export interface GateOptions {
  limit: number;
  concurrency: number;
  windowMs?: number;
  /** Extra hold after the answer, for clock granularity. */
  marginMs?: number;
  clock?: Clock;
  /** Slot release times (epoch ms) left by the previous run, so a new run continues its window. */
  carriedOver?: number[];
}

export interface PacedGate extends RequestGate {
  /** The most attempts this gate started within any one window: the rate actually used at its peak. */
  peakInWindow(): number;
  /** Slot release times still in the future: hand them to the next run (via the lease). */
  carryOver(): number[];
}

export class GateAbortedError extends Error {
  override name = 'GateAbortedError';
}

export function createRequestGate(options: GateOptions): PacedGate {
  const { limit, concurrency } = options;
  const windowMs = options.windowMs ?? 1000;
  const marginMs = options.marginMs ?? 2;
  const clock = options.clock ?? systemClock;
  // One entry per held slot: the time it frees up, or Infinity while its request is in flight.
  const held: number[] = [...(options.carriedOver ?? [])].filter((t) => Number.isFinite(t)).slice(-limit);
  let inFlight = 0;
  let peakInWindow = 0;
  const starts: number[] = [];
  let wake: (() => void) | undefined;
  // Acquisitions are served one at a time, first come first served.
  let queue: Promise<unknown> = Promise.resolve();

  const prune = (now: number) => {
    for (let i = held.length - 1; i >= 0; i--) if (held[i]! <= now) held.splice(i, 1);
    while (starts.length > 0 && starts[0]! <= now - windowMs) starts.shift();
  };

  const waitForSlot = async (signal?: AbortSignal): Promise<() => void> => {
    for (;;) {
      if (signal?.aborted) throw new GateAbortedError('stopped waiting for a request slot');
      const now = clock.now();
      prune(now);
      if (held.length < limit && inFlight < concurrency) {
        held.push(Infinity);
        inFlight++;
        starts.push(now);
        peakInWindow = Math.max(peakInWindow, starts.length);
        let released = false;
        return () => {
          if (released) return;
          released = true;
          inFlight--;
          const index = held.indexOf(Infinity);
          if (index >= 0) held[index] = clock.now() + windowMs + marginMs;
          wake?.();
        };
      }
      // Sleep until the earliest timed slot frees, or until a request in flight answers.
      const finite = held.filter((t) => Number.isFinite(t));
      const untilTimed = finite.length > 0 && held.length >= limit ? Math.max(1, Math.min(...finite) - now) : Infinity;
      await new Promise<void>((resolve) => {
        const done = () => {
          if (wake === done) wake = undefined; // a late timer must not unhook a newer waiter
          signal?.removeEventListener('abort', done);
          resolve();
        };
        wake = done;
        signal?.addEventListener('abort', done, { once: true });
        if (Number.isFinite(untilTimed)) void clock.sleep(untilTimed).then(done);
      });
    }
  };

  return {
    acquire(signal?: AbortSignal) {
      const next = queue.then(() => waitForSlot(signal));
      queue = next.catch(() => undefined);
      return next;
    },
    peakInWindow: () => peakInWindow,
    carryOver: () => {
      const now = clock.now();
      prune(now);
      // A request still in flight at hand-over is assumed answered now.
      return held.map((t) => (Number.isFinite(t) ? t : now + windowMs + marginMs));
    },
  };
}
