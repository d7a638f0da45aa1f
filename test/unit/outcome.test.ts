import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../lib/task/backoff';
import {
  applyHintedResult,
  applyResult,
  expireIfPastWindow,
  QUERY_WINDOW_MS,
  queryDeadline,
} from '../../lib/task/outcome';
import type { RecordingFile, Task } from '../../lib/task/task';
import type { DescribeResult, RecordingStatus } from '../../lib/zego/types';

const policy = { checkIntervalMs: 30_000, checkIntervalMaxMs: 300_000 };
const NOW = Date.UTC(2026, 10, 24, 10, 0, 0);
const options = { now: NOW, policy, random: () => 0.5 };

function openTask(overrides: Partial<Task> = {}): Task {
  return {
    taskId: 'X3CgNeE4I1qAAABN',
    state: 'OPEN',
    trackedAt: NOW - 60_000,
    checks: 0,
    quietChecks: 0,
    faultStreak: 0,
    notFoundStreak: 0,
    version: 1,
    dueAt: NOW,
    ...overrides,
  };
}
const file = (status: number, id = `f${status}`): RecordingFile => ({
  status,
  fileId: id,
  url: `https://cdn.example/${id}.mp4`,
});
const ok = (status: number, files: RecordingFile[] = [], extra: Partial<RecordingStatus> = {}): DescribeResult => ({
  kind: 'ok',
  attempts: 1,
  recording: { status, files, recordBeginTimestamp: NOW - 120_000, ...extra },
});
const fault = (kind: 'transient' | 'task', code?: number): DescribeResult => ({
  kind,
  code,
  message: `Code ${code}`,
  attempts: 1,
});

