// One pass over what is due: read the due tasks, list the recordings in progress (triage), plan (pure), and
// hand the work to the pool's due lane. Without triage nothing needs the whole due set first: each task is
// planned and worked as the index yields it, so requests start with its first page.
import type { Clock } from '../clock';
import type { Logger } from '../log';
import type { TaskStore } from '../store/task-store';
import type { Task } from '../task/task';
import type { ListedTask, RequestGate } from '../zego/types';
import type { Checks } from './checks';
import type { CredentialGuard } from './credential-guard';
import { listInProgress } from './lister';
import {
  type DatedListing,
  type Listing,
  listingWindow,
  type PassPlan,
  type PlannedWork,
  planPass,
  windowFrom,
} from './planner';
import type { Tally } from './tally';
import type { PoolJob, WorkerPool } from './worker-pool';

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

/** The job for a planned piece of work: its task's, so that a failure sets that task aside. */
export function taskJob(checks: Checks, item: PlannedWork, hinted = false): PoolJob {
  const task = item.kind === 'expire' ? item.decision.task : item.task;
  return {
    key: task.taskId,
    run: () => checks.perform(item, hinted),
    onError: (error) => checks.setAside(task, error),
  };
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

  const discoverJob = (listed: ListedTask): PoolJob => ({
    key: `discover:${listed.taskId}`,
    run: () => checks.discover(listed),
    onError: async (error) => {
      summary.errors++;
      logger.error('a listed recording could not be tracked; the next pass tries again', {
        taskId: listed.taskId,
        error,
      });
    },
  });

  const jobsOf = (plan: PassPlan): PoolJob[] => {
    const jobs = plan.work.map((item) => taskJob(checks, item));
    if (settings.discover)
      for (const listed of plan.unknown) {
        if (known.has(listed.taskId)) continue;
        known.add(listed.taskId);
        jobs.push(discoverJob(listed));
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

  const triagePass = async (now: number): Promise<boolean> => {
    let due: Task[];
    let listing: Listing | undefined;
    if (settings.keepChecking && lastWindow !== undefined) {
      // Read the due tasks and list the recordings in progress at once, over the window the last pass (or
      // the last run) needed: a task tracked since, and begun earlier, is simply checked.
      [due, listing] = await Promise.all([
        readDue(now),
        list(listingWindow([], now, settings.discover) ?? windowFrom(lastWindow, now)),
      ]);
    } else {
      due = await readDue(now);
      // With discovery, a pass lists even when nothing tracked is due: the listing is how new tasks are found.
      if (due.length === 0 && !settings.discover) return false;
      listing = signal.aborted ? undefined : await list(listingWindow(due, now, settings.discover));
    }
    lastWindow = listingWindow(due, now, settings.discover)?.startTime;
    if (listing !== undefined) latest = { listing, at: now };
    if (due.length === 0 && listing === undefined) return false;
    const plan = planPass(due, listing, clock.now());
    if (summary.passes === 0) summary.lagMs = plan.lagMs;
    summary.passes++;
    summary.due += due.length;
    summary.inProgress += plan.inProgress;
    await pool.add('due', jobsOf(plan));
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
