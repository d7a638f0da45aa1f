// The planner and the listing window: pure, no I/O.
import { describe, expect, it } from 'vitest';
import { type Listing, listingWindow, planHint, planPass, withListedFacts } from '../../lib/sweep/planner';
import { QUERY_WINDOW_MS } from '../../lib/task/outcome';
import { newTask, type Task } from '../../lib/task/task';
import type { ListedTask } from '../../lib/zego/types';

const NOW = 1_800_000_000_000;
const task = (taskId: string, extra: Partial<Task> = {}): Task =>
  newTask(taskId, NOW - 60_000, { dueAt: NOW - 1_000, ...extra });
const listed = (taskId: string, status = 2, extra: Partial<ListedTask> = {}): ListedTask => ({
  taskId,
  status,
  roomId: `room-${taskId}`,
  recordBeginTimestamp: NOW - 50_000,
  ...extra,
});
const listing = (...tasks: ListedTask[]): Listing => ({
  tasks: new Map(tasks.map((t) => [t.taskId, t])),
  complete: true,
});
const kinds = (plan: ReturnType<typeof planPass>) =>
  plan.work.map((w) => `${w.kind}:${w.kind === 'expire' ? w.decision.task.taskId : w.task.taskId}`);

describe('planPass', () => {
  it('asks ZEGO about every due task when there is no listing (triage off, or the listing failed)', () => {
    // Act
    const plan = planPass([task('a'), task('b')], undefined, NOW);

    // Assess
    expect(kinds(plan)).toEqual(['check:a', 'check:b']);
    expect(plan.inProgress).toBe(0);
  });

  it('sends no status request for a task listed in progress, and rewrites it only when the listing knows more', () => {
    // Prepare: a knows what the listing says; b is new (no status, room or begin time yet); c has ended.
    const a = task('a', { zegoStatus: 2, roomId: 'room-a', recordBeginTimestamp: NOW - 50_000 });
    const b = task('b');
    const c = task('c', { zegoStatus: 2 });

    // Act
    const plan = planPass([a, b, c], listing(listed('a'), listed('b')), NOW);

    // Assess
    expect(kinds(plan)).toEqual(['refresh:b', 'check:c']);
    expect(plan.inProgress).toBe(2);
    const refreshed = plan.work[0]!;
    expect(refreshed.kind === 'refresh' && refreshed.task).toMatchObject({
      taskId: 'b',
      zegoStatus: 2,
      roomId: 'room-b',
      recordBeginTimestamp: NOW - 50_000,
      dueAt: NOW - 1_000,
    });
  });

  it('counts initialising and paused tasks as not ended when the listing shows them, and checks a listed ended one', () => {
    // Act
    const plan = planPass(
      [task('init'), task('paused'), task('ended')],
      listing(listed('init', 1), listed('paused', 5), listed('ended', 3)),
      NOW,
    );

    // Assess
    expect(kinds(plan).filter((k) => k.startsWith('check'))).toEqual(['check:ended']);
    expect(plan.inProgress).toBe(2);
  });

  it('publishes pending outcomes and expires tasks past the 3-day window without a request, listed or not', () => {
    // Prepare
    const pending = task('pending', { state: 'COMPLETED', closedAt: NOW - 5_000 });
    const old = task('old', { recordBeginTimestamp: NOW - QUERY_WINDOW_MS - 1 });

    // Act
    const plan = planPass([pending, old], listing(listed('old')), NOW);

    // Assess
    expect(kinds(plan)).toEqual(['publish:pending', 'expire:old']);
    const expired = plan.work[1]!;
    expect(expired.kind === 'expire' && expired.decision.outcome).toBe('recording.expired');
  });

  it('reports listed recordings that are not among the due tasks, for discovery', () => {
    // Act
    const plan = planPass([task('a')], listing(listed('a'), listed('stranger')), NOW);

    // Assess
    expect(plan.unknown.map((t) => t.taskId)).toEqual(['stranger']);
  });

  it('measures lag over the tasks that needed work, not the listed ones that stay due', () => {
    // Act
    const plan = planPass(
      [task('listed', { dueAt: NOW - 600_000 }), task('late', { dueAt: NOW - 7_000 })],
      listing(listed('listed')),
      NOW,
    );

    // Assess
    expect(plan.lagMs).toBe(7_000);
  });
});