describe('outcome rules (contract: Outcomes)', () => {
  it.each([1, 2, 5])('keeps a task with Status %i open and schedules the next check', (status) => {
    // Act
    const { task, outcome } = applyResult(openTask(), ok(status, [file(1)]), options);

    // Assess
    expect(outcome).toBeUndefined();
    expect(task.state).toBe('OPEN');
    expect(task.zegoStatus).toBe(status);
    expect(task.dueAt).toBeGreaterThanOrEqual(NOW + policy.checkIntervalMs);
    expect(task.checks).toBe(1);
    expect(task.lastCheckedAt).toBe(NOW);
  });

  it.each([
    [3, [file(3), file(2, 'b')]],
    [4, [file(1), file(3, 'b')]],
    [3, [file(5), file(2, 'b')]],
  ])('keeps an ended task (Status %i) open while any file is still recording or uploading', (status, files) => {
    // Act
    const { task, outcome } = applyResult(openTask({ quietChecks: 6 }), ok(status, files), options);

    // Assess
    expect(outcome).toBeUndefined();
    expect(task.state).toBe('OPEN');
    expect(task.dueAt).toBe(NOW + policy.checkIntervalMs); // uploads are close to done: no backoff
  });

  it.each([
    [3, [file(3), file(4, 'b')], 'recording.completed', 'COMPLETED'],
    [4, [file(3)], 'recording.completed', 'COMPLETED'],
    [3, [], 'recording.completed', 'COMPLETED'],
    [4, [], 'recording.completed', 'COMPLETED'],
    [3, [file(3), file(5, 'b')], 'recording.failed', 'FAILED'],
    [4, [file(5)], 'recording.failed', 'FAILED'],
  ] as const)('Status %i with files %j closes as %s', (status, files, event, state) => {
    // Act
    const { task, outcome } = applyResult(
      openTask(),
      ok(status, [...files], { recordEndTimestamp: NOW - 1000 }),
      options,
    );

    // Assess
    expect(outcome).toBe(event);
    expect(task.state).toBe(state);
    expect(task.closedAt).toBe(NOW);
    expect(task.dueAt).toBeUndefined();
    expect(task.files).toEqual(files);
    expect(task.recordEndTimestamp).toBe(NOW - 1000);
    expect(task.outcomeReason).toBeTruthy();
  });

  it('takes the room id from ZEGO when the task was tracked without one, but never overwrites one', () => {
    // Act + Assess
    expect(applyResult(openTask(), ok(2, [], { roomId: 'room-z' }), options).task.roomId).toBe('room-z');
    expect(applyResult(openTask({ roomId: 'mine' }), ok(2, [], { roomId: 'room-z' }), options).task.roomId).toBe(
      'mine',
    );
  });

  it('fails a task only when ZEGO says it does not exist twice in a row', () => {
    // Act
    const first = applyResult(openTask(), fault('task', 300001000), options);

    // Assess
    expect(first.outcome).toBeUndefined();
    expect(first.task).toMatchObject({ state: 'OPEN', notFoundStreak: 1, dueAt: NOW + policy.checkIntervalMs });

    // Act: the second, a check interval later.
    const second = applyResult(first.task, fault('task', 300001000), { ...options, now: NOW + 30_000 });

    // Assess
    expect(second.outcome).toBe('recording.failed');
    expect(second.task.state).toBe('FAILED');
    expect(second.task.lastError).toMatchObject({ kind: 'task', code: 300001000 });
  });

  it('treats invalid parameter (300000004) like a missing task', () => {
    // Prepare: one "does not exist" already.
    const first = applyResult(openTask(), fault('task', 300000004), options);

    // Act + Assess
    expect(applyResult(first.task, fault('task', 300000004), options).task.state).toBe('FAILED');
  });

  it('resets the not-found streak when ZEGO answers normally in between', () => {
    // Prepare: one "does not exist" already.
    const first = applyResult(openTask(), fault('task', 300001000), options);

    // Act
    const answered = applyResult(first.task, ok(1), options);

    // Assess
    expect(answered.task.notFoundStreak).toBe(0);

    // Act + Assess: the next "does not exist" is the first of a new streak.
    expect(applyResult(answered.task, fault('task', 300001000), options).outcome).toBeUndefined();
  });

  it('expires instead of failing when "does not exist" comes after the 3-day window', () => {
    // Prepare
    const old = openTask({ recordBeginTimestamp: NOW - QUERY_WINDOW_MS - 1 });

    // Act
    const { task, outcome } = applyResult(old, fault('task', 300001000), options);

    // Assess
    expect(outcome).toBe('recording.expired');
    expect(task.state).toBe('EXPIRED');
  });

  it('never ends a task on transient faults, and backs off as they repeat', () => {
    // Prepare
    let task = openTask();
    const delays: number[] = [];

    // Act: eight transient faults in a row, each checked to leave the task open.
    for (let i = 0; i < 8; i++) {
      const decision = applyResult(task, fault('transient', 300010000), { ...options, random: () => 1 });
      expect(decision.outcome).toBeUndefined();
      task = decision.task;
      delays.push(task.dueAt! - NOW);
    }

    // Assess
    expect(task.state).toBe('OPEN');
    expect(task.faultStreak).toBe(8);
    expect(delays).toEqual([60_000, 120_000, 240_000, 300_000, 300_000, 300_000, 300_000, 300_000]);

    // Act + Assess: a normal answer ends the streak.
    expect(applyResult(task, ok(2), options).task.faultStreak).toBe(0);
  });

  it('backs off while a recording runs unchanged and checks quickly again once it changes', () => {
    // Prepare
    let task = openTask({ zegoStatus: 2, files: [] });

    // Act: five unchanged answers.
    for (let i = 0; i < 5; i++) task = applyResult(task, ok(2), { ...options, random: () => 1 }).task;

    // Assess
    expect(task.quietChecks).toBe(5);
    expect(task.dueAt! - NOW).toBe(policy.checkIntervalMaxMs);

    // Act: a change.
    const changed = applyResult(task, ok(3, [file(2)]), options).task;

    // Assess
    expect(changed.quietChecks).toBe(0);
    expect(changed.dueAt! - NOW).toBe(policy.checkIntervalMs);
  });

  it('expires a task past the 3-day window without asking ZEGO, counting from the recording start or from tracking', () => {
    // Act + Assess
    expect(expireIfPastWindow(openTask({ recordBeginTimestamp: NOW - QUERY_WINDOW_MS + 1 }), NOW)).toBeUndefined();
    const byRecording = expireIfPastWindow(openTask({ recordBeginTimestamp: NOW - QUERY_WINDOW_MS }), NOW);
    expect(byRecording?.outcome).toBe('recording.expired');
    expect(byRecording?.task.outcomeReason).toMatch(/recording began/);
    const byTracking = expireIfPastWindow(openTask({ trackedAt: NOW - QUERY_WINDOW_MS - 5 }), NOW);
    expect(byTracking?.task.outcomeReason).toMatch(/tracking began/);
    expect(expireIfPastWindow({ ...openTask(), state: 'COMPLETED' }, NOW + QUERY_WINDOW_MS * 2)).toBeUndefined();
  });

  it('never schedules a check past the window end, so expiry is noticed on time', () => {
    // Prepare
    const nearEnd = openTask({ recordBeginTimestamp: NOW - QUERY_WINDOW_MS + 10_000, quietChecks: 9 });

    // Act
    const { task } = applyResult(nearEnd, ok(2, [], { recordBeginTimestamp: nearEnd.recordBeginTimestamp }), options);

    // Assess
    expect(task.dueAt).toBe(queryDeadline(task));
  });

  it('expires a recording that ZEGO still reports running 3 days after it began', () => {
    // Act
    const { outcome } = applyResult(
      openTask(),
      ok(2, [], { recordBeginTimestamp: NOW - QUERY_WINDOW_MS - 1 }),
      options,
    );

    // Assess
    expect(outcome).toBe('recording.expired');
  });
});

