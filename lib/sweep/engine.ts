// One sweep run, as a pipeline: take the lease; pass over the due tasks until the stop time while anything
// is open (due → list → plan → jobs → pool), while a feed hands the pool what callbacks asked about; then
// give the lease back, with both rate windows' tails, and say what the run did. The parts hold their own
// state: the credential guard (lib/sweep/credential-guard.ts), the worker pool (worker-pool.ts), the tally
// (tally.ts), the passes (passes.ts), the hint feed (hint-feed.ts); the rules live in the task core.
import { type Clock, sleepUnless } from '../clock';
import type { EventPublisher } from '../events/publisher';
import type { Logger } from '../log';
import type { LeaseHandOver, SweepLease, TaskStore } from '../store/task-store';
import type { CheckPolicy } from '../task/backoff';
import { hintCap } from '../task/hint';
import { createRecorder } from '../task/recorder';
import type { ZegoClient } from '../zego/types';
import { createChecks } from './checks';
import { createCredentialGuard } from './credential-guard';
import { HINT_LOOK_EVERY_MS, startHintFeed } from './hint-feed';
import { createPasses, taskJob } from './passes';
import { planHint } from './planner';
import { createRequestGate } from './request-gate';
import type { SweepSummary } from './summary';
import { createTally } from './tally';
import { createWorkerPool } from './worker-pool';

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

/** The run's settings, as lib/config.ts resolved them (the engine applies no defaults of its own). */
export interface SweepSettings {
  rateLimit: number;
  concurrency: number;
  policy: CheckPolicy;
  /** ZEGO_TIMEOUT_MS: one attempt's longest wait; a check may take two attempts. */
  zegoTimeoutMs: number;
  /** SWEEP_TRIAGE: list the recordings in progress with DescribeTasks first, each pass. */
  triage: boolean;
  /** ZEGO_DESCRIBE_TASKS_RATE_LIMIT. */
  listRateLimit: number;
  /** DISCOVER_TASKS: track every listed recording, registered or not. */
  discover: boolean;
  /**
   * SWEEP_KEEP_CHECKING: pass again every CHECK_INTERVAL_SECONDS, serving hints in between, until the stop
   * time while anything is open. Off: one sweep over what is due, each task at most once, then return.
   */
  keepChecking: boolean;
  pageSize?: number;
  /** Count the tasks still needing work after this run (a COUNT query of the due index). */
  countOpenTasks?: boolean;
}

export interface RunOptions {
  runId: string;
  /** Epoch ms at which the run is killed (Lambda: now + getRemainingTimeInMillis()). */
  deadline: number;
  /**
   * A run a callback started because no run was taking work. It waits up to `waitForLeaseMs` for a holder that
   * is stopping to let go (a holder still taking work serves the hint itself: the run then returns at once),
   * and with nothing left to do it stays `lingerMs` after its start and its last outcome, for the hints that
   * arrive meanwhile (callbacks ask for at most one start every few seconds).
   */
  startedByHint?: { waitForLeaseMs: number; lingerMs: number };
}

/** Time kept back at the end of a run for writes, publishing and returning. */
const WRITE_RESERVE_MS = 2_000;
/** How long the lease (and an outcome's publish claim) outlives the run's hard deadline: a killed run keeps others out until surely gone. */
const LEASE_GRACE_MS = 5_000;
/** The most a pass reads ahead of now. */
const LOOKAHEAD_MAX_MS = 5_000;
/** How often a run waiting for the lease asks again. */
const LEASE_RETRY_MS = 500;
/** A holder that stops taking work later than this counts as taking work. */
const STOPPING_MARGIN_MS = 2_000;

/** Stop taking work this long before the deadline: a check started then (two attempts at most) still ends in time. */
export function stopReserveMs(zegoTimeoutMs: number): number {
  return 2 * zegoTimeoutMs + WRITE_RESERVE_MS;
}

