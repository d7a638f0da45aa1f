import { describe, expect, it } from 'vitest';
import type { Clock } from '../../lib/clock';
import { createRequestGate, GateAbortedError } from '../../lib/sweep/request-gate';
import type { RequestGate } from '../../lib/zego/types';
import { FakeClock } from '../support/fake-clock';

interface Attempt {
  start: number;
  answer: number;
}

/**
 * The most requests ZEGO could count in one rolling second, whatever the network does: a request
 * arrives somewhere in [start, answer], so an adversary can place every attempt whose interval
 * touches the window inside it. Counting at each start is enough (counts only rise at starts).
 */
function worstCaseInAnyWindow(attempts: Attempt[], windowMs = 1000): number {
  let worst = 0;
  for (const probe of attempts) {
    const inWindow = attempts.filter((a) => a.start <= probe.start && a.answer > probe.start - windowMs).length;
    worst = Math.max(worst, inWindow);
  }
  return worst;
}

/** Runs `workers` loops of acquire → request of the given latency → release, for `durationMs` of fake time. */
async function drive(
  gate: RequestGate,
  clock: FakeClock,
  options: { workers: number; durationMs: number; latency: (i: number) => number },
) {
  const attempts: Attempt[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const end = clock.now() + options.durationMs;
  let counter = 0;
  const worker = async () => {
    while (clock.now() < end) {
      const release = await gate.acquire();
      if (clock.now() >= end) return release();
      const start = clock.now();
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await clock.sleep(options.latency(counter++));
      inFlight--;
      attempts.push({ start, answer: clock.now() });
      release();
    }
  };
  const running = Promise.all(Array.from({ length: options.workers }, worker));
  await clock.runUntil(end + 5_000);
  await running;
  return { attempts, maxInFlight };
}

/** A deterministic spread of latencies between 1 and 400 ms, with some long ones. */
const jittery = (i: number) => [5, 380, 40, 1, 220, 90, 15, 400, 3, 150][i % 10]!;

describe('request gate: at most `limit` per rolling second, at most `concurrency` in flight', () => {
  it.each([
    { limit: 10, concurrency: 5, latency: jittery },
    { limit: 10, concurrency: 20, latency: () => 0 },
    { limit: 10, concurrency: 10, latency: jittery },
    { limit: 3, concurrency: 3, latency: (i: number) => (i % 2 === 0 ? 1 : 700) },
    { limit: 200, concurrency: 10, latency: () => 20 },
  ])(
    'holds for limit $limit, concurrency $concurrency whatever the latency',
    async ({ limit, concurrency, latency }) => {
      // Prepare
      const clock = new FakeClock();
      const gate = createRequestGate({ limit, concurrency, clock });

      // Act
      const { attempts, maxInFlight } = await drive(gate, clock, {
        workers: concurrency + 3,
        durationMs: 8_000,
        latency,
      });

      // Assess
      expect(attempts.length).toBeGreaterThan(limit * 2);
      expect(worstCaseInAnyWindow(attempts)).toBeLessThanOrEqual(limit);
      expect(maxInFlight).toBeLessThanOrEqual(concurrency);
    },
  );

  it('spends nearly the whole budget when answers are quick', async () => {
    // Prepare
    const clock = new FakeClock();
    const gate = createRequestGate({ limit: 200, concurrency: 10, clock });

    // Act
    const { attempts } = await drive(gate, clock, { workers: 10, durationMs: 10_000, latency: () => 20 });

    // Assess: each slot is held for latency + window + margin = 1022 ms: 200 / 1.022 ≈ 195.7 per second.
    expect(attempts.length / 10).toBeGreaterThanOrEqual(0.95 * 200);
  });

  it('the checker catches a fixed-window counter (2× the limit across an edge) and a limiter timed from sends', async () => {
    // Prepare
    const clock = new FakeClock(0);
    // Fixed window: 10 per calendar second.
    const fixed: RequestGate = {
      async acquire() {
        for (;;) {
          const second = Math.floor(clock.now() / 1000);
          const used = fixedStarts.filter((s) => Math.floor(s / 1000) === second).length;
          if (used < 10) {
            fixedStarts.push(clock.now());
            return () => undefined;
          }
          await clock.sleep(1000 - (clock.now() % 1000));
        }
      },
    };
    const fixedStarts: number[] = [];

    // Act
    const result = await drive(fixed, clock, { workers: 10, durationMs: 3_000, latency: () => 950 });

    // Assess
    expect(worstCaseInAnyWindow(result.attempts)).toBeGreaterThan(10);

    // Act: a sliding log of *send* times: exact at the sender, but arrivals may bunch up by the latency spread.
    const clock2 = new FakeClock(0);
    const sendTimed = createRequestGate({ limit: 10, concurrency: 10, clock: clock2, windowMs: 1000, marginMs: 0 });
    const sends = {
      acquire: async () => {
        const release = await sendTimed.acquire();
        release(); // released at send: the window is timed from the send
        return () => undefined;
      },
    };
    const result2 = await drive(sends, clock2, { workers: 10, durationMs: 3_000, latency: jittery });

    // Assess
    expect(worstCaseInAnyWindow(result2.attempts)).toBeGreaterThan(10);
  });

  it("continues the previous run's window from the carried-over slot times", async () => {
    // Prepare
    const clock = new FakeClock(50_000);
    const carriedOver = Array.from({ length: 10 }, (_, i) => 50_000 + 100 * (i + 1)); // all 10 slots busy for a while
    const gate = createRequestGate({ limit: 10, concurrency: 10, clock, carriedOver });
    let startedAt = -1;

    // Act
    void gate.acquire().then((release) => {
      startedAt = clock.now();
      release();
    });
    await clock.runUntil(50_050);

    // Assess
    expect(startedAt).toBe(-1);

    // Act: once the first carried-over slot is free.
    await clock.runUntil(51_000);

    // Assess
    expect(startedAt).toBe(50_100);
  });

  it('hands over its busy slots (an attempt still in flight counts as answered now)', async () => {
    // Prepare
    const clock = new FakeClock(10_000);
    const gate = createRequestGate({ limit: 5, concurrency: 5, clock, marginMs: 0 });

    // Act
    const done = await gate.acquire();
    await gate.acquire(); // still in flight
    clock.sleep(10).then(done);
    await clock.runUntil(10_010);

    // Assess
    expect(gate.carryOver().sort()).toEqual([11_010, 11_010]);

    // Act: once the answered slot is free.
    await clock.runUntil(11_010);

    // Assess
    expect(gate.carryOver()).toEqual([12_010]); // the answered slot has freed; the one in flight is pinned to now + window
  });

  it('stops waiting when the run is stopped', async () => {
    // Prepare
    const clock: Clock = new FakeClock();
    const gate = createRequestGate({ limit: 1, concurrency: 1, clock });
    await gate.acquire(); // never released
    const stop = new AbortController();

    // Act
    const waiting = gate.acquire(stop.signal);
    stop.abort();

    // Assess
    await expect(waiting).rejects.toBeInstanceOf(GateAbortedError);
  });
});