describe('planHint', () => {
  const hinted = (taskId: string, hintedAt: number) => task(taskId, { hinted: true, hintedAt, dueAt: hintedAt });

  it('checks a hinted task, unless a listing asked for after the hint shows the recording still going', () => {
    // Prepare: a listing at NOW shows both in progress; one hint is older than it, one newer.
    const latest = { listing: listing(listed('old-hint'), listed('new-hint')), at: NOW };

    // Act
    const superseded = planHint(hinted('old-hint', NOW - 5_000), latest, NOW + 100);
    const checked = planHint(hinted('new-hint', NOW + 50), latest, NOW + 100);

    // Assess: the old hint costs no request, the task back with the others (no longer hinted, still due).
    expect(superseded).toMatchObject({ kind: 'refresh', superseded: true });
    expect(superseded.kind === 'refresh' && superseded.task.hinted).toBeUndefined();
    expect(superseded.kind === 'refresh' && superseded.task.dueAt).toBe(NOW - 5_000);
    expect(checked.kind).toBe('check');
  });

  it('checks a hinted task the newer listing does not show in progress, and never skips a publish or an expiry', () => {
    // Prepare
    const latest = { listing: listing(listed('ended', 3)), at: NOW };

    // Act + Assess
    expect(planHint(hinted('ended', NOW - 5_000), latest, NOW).kind).toBe('check');
    expect(planHint(hinted('absent', NOW - 5_000), latest, NOW).kind).toBe('check');
    expect(planHint(hinted('no-listing', NOW - 5_000), undefined, NOW).kind).toBe('check');
    const closed = task('closed', { state: 'COMPLETED', closedAt: NOW, hinted: true, hintedAt: NOW - 5_000 });
    expect(planHint(closed, { listing: listing(listed('closed')), at: NOW }, NOW).kind).toBe('publish');
  });
});

describe('withListedFacts', () => {
  it('is undefined when nothing would change, so an unchanged in-progress task costs no write', () => {
    // Prepare
    const known = task('a', { zegoStatus: 2, roomId: 'room-a', recordBeginTimestamp: NOW - 50_000 });

    // Act + Assess
    expect(withListedFacts(known, listed('a'))).toBeUndefined();
  });

  it('never replaces a room the task already has', () => {
    // Prepare
    const known = task('a', { zegoStatus: 2, roomId: 'mine', recordBeginTimestamp: NOW - 50_000 });

    // Act + Assess
    expect(withListedFacts(known, listed('a'))).toBeUndefined();
  });
});

describe('listingWindow', () => {
  const earliest = NOW - QUERY_WINDOW_MS + 60_000;

  it('starts just before the earliest recording start among the open due tasks', () => {
    // Act
    const window = listingWindow(
      [task('a', { recordBeginTimestamp: NOW - 3_600_000 }), task('b', { recordBeginTimestamp: NOW - 60_000 })],
      NOW,
      false,
    );

    // Assess
    expect(window).toEqual({ startTime: NOW - 3_600_000 - 1_000, endTime: NOW });
  });

  it('covers ZEGO’s whole 3 days, less a margin, when a start is unknown or with discovery', () => {
    // Act + Assess
    expect(listingWindow([task('a')], NOW, false)).toEqual({ startTime: earliest, endTime: NOW });
    expect(listingWindow([], NOW, true)).toEqual({ startTime: earliest, endTime: NOW });
  });

  it('never starts earlier than ZEGO allows, never spans more than 3 days, and always ends after it starts', () => {
    // Act: a recording begun long before the window.
    const w1 = listingWindow([task('a', { recordBeginTimestamp: NOW - 10 * QUERY_WINDOW_MS })], NOW, false)!;

    // Assess
    expect(w1.startTime).toBe(earliest);
    expect(w1.endTime - w1.startTime).toBeLessThanOrEqual(QUERY_WINDOW_MS);

    // Act: a recording begun in the future.
    const w2 = listingWindow([task('future', { recordBeginTimestamp: NOW + 5_000 })], NOW, false)!;

    // Assess
    expect(w2.endTime).toBeGreaterThan(w2.startTime);
  });

  it('needs no listing when no open task is due', () => {
    // Act + Assess
    expect(listingWindow([task('done', { state: 'COMPLETED' })], NOW, false)).toBeUndefined();
  });
});

describe('listInProgress', () => {
  it('stops at a short page, whatever TotalCount says (an untrusted total cannot spend the listing budget)', async () => {
    // Prepare: ZEGO says a billion, and has three.
    const { listInProgress } = await import('../../lib/sweep/lister');
    let requests = 0;
    const zego = {
      describeRecordStatus: async () => ({ kind: 'transient' as const, message: 'unused', attempts: 1 }),
      describeTasks: async (query: { pageOffset?: number }) => {
        requests++;
        const tasks = query.pageOffset === 1 ? [listed('a'), listed('b'), listed('c')] : [];
        return {
          kind: 'ok' as const,
          page: { pageOffset: query.pageOffset ?? 1, pageSize: 50, totalCount: 1_000_000_000, tasks },
          attempts: 1,
        };
      },
      close: async () => undefined,
    };

    // Act
    const outcome = await listInProgress(
      { startTime: NOW - 1_000, endTime: NOW },
      { zego, gate: { acquire: async () => () => undefined }, concurrency: 4, signal: new AbortController().signal },
    );

    // Assess
    expect([...outcome.listing!.tasks.keys()]).toEqual(['a', 'b', 'c']);
    expect(requests).toBe(1);
    expect(outcome.listing!.complete).toBe(true);
  });
});
