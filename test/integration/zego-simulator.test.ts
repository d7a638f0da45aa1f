// The simulator's own behaviour (rate limit, arrival statistics, scripted lifecycles), seen through a real client.
import { afterEach, describe, expect, it } from 'vitest';
import { zegoFile } from '../../infra/local/zego-simulator';
import type { DescribeResult } from '../../lib/zego/types';
import { runCleanups, setup, TASK } from '../support/zego';

afterEach(runCleanups);

describe('startZegoSimulator', () => {
  it('refuses the 11th request arriving within a rolling second, counting refused ones too', async () => {
    // Prepare
    const start = Date.now();
    let clock = start;
    const { sim, client } = await setup({ now: () => clock });
    const at = async (offset: number): Promise<DescribeResult> => {
      clock = start + offset;
      return client.describeRecordStatus(TASK);
    };

    // Act
    const firstTen = [];
    for (let i = 0; i < 10; i++) firstTen.push(await at(i * 100));
    const eleventh = await at(999);
    const inTheNextSecond = await at(1_099); // (99, 1099] holds 100..900, 999 and itself: 11
    const later = await at(2_100);

    // Assess
    expect(firstTen.map((r) => r.kind)).toEqual(Array(10).fill('ok'));
    expect(eleventh).toMatchObject({ kind: 'transient', code: 300_000_003, rateRefused: true });
    expect(inTheNextSecond).toMatchObject({ kind: 'transient', rateRefused: true });
    expect(later).toMatchObject({ kind: 'ok' });
    expect(sim.stats()).toMatchObject({ requests: 13, refusals: 2, maxInAnyWindow: 11, byTask: { [TASK]: 13 } });
  });

  it('computes maxInAnyWindow exactly over half-open windows', async () => {
    // Prepare
    const start = Date.now();
    let clock = start;
    const { sim, client } = await setup({ now: () => clock, rateLimit: 100 });
    const offsets = [0, 500, 999.5, 1_000, 1_499, 1_500, 3_000];

    // Act
    for (const offset of offsets) {
      clock = start + offset;
      await client.describeRecordStatus(TASK);
    }

    // Assess: (499, 1499] and (500, 1500] hold 4; 0 is outside (0, 1000].
    const arrivals = sim.arrivals();
    const bruteForce = Math.max(...arrivals.map((t) => arrivals.filter((a) => a > t - 1_000 && a <= t).length));
    expect(arrivals).toEqual(offsets.map((o) => start + o));
    expect(sim.stats().maxInAnyWindow).toBe(4);
    expect(bruteForce).toBe(4);

    // Act: the stats reset.
    sim.resetStats();

    // Assess
    expect(sim.stats()).toMatchObject({ requests: 0, maxInAnyWindow: 0, byTask: {} });
  });

  it('plays a scripted lifecycle relative to when it was set', async () => {
    // Prepare
    const start = Date.now();
    let clock = start;
    const { sim, client } = await setup({ now: () => clock });
    sim.setScript('scripted-task-01', [
      { afterMs: 1_000, data: { Status: 3, RecordFiles: [zegoFile({ status: 3 })] } },
      { afterMs: 0, data: { Status: 2 } },
    ]);
    const statusAt = async (offset: number): Promise<unknown> => {
      clock = start + offset;
      const result = await client.describeRecordStatus('scripted-task-01');
      return result.kind === 'ok' ? [result.recording.status, result.recording.files.length] : result.kind;
    };

    // Act
    const seen = [await statusAt(0), await statusAt(999), await statusAt(1_000)];

    // Assess
    expect(seen).toEqual([
      [2, 0],
      [2, 0],
      [3, 1],
    ]);
  });
});
