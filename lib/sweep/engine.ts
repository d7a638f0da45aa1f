// One sweep run: take the lease, then pass over the due tasks until the stop time while anything is open.
// Each pass: read the due tasks, list the recordings in progress (triage), plan what to ask ZEGO (a pure
// planner), check the rest within the rate and concurrency limits, and record what was learned through the
// recorder (record → publish → mark). Then give the lease back, with both rate windows' tails, and say
// what the run did. The engine wires the parts; the rules live in them.
import type { Clock } from '../clock';
import { DEFAULTS } from '../config';
import type { EventPublisher } from '../events/publisher';
import type { Logger } from '../log';
import type { SweepLease, TaskStore } from '../store/task-store';
import { backoffDelay, type CheckPolicy } from '../task/backoff';
import { adoptRoomId } from '../task/ids';
import { applyResult, type Decision } from '../task/outcome';
import { createRecorder, type Recorded } from '../task/recorder';
import { newTask, type Task } from '../task/task';
import type { ListedTask, RequestGate, ZegoClient } from '../zego/types';
import { RETURN_CODE } from '../zego/vocabulary';
import { type ListingFault, listInProgress } from './lister';
import { type Listing, listingWindow, type PassPlan, type PlannedWork, planPass, windowFrom } from './planner';
import { createRequestGate } from './request-gate';
import { emptySummary, type SweepSummary } from './summary';

export interface SweepDeps {
  store: TaskStore;
  lease: SweepLease;
  zego: ZegoClient;
  /**
   * Reads the ServerSecret again, bypassing any cache, after ZEGO said the signature is wrong: a client
   * signing with the new secret, or undefined when it did not change (or cannot be read again).
   */
  refreshCredentials?: () => Promise<ZegoClient | undefined>;
  publisher: EventPublisher;
  clock: Clock;
  random: () => number;
  logger: Logger;
}

export interface SweepSettings {
  rateLimit: number;
  concurrency: number;
  policy: CheckPolicy;
  /** ZEGO_TIMEOUT_MS: one attempt's longest wait; a check may take two attempts. */
  zegoTimeoutMs: number;
  /** SWEEP_TRIAGE: list the recordings in progress with DescribeTasks first, each pass. */
  triage?: boolean;
  /** ZEGO_DESCRIBE_TASKS_RATE_LIMIT (default: DEFAULTS, lib/config.ts). */
  listRateLimit?: number;
  /** DISCOVER_TASKS: track every listed recording, registered or not (default: DEFAULTS, lib/config.ts). */
  discover?: boolean;
  /**
   * SWEEP_KEEP_CHECKING (default: DEFAULTS, lib/config.ts): pass again every CHECK_INTERVAL_SECONDS until the stop time while
   * anything is open. Off: one sweep over what is due, each task at most once, then return.
   */
  keepChecking?: boolean;
  pageSize?: number;
  /** Count the tasks still needing work after this run (a COUNT query of the due index). */
  countOpenTasks?: boolean;
}

export interface RunOptions {
  runId: string;
  /** Epoch ms at which the run is killed (Lambda: now + getRemainingTimeInMillis()). */
  deadline: number;
}

/** Time kept back at the end of a run for writes, publishing and returning. */
const WRITE_RESERVE_MS = 2_000;
/**
 * How long the lease (and an outcome's publish claim) outlives the run's hard deadline: a run killed by
 * its timeout still keeps others out until it is surely gone.
 */
const LEASE_GRACE_MS = 5_000;
/** The longest a task whose processing keeps failing is set aside for. */
const SET_ASIDE_MAX_MS = 3_600_000;
/** The most a pass reads ahead of now (see `lookaheadMs`). */
const LOOKAHEAD_MAX_MS = 5_000;
/** How long an unreadable item is put aside (it stops costing reads meanwhile). */
const MALFORMED_POSTPONE_MS = 3_600_000;

/** Stop taking work this long before the deadline: a check started then (two attempts at most) still ends in time. */
export function stopReserveMs(zegoTimeoutMs: number): number {
  return 2 * zegoTimeoutMs + WRITE_RESERVE_MS;
}