describe('backoff with jitter', () => {
  it('stays within [interval, cap] for every streak and random draw', () => {
    // Act + Assess
    for (let streak = 0; streak < 40; streak++) {
      for (const r of [0, 0.25, 0.5, 0.999, 1]) {
        const delay = backoffDelay(streak, policy, () => r);
        expect(delay).toBeGreaterThanOrEqual(policy.checkIntervalMs);
        expect(delay).toBeLessThanOrEqual(policy.checkIntervalMaxMs);
      }
    }
  });

  it('doubles the nominal delay per streak and spreads tasks across the upper half of it', () => {
    // Act + Assess
    expect(backoffDelay(0, policy, () => 0.7)).toBe(30_000);
    expect(backoffDelay(2, policy, () => 0)).toBe(60_000);
    expect(backoffDelay(2, policy, () => 1)).toBe(120_000);
    const draws = new Set(Array.from({ length: 50 }, (_, i) => backoffDelay(3, policy, () => i / 50)));
    expect(draws.size).toBeGreaterThan(40);
  });
});

describe('a new file list', () => {
  it("clears an earlier cut (fileCount, filesTruncated): whether the new list fits is the store's to say again", async () => {
    // Prepare
    const { applyRecordingStatus } = await import('../../lib/task/outcome');
    const { newTask } = await import('../../lib/task/task');
    const cut = { ...newTask('cut', 1_000), fileCount: 8_000, filesTruncated: true as const, files: [{ status: 3 }] };

    // Act
    const decision = applyRecordingStatus(
      cut,
      { status: 2, files: [{ status: 1 }, { status: 1 }] },
      { now: 2_000, policy: { checkIntervalMs: 1_000, checkIntervalMaxMs: 2_000 }, random: () => 0.5 },
    );

    // Assess
    expect(decision.task.fileCount).toBeUndefined();
    expect(decision.task.filesTruncated).toBeUndefined();
    expect(decision.task.files).toHaveLength(2);
  });
});

describe('a hinted check (a callback asked for it)', () => {
  const hinted = (overrides: Partial<Task> = {}) => openTask({ hinted: true, hintedAt: NOW - 500, ...overrides });

  it('decides by the same rules as any check, and leaves the hint behind when the task closes', () => {
    // Act
    const decision = applyHintedResult(hinted(), ok(3, [file(3)]), options);

    // Assess
    expect(decision.outcome).toBe('recording.completed');
    expect(decision.task.hinted).toBeUndefined();
    expect(decision.task.hintFollowUps).toBeUndefined();
  });

  it('looks again 1, 2, 4, 8, 16 s later while the files upload, then goes back to the usual schedule', () => {
    // Act: five follow-ups in a row, then a sixth check that still finds the files uploading.
    const delays: number[] = [];
    let task = hinted();
    for (let n = 0; n < 6; n++) {
      task = applyHintedResult(task, ok(3, [file(3), file(2)]), options).task;
      delays.push((task.dueAt ?? 0) - NOW);
    }

    // Assess
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, policy.checkIntervalMs]);
    expect(task.hinted).toBeUndefined();
    expect(task.hintFollowUps).toBeUndefined();
  });

  it('follows a passing fault up soon as well, but never later than the check interval', () => {
    // Act
    const decision = applyHintedResult(hinted({ hintFollowUps: 4 }), fault('transient', 300010000), {
      ...options,
      policy: { checkIntervalMs: 10_000, checkIntervalMaxMs: 300_000 },
    });

    // Assess
    expect(decision.task).toMatchObject({ hinted: true, hintFollowUps: 5, dueAt: NOW + 10_000 });
  });

  it('cannot push a recording in progress further out, nor advance its backoff (a forged hint changes nothing)', () => {
    // Prepare: backed off far (quiet for a while).
    const before = hinted({ quietChecks: 4, zegoStatus: 2 });

    // Act
    const { task, outcome } = applyHintedResult(before, ok(2), options);

    // Assess
    expect(outcome).toBeUndefined();
    expect(task.quietChecks).toBe(4);
    expect(task.dueAt).toBeLessThanOrEqual(NOW + policy.checkIntervalMs);
    expect(task.hinted).toBeUndefined();
    // A plain check of the same task would have backed it off further.
    expect(applyResult(before, ok(2), options).task.dueAt).toBeGreaterThan(NOW + policy.checkIntervalMs);
  });
});

describe('hints cannot hurry a task to FAILED', () => {
  it('counts a hinted "does not exist" only a check interval after the last check', () => {
    // Prepare: one "does not exist" already, 10 s ago.
    const once = openTask({ hinted: true, hintedAt: NOW, notFoundStreak: 1, lastCheckedAt: NOW - 10_000 });

    // Act
    const soon = applyHintedResult(once, fault('task', 300001000), options);
    const later = applyHintedResult(
      { ...once, lastCheckedAt: NOW - policy.checkIntervalMs },
      fault('task', 300001000),
      options,
    );

    // Assess: soon after, still open with one; an interval after, the second in a row: FAILED.
    expect(soon.outcome).toBeUndefined();
    expect(soon.task.notFoundStreak).toBe(1);
    expect(later.outcome).toBe('recording.failed');
  });
});
