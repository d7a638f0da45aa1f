// The run's tally, pure (no clock, no sockets): how answers, recorder results and the run's end turn into the
// sweep summary's counts.
import { describe, expect, it } from 'vitest';
import { emptySummary } from '../../lib/sweep/summary';
import { createTally } from '../../lib/sweep/tally';
import type { Recorded } from '../../lib/task/recorder';
import { newTask } from '../../lib/task/task';
import type { DescribeResult } from '../../lib/zego/types';

const ok = (attempts = 1): DescribeResult => ({ kind: 'ok', recording: { status: 2, files: [] }, attempts });
const transient = (attempts = 1, rateRefused = false): DescribeResult => ({
  kind: 'transient',
  message: rateRefused ? 'Code 300000003: rate limited' : 'HTTP 502',
  attempts,
  ...(rateRefused ? { rateRefused } : {}),
});
const taskFault = (): DescribeResult => ({ kind: 'task', code: 300_001_000, message: 'no such task', attempts: 1 });
const config = (): DescribeResult => ({ kind: 'config', code: 100_000_005, message: 'bad signature', attempts: 1 });

describe('tally: answers', () => {
  it('counts an ok answer as a check and its attempts as requests', () => {
    // Prepare
    const tally = createTally('run-1');

    // Act
    tally.answered(ok(2), {});

    // Assess
    expect(tally.summary).toMatchObject({ requests: 2, checked: 1, hinted: 0, rateRefusals: 0 });
    expect(tally.summary.faults).toEqual({ transient: 0, task: 0, config: 0 });
    expect(tally.summary.candidates.checked).toBe(0);
  });

  it('counts a hinted check in both checked and hinted', () => {
    // Prepare
    const tally = createTally('run-1');

    // Act
    tally.answered(ok(), { hinted: true });
    tally.answered(transient(), { hinted: true });

    // Assess
    expect(tally.summary).toMatchObject({ requests: 2, checked: 2, hinted: 2 });
    expect(tally.summary.faults.transient).toBe(1);
  });

  it('counts transient and task faults by kind, and rate refusals apart', () => {
    // Prepare
    const tally = createTally('run-1');

    // Act
    tally.answered(transient(2), {});
    tally.answered(transient(1, true), {});
    tally.answered(taskFault(), {});

    // Assess
    expect(tally.summary).toMatchObject({ requests: 4, checked: 3, rateRefusals: 1 });
    expect(tally.summary.faults).toEqual({ transient: 2, task: 1, config: 0 });
  });

  it("counts a candidate's answer as a candidate check only: no check, no hint, no fault, but its rate refusal", () => {
    // Prepare
    const tally = createTally('run-1');

    // Act
    tally.answered(ok(), { candidate: true });
    tally.answered(taskFault(), { candidate: true, hinted: true });
    tally.answered(transient(1, true), { candidate: true });

    // Assess
    expect(tally.summary.candidates).toEqual({ checked: 3, tracked: 0, dropped: 0 });
    expect(tally.summary).toMatchObject({ requests: 3, checked: 0, hinted: 0, rateRefusals: 1 });
    expect(tally.summary.faults).toEqual({ transient: 0, task: 0, config: 0 });
  });

  it("counts a configuration fault's requests but not as a check or a fault (the guard counts it)", () => {
    // Prepare
    const tally = createTally('run-1');

    // Act
    tally.answered(config(), {});
    tally.answered(config(), { candidate: true });

    // Assess
    expect(tally.summary).toMatchObject({ requests: 2, checked: 0, hinted: 0 });
    expect(tally.summary.candidates.checked).toBe(0);
    expect(tally.summary.faults).toEqual({ transient: 0, task: 0, config: 0 });
  });

  it("counts a transient answer the run's stop cut short as requests only, but any other answer while stopping as a check", () => {
    // Prepare
    const tally = createTally('run-1');

    // Act
    tally.answered(transient(1, true), { stopped: true });
    tally.answered(transient(), { stopped: true, candidate: true });
    tally.answered(ok(), { stopped: true });
    tally.answered(taskFault(), { stopped: true });

    // Assess
    expect(tally.summary).toMatchObject({ requests: 4, checked: 2, rateRefusals: 0 });
    expect(tally.summary.candidates.checked).toBe(0);
    expect(tally.summary.faults).toEqual({ transient: 0, task: 1, config: 0 });
  });
});