export async function runSweep(deps: SweepDeps, settings: SweepSettings, run: RunOptions): Promise<SweepSummary> {
  const { store, zego, clock, logger } = deps;
  const startedAt = clock.now();
  const summary = emptySummary(run.runId);
  const lease = await deps.lease.acquire(run.runId, startedAt, run.deadline + LEASE_GRACE_MS);
  if (lease === undefined) {
    summary.skipped = 'another sweep holds the lease';
    summary.durationMs = Math.round(clock.now() - startedAt);
    logger.info('sweep skipped', { summary });
    return summary;
  }

  const keepChecking = settings.keepChecking ?? DEFAULTS.SWEEP_KEEP_CHECKING;
  const stop = new AbortController();
  const stopAt = run.deadline - stopReserveMs(settings.zegoTimeoutMs);
  const stopTimer = setTimeout(() => stop.abort('deadline'), Math.max(0, stopAt - clock.now()));
  const statusGate = createRequestGate({
    limit: settings.rateLimit,
    concurrency: settings.concurrency,
    clock,
    carriedOver: lease.carriedOver,
  });
  const listGate = createRequestGate({
    limit: settings.listRateLimit ?? DEFAULTS.ZEGO_DESCRIBE_TASKS_RATE_LIMIT,
    concurrency: settings.concurrency,
    clock,
    carriedOver: lease.carriedOverListing,
  });
  // Stopping cuts the wait for a slot, never a request in flight: ZEGO has counted it, so use its answer.
  const stoppable = (gate: RequestGate): RequestGate => ({
    acquire: async () => {
      while (held !== undefined) await held;
      return gate.acquire(stop.signal);
    },
  });
  const statusSlots = stoppable(statusGate);
  const listSlots = stoppable(listGate);
  const recorder = createRecorder({
    store,
    publisher: deps.publisher,
    clock,
    logger,
    retryAfterMs: settings.policy.checkIntervalMs,
  });
  // An outcome's publish claim outlives this run: a run killed at its deadline keeps others off it until surely gone.
  const claimUntil = run.deadline + LEASE_GRACE_MS;
  /** Without keepChecking: each task at most once per run. */
  const seen = new Set<string>();
  /** Listed recordings found tracked (or tracked now) this run: discovery tries each once. */
  const known = new Set<string>();
  // The client requests are signed with; a refreshed ServerSecret replaces it (its generation counts up).
  let client = zego;
  let generation = 0;
  let refreshed = false;
  /** While set, no new request leaves: a bad signature is being looked into. */
  let held: Promise<void> | undefined;

  /**
   * A configuration fault stops the run from sending anything more (contract: so at most SWEEP_CONCURRENCY
   * requests are spent on it), unless it is a bad signature and a ServerSecret read again, once a run, is a
   * new one: then the request is tried once more with it. Faults of requests signed with an older secret
   * are not counted. Configuration faults are ours, not the tasks': nothing is written to a task.
   * Resolves true when the caller should try its request again.
   */
  const configFault = async (fault: { message: string; code?: number }, signedWith: number): Promise<boolean> => {
    if (signedWith < generation) return true;
    if (held !== undefined) {
      await held;
      return signedWith < generation;
    }
    if (fault.code === RETURN_CODE.badSignature && deps.refreshCredentials !== undefined && !refreshed) {
      refreshed = true;
      let release: () => void = () => undefined;
      held = new Promise<void>((resolve) => (release = resolve));
      try {
        const fresh = await deps.refreshCredentials().catch((error: unknown) => {
          logger.warn('could not read the ServerSecret again', { error });
          return undefined;
        });
        if (fresh !== undefined) {
          client = fresh;
          generation++;
          logger.warn('ZEGO refused the signature; the ServerSecret read again is a new one, and is used from now on');
          return true;
        }
      } finally {
        held = undefined;
        release();
      }
    }
    summary.faults.config++;
    summary.lastConfigFault = fault.message;
    stop.abort('configuration');
    return false;
  };

  const tally = (recorded: Recorded): Recorded => {
    summary.conflicts += recorded.conflicts;
    if (recorded.task?.filesTruncated === true) summary.filesTruncated++;
    if (recorded.announced === 'published') summary.published++;
    if (recorded.announced === 'failed') summary.publishFailures++;
    return recorded;
  };

  const record = async (decision: Decision): Promise<void> => {
    const recorded = tally(await recorder.record(decision, { claimUntil, closedBy: 'poll' }));
    if (decision.outcome !== undefined && recorded.announced !== undefined) summary.outcomes[decision.outcome]++;
  };

  const check = async (task: Task, retried = false): Promise<void> => {
    const signedWith = generation;
    const result = await client.describeRecordStatus(task.taskId, { gate: statusSlots });
    summary.requests += result.attempts;
    if (stop.signal.aborted && result.kind === 'transient') return; // not (fully) checked: stays due
    if (result.kind === 'config') {
      const again = (await configFault(result, signedWith)) && !retried && !stop.signal.aborted;
      return again ? check(task, true) : undefined; // not checked: stays due
    }
    summary.checked++;
    if (result.kind !== 'ok') summary.faults[result.kind]++;
    if (result.kind !== 'ok' && result.rateRefused) {
      summary.rateRefusals++;
      logger.warn("ZEGO refused a request for its rate limit: is another client spending this AppId's budget?", {
        taskId: task.taskId,
      });
    }
    if (result.kind === 'transient' && result.code === RETURN_CODE.signatureExpired)
      logger.warn('ZEGO says the signature expired: check the clock', { taskId: task.taskId });
    return record(applyResult(task, result, { now: clock.now(), policy: settings.policy, random: deps.random }));
  };

  const perform = async (item: PlannedWork): Promise<void> => {
    switch (item.kind) {
      case 'expire':
        return record(item.decision);
      case 'publish': {
        const recorded = tally(await recorder.publishPending(item.task, { claimUntil }));
        if (recorded.announced !== undefined) summary.republished++;
        return;
      }
      case 'refresh':
        tally(await recorder.record({ task: item.task }, { claimUntil, closedBy: 'poll' }));
        return;
      case 'check':
        return check(item.task);
    }
  };

  const discover = async (listed: ListedTask): Promise<void> => {
    if (known.has(listed.taskId)) return;
    known.add(listed.taskId);
    const facts: Partial<Task> = { zegoStatus: listed.status, trackedBy: 'discovery' };
    const roomId = adoptRoomId(undefined, listed.roomId);
    if (roomId !== undefined) facts.roomId = roomId;
    if (listed.recordBeginTimestamp !== undefined) facts.recordBeginTimestamp = listed.recordBeginTimestamp;
    // A conditional put: a task somebody tracked already (just not due now) is left as it is.
    const { created } = await store.create(newTask(listed.taskId, clock.now(), facts));
    if (created) summary.discovered++;
  };

  /**
   * A task whose processing threw (an item that breaks an invariant, a write DynamoDB refuses, a bug) is set
   * aside with backoff, up to an hour: reported once per step, never retried in every pass of every run.
   */
  const setAside = async (task: Task, error: unknown): Promise<void> => {
    summary.errors++;
    const errors = (task.processingErrors ?? 0) + 1;
    const now = clock.now();
    const until =
      now +
      backoffDelay(
        errors,
        { checkIntervalMs: settings.policy.checkIntervalMs, checkIntervalMaxMs: SET_ASIDE_MAX_MS },
        deps.random,
      );
    logger.error('a task could not be processed; it is set aside and tried again later', {
      taskId: task.taskId,
      attempt: errors,
      retryAt: new Date(until).toISOString(),
      error,
    });
    const message = `recwatch could not process this task (${errors} time${errors === 1 ? '' : 's'} in a row); it tries again at ${new Date(until).toISOString()}: see the sweep's logs`;
    await store
      .setAside(task.taskId, { version: task.version, until, errors, error: { message, at: now } })
      .catch((failure: unknown) =>
        logger.error('could not set the task aside; it stays due', { taskId: task.taskId, error: failure }),
      );
  };

  /** Runs the items `concurrency` at a time, in order, until done or stopped; one failure is one task's. */
  /** A piece of a pass's work, and whose it is (a task, or a listed recording's id for discovery). */
  type Job = { run: () => Promise<void>; owner: Task | string };

  /** Runs the jobs `concurrency` at a time, in order, as they come, until done or stopped; one failure is one task's. */
  const workThrough = async (jobs: Iterable<Job> | AsyncIterable<Job>): Promise<void> => {
    const source =
      Symbol.asyncIterator in jobs ? jobs[Symbol.asyncIterator]() : (jobs as Iterable<Job>)[Symbol.iterator]();
    // A failed read of the due index ends the pass, but only once every worker's request in flight is
    // answered: the run then fails with the lease given back after them, never beside them.
    let failure: { error: unknown } | undefined;
    const worker = async (): Promise<void> => {
      while (!stop.signal.aborted && failure === undefined) {
        let next: IteratorResult<Job>;
        try {
          next = await source.next();
        } catch (error) {
          failure ??= { error };
          return;
        }
        if (next.done) return;
        const { run, owner } = next.value;
        try {
          await run();
        } catch (error) {
          if (typeof owner !== 'string') await setAside(owner, error);
          else {
            summary.errors++;
            logger.error('a listed recording could not be tracked; the next pass tries again', {
              taskId: owner,
              error,
            });
          }
        }
      }
    };
    await Promise.all(Array.from({ length: settings.concurrency }, worker));
    if (failure !== undefined) throw failure.error;
  };

  /** The due tasks now, earliest first: unreadable items are put aside, and (without keepChecking) seen ones skipped. */
  async function* dueTasks(now: number): AsyncGenerator<Task> {
    for await (const entry of store.listDue(now, { pageSize: settings.pageSize ?? 100 })) {
      if ('malformed' in entry) {
        summary.malformed++;
        logger.error('skipping an unreadable task item; look at it by hand', entry.malformed);
        await store.postpone(entry.malformed.taskId, clock.now() + MALFORMED_POSTPONE_MS);
        continue;
      }
      if (!keepChecking && seen.has(entry.task.taskId)) continue;
      seen.add(entry.task.taskId);
      yield entry.task;
    }
  }
  const readDue = async (now: number): Promise<Task[]> => {
    const due: Task[] = [];
    for await (const task of dueTasks(now)) due.push(task);
    return due;
  };

  const jobsOf = (plan: PassPlan): Job[] => {
    const jobs: Job[] = plan.work.map((item) => ({
      run: () => perform(item),
      owner: item.kind === 'expire' ? item.decision.task : item.task,
    }));
    if (discovering)
      for (const listed of plan.unknown) jobs.push({ run: () => discover(listed), owner: listed.taskId });
    return jobs;
  };

  /**
   * Without triage nothing needs the whole due set first: each task is planned and worked as it is read,
   * so requests start with the index's first page and the budget is not left idle meanwhile.
   */
  const streamingPass = async (now: number): Promise<boolean> => {
    let due = 0;
    const jobs = async function* (): AsyncGenerator<Job> {
      for await (const task of dueTasks(now + lookaheadMs)) {
        const plan = planPass([task], undefined, clock.now());
        if (due++ === 0) summary.passes++;
        if (summary.passes === 1) summary.lagMs = Math.max(summary.lagMs, plan.lagMs);
        summary.due++;
        yield* jobsOf(plan);
      }
    };
    await workThrough(jobs());
    return due > 0;
  };

  /** Where the last listing began: handed to the next run, whose first pass can list at once from there. */
  let listingFrom = lease.listingFrom;
  const list = async (window: { startTime: number; endTime: number } | undefined): Promise<Listing | undefined> => {
    if (window === undefined) return undefined;
    listingFrom = window.startTime;
    const signedWith = generation;
    const outcome = await listInProgress(window, {
      zego: client,
      gate: listSlots,
      concurrency: settings.concurrency,
      signal: stop.signal,
    });
    summary.listRequests += outcome.requests;
    const fault: ListingFault | undefined = outcome.fault;
    if (fault?.kind === 'config') await configFault(fault, signedWith);
    if (outcome.listing === undefined || !outcome.listing.complete) {
      summary.listingFailures++;
      if (!stop.signal.aborted) {
        logger.warn(
          outcome.listing === undefined
            ? 'listing the recordings in progress failed: every due task is checked instead'
            : 'the listing of recordings in progress is incomplete: unlisted tasks are checked',
          {
            ...(fault ? { fault: fault.message } : {}),
          },
        );
      }
    }
    return outcome.listing;
  };

  /** Sleeps until `at` or until the run stops, whichever comes first. */
  const sleepUntil = async (at: number): Promise<void> => {
    if (stop.signal.aborted) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        stop.signal.removeEventListener('abort', done);
        resolve();
      };
      stop.signal.addEventListener('abort', done, { once: true });
      void clock.sleep(Math.max(0, at - clock.now())).then(done);
    });
  };

  // A pass also takes what falls due in the next moments: a task rescheduled one check interval after it was
  // checked, a little into the previous pass, is then not left for the pass after next.
  const lookaheadMs = keepChecking ? Math.min(LOOKAHEAD_MAX_MS, settings.policy.checkIntervalMs / 2) : 0;

  /** One pass; false when it found nothing due. */
  const discovering = settings.discover ?? DEFAULTS.DISCOVER_TASKS;
  /** The window the last pass's due tasks needed: the next pass lists over it while it reads the due tasks. */
  let lastWindow: { startTime: number } | undefined =
    listingFrom === undefined ? undefined : { startTime: listingFrom };

  const pass = async (): Promise<boolean> => {
    const now = clock.now();
    if (!settings.triage) return streamingPass(now);
    let due: Task[];
    let listing: Listing | undefined;
    if (settings.triage && keepChecking && lastWindow !== undefined) {
      // Read the due tasks and list the recordings in progress at once, over the window the last pass (or
      // the last run) needed: a task tracked since, and begun earlier, is simply checked.
      [due, listing] = await Promise.all([
        readDue(now + lookaheadMs),
        list(listingWindow([], now, discovering) ?? windowFrom(lastWindow.startTime, now)),
      ]);
    } else {
      due = await readDue(now + lookaheadMs);
      // With discovery, a pass lists even when nothing tracked is due: the listing is how new tasks are found.
      if (due.length === 0 && !(settings.triage && discovering)) return false;
      listing = settings.triage && !stop.signal.aborted ? await list(listingWindow(due, now, discovering)) : undefined;
    }
    const needed = settings.triage ? listingWindow(due, now, discovering) : undefined;
    lastWindow = needed === undefined ? undefined : { startTime: needed.startTime };
    if (due.length === 0 && listing === undefined) return false;
    const plan = planPass(due, listing, clock.now());
    if (summary.passes === 0) summary.lagMs = plan.lagMs;
    summary.passes++;
    summary.due += due.length;
    summary.inProgress += plan.inProgress;
    await workThrough(jobsOf(plan));
    return due.length > 0;
  };

  try {
    // The last run's listing window is used at once only when something is due now: an idle run lists nothing.
    if (lastWindow !== undefined) {
      const nextDue = await store.nextDueAt();
      if (nextDue === undefined || nextDue > clock.now() + lookaheadMs) lastWindow = undefined;
    }
    for (;;) {
      const passStartedAt = clock.now();
      const worked = await pass();
      if (stop.signal.aborted) break;
      if (!keepChecking) {
        // Pass after pass until one finds nothing new: tasks that fall due during a long run are taken too.
        if (!worked) break;
        continue;
      }
      // Keep checking until the stop time while anything is open: the next pass comes one check interval
      // after this one began (listed in-progress tasks stay due), or when the next task falls due if later.
      const nextDue = await store.nextDueAt();
      if (nextDue === undefined) break; // nothing open: return at once
      const nextPass = Math.max(
        nextDue - lookaheadMs,
        worked ? passStartedAt + settings.policy.checkIntervalMs : clock.now(),
      );
      if (nextPass >= stopAt) break;
      await sleepUntil(nextPass);
      if (stop.signal.aborted) break;
    }
    if (settings.countOpenTasks) {
      summary.openTasks = await store.countDue().catch((error: unknown) => {
        logger.warn('could not count the open tasks', { error });
        return undefined;
      });
    }
  } finally {
    clearTimeout(stopTimer);
    await deps.lease
      .release(
        run.runId,
        statusGate.carryOver(),
        listGate.carryOver(),
        settings.triage ? lastWindow?.startTime : undefined,
      )
      .catch((error: unknown) => logger.warn('could not release the sweep lease', { error }));
  }

  if (stop.signal.aborted) summary.stoppedBy = stop.signal.reason === 'configuration' ? 'configuration' : 'deadline';
  summary.durationMs = Math.round(clock.now() - startedAt);
  summary.requestsPerSecond = Math.round((summary.requests / Math.max(summary.durationMs, 1000)) * 10_000) / 10;
  summary.peakRequestsPerSecond = statusGate.peakInWindow();
  summary.peakListRequestsPerSecond = listGate.peakInWindow();
  const log = summary.stoppedBy === 'configuration' ? logger.error : logger.info;
  log('sweep finished', { summary });
  return summary;
}
