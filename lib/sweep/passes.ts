// One pass over what is due: read the due tasks, list the recordings in progress (triage), plan (pure), and
// hand the work to the pool's due lane. Without triage nothing needs the whole due set first: each task is
// planned and worked as the index yields it, so requests start with its first page.
import type { Clock } from '../clock';
import type { Logger } from '../log';
import type { TaskStore } from '../store/task-store';
import type { Task } from '../task/task';
import type { RequestGate } from '../zego/types';
import type { Checks } from './checks';
import type { CredentialGuard } from './credential-guard';
import { discoverJob, taskJob } from './jobs';
import { listInProgress } from './lister';
import {
  type DatedListing,
  type Listing,
  listingWindow,
  type PassPlan,
  planPass,
  supersededHints,
  windowFrom,
} from './planner';
import type { Tally } from './tally';
import type { PoolJob, WorkerPool } from './worker-pool';

/** The most hinted tasks a pass reads to see which of their hints its listing shows wrong. */
const HINTED_PER_PASS = 1_000;

export interface PassSettings {
  triage: boolean;
  discover: boolean;
  keepChecking: boolean;
  concurrency: number;
  pageSize: number;
  /** How far past now a pass reads: a task due in the next moments is not left for the pass after next. */
  lookaheadMs: number;
}

export interface PassesDeps {
  store: TaskStore;
  pool: WorkerPool;
  checks: Checks;
  guard: CredentialGuard;
  listGate: RequestGate;
  tally: Tally;
  clock: Clock;
  logger: Logger;
  signal: AbortSignal;
  settings: PassSettings;
  /** Where the last run's listing began (the lease's hand-over): the first pass can list from there at once. */
  listingFrom?: number;
}

export interface Passes {
  /** One pass; false when it found nothing due. */
  pass(): Promise<boolean>;
  /** Where the next run's first listing may begin, or undefined (without triage, or with nothing to list). */
  listingFrom(): number | undefined;
  /** Forgets the hand-over's listing window: nothing is due, so an idle run lists nothing. */
  forgetListingFrom(): void;
  /** The last pass's listing of the recordings in progress, and when it was asked for. */
  latestListing(): DatedListing | undefined;
}