describe('tally: recorder results', () => {
  it('counts conflicts, truncated files, publishes and publish failures, and returns what it was given', () => {
    // Prepare
    const tally = createTally('run-1');
    const published: Recorded = {
      task: newTask('a', 0, { filesTruncated: true }),
      announced: 'published',
      conflicts: 0,
    };
    const failed: Recorded = { task: newTask('b', 0), announced: 'failed', conflicts: 1 };
    const lost: Recorded = { conflicts: 2 };

    // Act
    const returned = [
      tally.recorded(published, 'recording.completed'),
      tally.recorded(failed, 'recording.failed'),
      tally.recorded(lost, 'recording.expired'),
    ];

    // Assess
    expect(returned[0]).toBe(published);
    expect(returned[2]).toBe(lost);
    expect(tally.summary).toMatchObject({ conflicts: 3, filesTruncated: 1, published: 1, publishFailures: 1 });
    expect(tally.summary.outcomes).toEqual({ 'recording.completed': 1, 'recording.failed': 1, 'recording.expired': 0 });
  });

  it('counts an outcome only when the call announced it (published or failed), not a plain write', () => {
    // Prepare
    const tally = createTally('run-1');

    // Act
    tally.recorded({ task: newTask('a', 0, { filesTruncated: false }), conflicts: 0 }, 'recording.completed');
    tally.recorded({ task: newTask('b', 0), announced: 'published', conflicts: 0 });
    tally.recorded({ task: newTask('c', 0), announced: 'failed', conflicts: 0 }, 'recording.expired');

    // Assess
    expect(tally.summary.outcomes).toEqual({ 'recording.completed': 0, 'recording.failed': 0, 'recording.expired': 1 });
    expect(tally.summary).toMatchObject({ published: 1, publishFailures: 1, conflicts: 0, filesTruncated: 0 });
  });
});

describe('tally: the end of the run', () => {
  it('rounds the duration, works out the request rate to one decimal, and copies the peaks', () => {
    // Prepare: 7 requests in 1,234.6 ms.
    const tally = createTally('run-1');
    tally.answered(ok(3), {});
    tally.answered(ok(4), {});

    // Act
    const summary = tally.finish({
      durationMs: 1_234.6,
      peakRequestsPerSecond: 6,
      peakListRequestsPerSecond: 2,
      configFaults: { count: 0 },
    });

    // Assess: 7 / 1.235 s = 5.668… → 5.7.
    expect(summary).toBe(tally.summary);
    expect(summary).toMatchObject({
      durationMs: 1_235,
      requestsPerSecond: 5.7,
      peakRequestsPerSecond: 6,
      peakListRequestsPerSecond: 2,
      faults: { transient: 0, task: 0, config: 0 },
    });
    expect(summary.stoppedBy).toBeUndefined();
    expect(summary.lastConfigFault).toBeUndefined();
  });

  it('takes at least one second for the request rate of a short run', () => {
    // Prepare: 3 requests in 250 ms.
    const tally = createTally('run-1');
    tally.answered(ok(3), {});

    // Act
    const summary = tally.finish({
      durationMs: 250,
      peakRequestsPerSecond: 3,
      peakListRequestsPerSecond: 0,
      configFaults: { count: 0 },
    });

    // Assess
    expect(summary.durationMs).toBe(250);
    expect(summary.requestsPerSecond).toBe(3);
  });

  it("records why the run stopped and the guard's configuration faults", () => {
    // Prepare
    const tally = createTally('run-1');
    tally.answered(config(), {});

    // Act
    const summary = tally.finish({
      durationMs: 2_000,
      peakRequestsPerSecond: 1,
      peakListRequestsPerSecond: 0,
      stoppedBy: 'configuration',
      configFaults: { count: 1, last: 'Code 100000005: bad signature' },
    });

    // Assess
    expect(summary).toMatchObject({
      stoppedBy: 'configuration',
      lastConfigFault: 'Code 100000005: bad signature',
      faults: { transient: 0, task: 0, config: 1 },
      requests: 1,
      requestsPerSecond: 0.5,
      checked: 0,
    });
  });

  it('starts from the empty summary of its run', () => {
    // Act
    const tally = createTally('run-7');

    // Assess
    expect(tally.summary).toEqual(emptySummary('run-7'));
  });
});