export async function runSweep(deps: SweepDeps, settings: SweepSettings, run: RunOptions): Promise<SweepSummary> {
  const { store, clock, logger } = deps;
  const startedAt = clock.now();
  const tally = createTally(run.runId);
  const { summary } = tally;
  const stopAt = run.deadline - stopReserveMs(settings.zegoTimeoutMs);

  // The stop timer (a real one: it keeps the process alive while the run waits or works).
  const stop = new AbortController();
  const stopTimer = setTimeout(() => stop.abort('deadline'), Math.max(0, stopAt - clock.now()));

  // 1. The lease: one sweep at a time spends the AppId's budget.
  const lease = await takeLease(deps.lease, clock, run, stopAt);
  if (lease === undefined) {
    clearTimeout(stopTimer);
    summary.skipped = 'another sweep holds the lease';
    summary.durationMs = Math.round(clock.now() - startedAt);
    logger.info('sweep skipped', { summary });
    return summary;
  }

  // 2. The parts, wired.
  const limits = { concurrency: settings.concurrency, clock };
  const statusGate = createRequestGate({ ...limits, limit: settings.rateLimit, carriedOver: lease.carriedOver });
  const listGate = createRequestGate({
    ...limits,
    limit: settings.listRateLimit,
    carriedOver: lease.carriedOverListing,
  });
  const guard = createCredentialGuard({
    client: deps.zego,
    ...(deps.refreshCredentials ? { refresh: deps.refreshCredentials } : {}),
    stop: () => stop.abort('configuration'),
    signal: stop.signal,
    logger,
  });
  const retryAfterMs = settings.policy.checkIntervalMs;
  const recorder = createRecorder({ store, publisher: deps.publisher, clock, logger, retryAfterMs });
  const closed = new EventTarget(); // a job closed a task: the run may have nothing left open
  const checks = createChecks({
    store,
    recorder,
    guard,
    gates: { status: guard.gated(statusGate), list: guard.gated(listGate) },
    tally,
    clock,
    policy: settings.policy,
    random: deps.random,
    logger,
    claimUntil: run.deadline + LEASE_GRACE_MS,
    signal: stop.signal,
    onClosed: () => closed.dispatchEvent(new Event('closed')),
  });
  const pool = createWorkerPool({
    concurrency: settings.concurrency,
    hintCap: hintCap(settings.rateLimit),
    clock,
    signal: stop.signal,
  });
  const lookaheadMs = settings.keepChecking ? Math.min(LOOKAHEAD_MAX_MS, settings.policy.checkIntervalMs / 2) : 0;
  const lingerMs = run.startedByHint?.lingerMs ?? 0;
  let lingerUntil = startedAt + lingerMs;
  closed.addEventListener('closed', () => (lingerUntil = Math.max(lingerUntil, clock.now() + lingerMs)));
  const passes = createPasses({
    store,
    pool,
    checks,
    guard,
    listGate: guard.gated(listGate),
    tally,
    clock,
    logger,
    signal: stop.signal,
    settings: { ...settings, pageSize: settings.pageSize ?? 100, lookaheadMs },
    ...(lease.listingFrom === undefined ? {} : { listingFrom: lease.listingFrom }),
  });
  const feed = startHintFeed({
    store,
    pool,
    clock,
    signal: stop.signal,
    logger,
    batch: Math.max(2 * settings.concurrency, 2 * hintCap(settings.rateLimit)),
    hintJob: (task) => taskJob(checks, planHint(task, passes.latestListing(), clock.now()), true),
    candidateJob: (candidate) => ({
      key: `candidate:${candidate.taskId}`,
      run: () => checks.confirm(candidate),
      onError: (error) => checks.candidateFailed(candidate, error),
    }),
    malformed: checks.malformed,
  });

  // 3. Passes until the stop time while anything is open; hints are served in between.
  try {
    const first = await store.nextWork();
    // The last run's listing window is used at once only when something is due now: an idle run lists nothing.
    if (first.due === undefined || first.due > clock.now() + lookaheadMs) passes.forgetListingFrom();
    // Nothing open, hinted or named (and nothing to discover): an idle run returns at once.
    const idle = first.due === undefined && first.hinted === undefined && first.candidate === undefined;
    let nextPassAt = idle && !settings.discover && lingerMs === 0 ? Infinity : clock.now();
    for (;;) {
      if (nextPassAt === Infinity) break;
      if (clock.now() >= nextPassAt) {
        const passStartedAt = clock.now();
        const worked = await passes.pass();
        if (stop.signal.aborted) break;
        if (!settings.keepChecking) {
          // Pass after pass until one finds nothing new: tasks that fall due during a long run are taken too.
          if (worked) continue;
          await feed.finish(); // what callbacks asked about meanwhile is done before the run returns
          await pool.drained();
          break;
        }
        nextPassAt = worked ? passStartedAt + settings.policy.checkIntervalMs : clock.now();
      }
      // Keep checking until the stop time while anything is open: the next pass comes one check interval after
      // this one began (listed in-progress tasks stay due), or when the next task falls due if later.
      const next = await store.nextWork();
      const open = next.due !== undefined || next.hinted !== undefined || next.candidate !== undefined;
      if (!open && pool.idle()) {
        // Nothing open, hinted or named: return at once (a run a callback started stays a few seconds more).
        if (clock.now() >= lingerUntil) break;
        nextPassAt = Math.min(lingerUntil, clock.now() + HINT_LOOK_EVERY_MS);
      }
      if (next.due !== undefined) nextPassAt = Math.max(nextPassAt, next.due - lookaheadMs);
      const woken = new AbortController();
      const wake = (): void => woken.abort();
      closed.addEventListener('closed', wake, { once: true });
      await sleepUnless(clock, Math.min(nextPassAt, stopAt) - clock.now(), stop.signal, woken.signal);
      closed.removeEventListener('closed', wake);
      if (stop.signal.aborted || clock.now() >= stopAt) break;
    }
    if (settings.countOpenTasks) {
      summary.openTasks = await store.countDue().catch((error: unknown) => {
        logger.warn('could not count the open tasks', { error });
        return undefined;
      });
    }
  } finally {
    // 4. Hand over: no request in flight is abandoned, then the lease goes back with the windows' tails.
    clearTimeout(stopTimer);
    await feed.stop();
    await pool.close();
    await deps.lease
      .release(run.runId, statusGate.carryOver(), listGate.carryOver(), passes.listingFrom())
      .catch((error: unknown) => logger.warn('could not release the sweep lease', { error }));
  }

  const stoppedBy = stop.signal.aborted
    ? stop.signal.reason === 'configuration'
      ? 'configuration'
      : 'deadline'
    : undefined;
  tally.finish({
    durationMs: clock.now() - startedAt,
    peakRequestsPerSecond: statusGate.peakInWindow(),
    peakListRequestsPerSecond: listGate.peakInWindow(),
    ...(stoppedBy ? { stoppedBy } : {}),
    configFaults: guard.faults,
  });
  (stoppedBy === 'configuration' ? logger.error : logger.info)('sweep finished', { summary });
  return summary;
}

/**
 * Takes the lease. A run a callback started, finding it held by a run that is stopping, waits for it to be let
 * go (never past its own stop time); finding it held by a run still taking work, it leaves the hint to that run.
 */
async function takeLease(
  lease: SweepLease,
  clock: Clock,
  run: RunOptions,
  stopAt: number,
): Promise<LeaseHandOver | undefined> {
  const giveUpAt = Math.min(clock.now() + (run.startedByHint?.waitForLeaseMs ?? 0), stopAt);
  for (;;) {
    const taken = await lease.acquire(run.runId, clock.now(), run.deadline + LEASE_GRACE_MS, stopAt);
    if (taken !== undefined || clock.now() + LEASE_RETRY_MS > giveUpAt) return taken;
    const holder = await lease.state();
    if (holder.stopsAt !== undefined && holder.stopsAt > clock.now() + STOPPING_MARGIN_MS) return undefined;
    await clock.sleep(LEASE_RETRY_MS);
  }
}
