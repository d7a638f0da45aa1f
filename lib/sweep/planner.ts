// What one pass asks of ZEGO: pure, from the due tasks and (with triage) DescribeTasks' listing of the
// recordings in progress. A task the listing shows as not ended gets no status request; every other due
// task gets one, as without triage. Nothing here does I/O.

import { adoptRoomId } from '../task/ids';
import { type Decision, expireIfPastWindow, QUERY_WINDOW_MS } from '../task/outcome';
import type { Task } from '../task/task';
import type { ListedTask } from '../zego/types';
import { RECORD_STATUS } from '../zego/vocabulary';

/** The recordings the listing showed in progress, by TaskId. `complete` is false when a page was missing. */
export interface Listing {
  tasks: ReadonlyMap<string, ListedTask>;
  complete: boolean;
}

// ZEGO: initialising, in progress and paused are not ended. Whether a listing of the recordings in progress
// also shows initialising and paused ones is not documented: whatever it shows as not ended needs no status
// request; whatever it leaves out is checked with DescribeRecordStatus as usual.
const NOT_ENDED = new Set<number>([RECORD_STATUS.initialising, RECORD_STATUS.inProgress, RECORD_STATUS.paused]);

export type PlannedWork =
  | { kind: 'expire'; decision: Decision }
  | { kind: 'publish'; task: Task }
  | { kind: 'refresh'; task: Task; superseded?: boolean }
  | { kind: 'check'; task: Task };

export interface PassPlan {
  /** In the order the pass should do it: the due tasks' order (most overdue first). */
  work: PlannedWork[];
  /** Due tasks the listing showed as not ended: no request, and no write unless `refresh` carries one. */
  inProgress: number;
  /** Listed recordings that are not among the due tasks: candidates for discovery. */
  unknown: ListedTask[];
  /** How overdue the most overdue task that needed work was (listed in-progress tasks stay due: not counted). */
  lagMs: number;
}

export function planPass(due: readonly Task[], listing: Listing | undefined, now: number): PassPlan {
  const work: PlannedWork[] = [];
  let inProgress = 0;
  let lagMs = 0;
  const needsWork = (task: Task) => (lagMs = Math.max(lagMs, now - (task.dueAt ?? now)));
  const dueIds = new Set<string>();
  for (const task of due) {
    dueIds.add(task.taskId);
    if (task.state !== 'OPEN') {
      needsWork(task);
      work.push({ kind: 'publish', task });
      continue;
    }
    const expired = expireIfPastWindow(task, now);
    if (expired) {
      needsWork(task);
      work.push({ kind: 'expire', decision: expired });
      continue;
    }
    const listed = listing?.tasks.get(task.taskId);
    if (listed !== undefined && NOT_ENDED.has(listed.status)) {
      inProgress++;
      const refreshed = withListedFacts(task, listed);
      if (refreshed !== undefined) work.push({ kind: 'refresh', task: refreshed });
      continue;
    }
    needsWork(task);
    work.push({ kind: 'check', task });
  }
  const unknown =
    listing === undefined ? [] : [...listing.tasks.values()].filter((listed) => !dueIds.has(listed.taskId));
  return { work, inProgress, unknown, lagMs: Math.max(0, Math.round(lagMs)) };
}

/**
 * The task with what the listing knows and the store does not (its Status, room, begin time), or
 * undefined when nothing changed: an unchanged in-progress task is not rewritten every pass. It stays due,
 * so that the next pass looks at it again; its backoff is not touched.
 */
export function withListedFacts(task: Task, listed: ListedTask): Task | undefined {
  const next: Task = { ...task };
  if (task.zegoStatus !== listed.status) next.zegoStatus = listed.status;
  const roomId = adoptRoomId(task.roomId, listed.roomId);
  if (roomId !== undefined) next.roomId = roomId;
  if (listed.recordBeginTimestamp !== undefined && task.recordBeginTimestamp !== listed.recordBeginTimestamp) {
    next.recordBeginTimestamp = listed.recordBeginTimestamp;
  }
  const changed =
    next.zegoStatus !== task.zegoStatus ||
    next.roomId !== task.roomId ||
    next.recordBeginTimestamp !== task.recordBeginTimestamp;
  return changed ? next : undefined;
}

/** A listing, and when it was asked for (epoch ms): what ZEGO said of the recordings in progress then. */
export interface DatedListing {
  listing: Listing;
  at: number;
}

/**
 * The work a hinted task needs. As any due task, it is expired, published or checked; but a hint that ZEGO's
 * own listing, asked for after the hint, shows to be wrong (the recording is still going) needs no request:
 * the hint is set aside and the task is back with the other due tasks, for triage. This keeps a flood of
 * hints for recordings in progress from costing a request each.
 */
export function planHint(task: Task, latest: DatedListing | undefined, now: number): PlannedWork {
  const item = planPass([task], undefined, now).work[0]!;
  if (item.kind !== 'check' || latest === undefined || task.hintedAt === undefined || latest.at <= task.hintedAt)
    return item;
  const listed = latest.listing.tasks.get(task.taskId);
  if (listed === undefined || !NOT_ENDED.has(listed.status)) return item;
  const superseded: Task = withListedFacts(task, listed) ?? { ...task };
  delete superseded.hinted;
  delete superseded.hintFollowUps;
  return { kind: 'refresh', task: superseded, superseded: true };
}

/** The hinted tasks whose hint `latest` shows wrong, each as the refresh that sets its hint aside. */
export function supersededHints(
  hinted: readonly Task[],
  latest: DatedListing,
  now: number,
): Array<Extract<PlannedWork, { kind: 'refresh' }>> {
  return hinted.flatMap((task) => {
    const item = planHint(task, latest, now);
    return item.kind === 'refresh' ? [item] : [];
  });
}

// ZEGO: DescribeTasks' StartTime may not be earlier than 3 days before now; keep a margin for our clock
// and the request's travel, and for its own end, so that a window never spans more than 3 days.
const WINDOW_MARGIN_MS = 60_000;

/**
 * The DescribeTasks window (epoch ms) that covers the open due tasks: from the earliest recording start
 * among them (a task whose start is unknown may have started up to 3 days before now), to now; the whole
 * 3 days with discovery. Undefined when no open task needs listing.
 */
export function listingWindow(
  due: readonly Task[],
  now: number,
  discover: boolean,
): { startTime: number; endTime: number } | undefined {
  const earliestAllowed = now - QUERY_WINDOW_MS + WINDOW_MARGIN_MS;
  let start = discover ? earliestAllowed : Infinity;
  for (const task of due) {
    if (task.state !== 'OPEN') continue;
    start = Math.min(
      start,
      task.recordBeginTimestamp === undefined ? earliestAllowed : task.recordBeginTimestamp - 1_000,
    );
  }
  if (!Number.isFinite(start)) return undefined;
  return windowFrom(start, now);
}

/** A listing window from `start` to now, within ZEGO's rules: not earlier than 3 days ago (less a margin), ending after it starts. */
export function windowFrom(start: number, now: number): { startTime: number; endTime: number } {
  const earliestAllowed = now - QUERY_WINDOW_MS + WINDOW_MARGIN_MS;
  return { startTime: Math.round(Math.min(Math.max(start, earliestAllowed), now - 1_000)), endTime: Math.round(now) };
}
