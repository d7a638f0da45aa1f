// Triage's listing: every recording in progress over a window, through DescribeTasks, a page of 50 at a
// time on its own gate. Pages after the first are fetched `concurrency` at a time. A page that fails leaves
// the listing incomplete, which is still safe: a task the listing does not show is simply checked.

import { isTaskId } from '../task/ids';
import type { ListedTask, ListResult, RequestGate, ZegoClient } from '../zego/types';
import { LIST_STATUS } from '../zego/vocabulary';
import type { Listing } from './planner';

// ZEGO: DescribeTasks pages hold at most 50 tasks; PageOffset counts from 1.
const PAGE_SIZE = 50;
/** 100,000 recordings in progress: far past what one AppId's budget lists in a pass. */
const MAX_PAGES = 2_000;

export type ListingFault = Exclude<ListResult, { kind: 'ok' }>;

export interface ListingOutcome {
  /** Undefined when not even the first page came back: the pass then checks every due task. */
  listing?: Listing;
  /** HTTP attempts sent (a stale-socket retry counts). */
  requests: number;
  /** The first fault met, if any. */
  fault?: ListingFault;
}

export interface ListOptions {
  zego: ZegoClient;
  gate: RequestGate;
  concurrency: number;
  signal: AbortSignal;
}

export async function listInProgress(
  window: { startTime: number; endTime: number },
  options: ListOptions,
): Promise<ListingOutcome> {
  const { zego, gate, signal } = options;
  const tasks = new Map<string, ListedTask>();
  let requests = 0;
  let fault: ListingFault | undefined;
  let lastPage = 1;
  let nextPage = 1;
  let missing = false;

  const fetchPage = async (pageOffset: number): Promise<void> => {
    const result = await zego.describeTasks(
      { status: LIST_STATUS.recording, ...window, pageOffset, pageSize: PAGE_SIZE },
      { gate, signal },
    );
    requests += result.attempts;
    if (result.kind !== 'ok') {
      fault ??= result;
      missing = true;
      return;
    }
    // Untrusted: a listed id recwatch could not track, look up or untrack is left out (it is never checked either).
    for (const task of result.page.tasks) if (isTaskId(task.taskId)) tasks.set(task.taskId, task);
    // ZEGO: tasks start and stop between pages; the largest total seen decides how far to page, within a
    // bound (a TotalCount that is wrong must not spend the listing budget on empty pages), and a short page ends it.
    if (result.page.tasks.length < PAGE_SIZE) lastPage = Math.min(lastPage, pageOffset);
    else lastPage = Math.min(MAX_PAGES, Math.max(lastPage, Math.ceil(result.page.totalCount / PAGE_SIZE)));
  };

  await fetchPage(nextPage++);
  if (tasks.size === 0 && missing) return { requests, ...(fault ? { fault } : {}) };
  const worker = async (): Promise<void> => {
    // A configuration fault stops the listing at once: more requests would be refused the same way.
    while (nextPage <= lastPage && !signal.aborted && fault?.kind !== 'config') await fetchPage(nextPage++);
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  if (nextPage <= lastPage) missing = true; // stopped early
  return { listing: { tasks, complete: !missing }, requests, ...(fault ? { fault } : {}) };
}