export function createPasses(deps: PassesDeps): Passes {
  const { store, pool, checks, guard, tally, clock, logger, signal, settings } = deps;
  const { summary } = tally;
  /** Without keepChecking: each task at most once per run. */
  const seen = new Set<string>();
  /** Listed recordings found tracked (or tracked now) this run: discovery tries each once. */
  const known = new Set<string>();
  /** The window the last pass's due tasks needed: the next pass lists over it while it reads the due tasks. */
  let lastWindow: number | undefined = deps.listingFrom;
  let latest: DatedListing | undefined;

  const jobsOf = (plan: PassPlan): PoolJob[] => {
    const jobs = plan.work.map((item) => taskJob(checks, item));
    if (settings.discover)
      for (const listed of plan.unknown) {
        if (known.has(listed.taskId)) continue;
        known.add(listed.taskId);
        jobs.push(discoverJob(checks, listed, tally, logger));
      }
    return jobs;
  };

  /** The due tasks now, earliest first: unreadable items are put aside, and (without keepChecking) seen ones skipped. */
  async function* dueTasks(now: number): AsyncGenerator<Task> {
    for await (const entry of store.listDue(now + settings.lookaheadMs, { pageSize: settings.pageSize })) {
      if ('malformed' in entry) {
        await checks.malformed(entry.malformed);
        continue;
      }
      if (checks.isStale(entry.task)) continue; // this run wrote it since: the index shows an older version
      if (!settings.keepChecking && seen.has(entry.task.taskId)) continue;
      seen.add(entry.task.taskId);
      yield entry.task;
    }
  }

  const readDue = async (now: number): Promise<Task[]> => {
    const due: Task[] = [];
    for await (const task of dueTasks(now)) due.push(task);
    return due;
  };

  const list = async (window: { startTime: number; endTime: number } | undefined): Promise<Listing | undefined> => {
    if (window === undefined) return undefined;
    const { client, generation } = guard.current();
    const outcome = await listInProgress(window, {
      zego: client,
      gate: deps.listGate,
      concurrency: settings.concurrency,
      signal,
    });
    summary.listRequests += outcome.requests;
    const { fault } = outcome;
    if (fault?.kind === 'config') await guard.fault(fault, generation);
    if (outcome.listing === undefined || !outcome.listing.complete) {
      summary.listingFailures++;
      if (!signal.aborted) {
        logger.warn(
          outcome.listing === undefined
            ? 'listing the recordings in progress failed: every due task is checked instead'
            : 'the listing of recordings in progress is incomplete: unlisted tasks are checked',
          fault ? { fault: fault.message } : {},
        );
      }
    }
    return outcome.listing;
  };

  const streamingPass = async (now: number): Promise<boolean> => {
    let due = 0;
    const jobs = async function* (): AsyncGenerator<PoolJob> {
      for await (const task of dueTasks(now)) {
        const plan = planPass([task], undefined, clock.now());
        if (due++ === 0) summary.passes++;
        if (summary.passes === 1) summary.lagMs = Math.max(summary.lagMs, plan.lagMs);
        summary.due++;
        yield* jobsOf(plan);
      }
    };
    await pool.add('due', jobs());
    return due > 0;
  };

  /** The hinted tasks waiting: the listing covers them too, so that it can show which hints were wrong. */
  const readHinted = async (now: number): Promise<Task[]> =>
    (await store.listHinted(now, HINTED_PER_PASS)).flatMap((entry) =>
      'task' in entry && !checks.isStale(entry.task) ? [entry.task] : [],
    );

  const triagePass = async (now: number): Promise<boolean> => {
    let due: Task[];
    let hinted: Task[];
    let listing: Listing | undefined;
    if (settings.keepChecking && lastWindow !== undefined) {
      // Read the due tasks and list the recordings in progress at once, over the window the last pass (or
      // the last run) needed: a task tracked since, and begun earlier, is simply checked.
      [due, hinted, listing] = await Promise.all([
        readDue(now),
        readHinted(now),
        list(listingWindow([], now, settings.discover) ?? windowFrom(lastWindow, now)),
      ]);
    } else {
      [due, hinted] = await Promise.all([readDue(now), readHinted(now)]);
      // With discovery, a pass lists even when nothing tracked is due: the listing is how new tasks are found.
      if (due.length + hinted.length === 0 && !settings.discover) return false;
      const window = listingWindow([...due, ...hinted], now, settings.discover);
      listing = signal.aborted ? undefined : await list(window);
    }
    lastWindow = listingWindow([...due, ...hinted], now, settings.discover)?.startTime;
    if (listing !== undefined) latest = { listing, at: now };
    if (due.length === 0 && listing === undefined) return false;
    const plan = planPass(due, listing, clock.now());
    if (summary.passes === 0) summary.lagMs = plan.lagMs;
    summary.passes++;
    summary.due += due.length;
    summary.inProgress += plan.inProgress;
    // Hints this listing shows wrong (hinted before it, listed in progress) are set aside now, in bulk, without
    // a request: a flood of them cannot queue up in front of a recording that really ended.
    const superseded = latest === undefined ? [] : supersededHints(hinted, latest, clock.now());
    const hintJobs = superseded
      .filter((item) => !pool.has(item.task.taskId))
      .map((item) => taskJob(checks, item, true));
    await pool.add('due', [...jobsOf(plan), ...hintJobs]);
    return due.length > 0;
  };

  return {
    // While a pass reads what is due and lists, candidates wait: they come after every due task.
    async pass() {
      const coming = pool.expect('due');
      try {
        return await (settings.triage ? triagePass(clock.now()) : streamingPass(clock.now()));
      } finally {
        coming();
      }
    },
    listingFrom: () => (settings.triage ? lastWindow : undefined),
    forgetListingFrom: () => {
      lastWindow = undefined;
    },
    latestListing: () => latest,
  };
}
