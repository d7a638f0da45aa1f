// One sweep run, as a pipeline: take the lease; pass over the due tasks until the stop time while anything
// is open (due → list → plan → jobs → pool), while a feed hands the pool what callbacks asked about; then
// give the lease back, with both rate windows' tails, and say what the run did. The parts hold their own
// state: the credential guard (lib/sweep/credential-guard.ts), the worker pool (worker-pool.ts), the tally
// (tally.ts), the passes (passes.ts), the hint feed (hint-feed.ts); the rules live in the task core.
import { sleepUnless } from '../clock';
import type { Logger } from '../log';
import type { NextWork } from '../store/task-store';
import { hintCap } from '../task/hint';
import { createRecorder } from '../task/recorder';
import { createChecks } from './checks';
import { createCredentialGuard } from './credential-guard';
import { HINT_LOOK_EVERY_MS, startHintFeed } from './hint-feed';
import { candidateJob, hintJob } from './jobs';
import { createPasses } from './passes';
import { createRequestGate } from './request-gate';
import { type RunOptions, type SweepDeps, type SweepSettings, stopReserveMs } from './run-inputs';
import type { SweepSummary } from './summary';
import { LEASE_GRACE_MS, takeLease } from './take-lease';
import { createTally } from './tally';
import { createWorkerPool } from './worker-pool';

/** The most a pass reads ahead of now. */
const LOOKAHEAD_MAX_MS = 5_000;

export async function runSweep(deps: SweepDeps, settings: SweepSettings, run: RunOptions): Promise<SweepSummary> {
  const { store, clock, logger } = deps;
  const startedAt = clock.now();
  const tally = createTally(run.runId);
  const { summary } = tally;
  const stopAt = run.deadline - stopReserveMs(settings.zegoTimeoutMs);
  const skip = (why: string, log: Logger['info']): SweepSummary => {
    summary.skipped = why;
    summary.durationMs = Math.round(clock.now() - startedAt);
    log('sweep skipped', { summary });
    return summary;
  };
  // A check started now could not end by the deadline: nothing is taken (lib/config.ts refuses such settings).
  if (stopAt <= startedAt) return skip('no time to work: the stop reserve exceeds the time left', logger.error);

  // The stop timer (a real one: it keeps the process alive while the run waits or works).
  const stop = new AbortController();
  const stopTimer = setTimeout(() => stop.abort('deadline'), Math.max(0, stopAt - clock.now()));

  // 1. The lease: one sweep at a time spends the AppId's budget.
  const waitForLeaseMs = run.startedByHint?.waitForLeaseMs ?? 0;
  const lease = await takeLease(deps.lease, clock, {
    runId: run.runId,
    deadline: run.deadline,
    stopAt,
    waitForLeaseMs,
  });
  if (lease === undefined) {
    clearTimeout(stopTimer);
    return skip('another sweep holds the lease', logger.info);
  }

  // 2. The parts, wired.
  const limits = { concurrency: settings.concurrency, clock };
  const statusGate = createRequestGate({ ...limits, limit: settings.rateLimit, carriedOver: lease.carriedOver });
  const listLimits = { ...limits, limit: settings.listRateLimit, carriedOver: lease.carriedOverListing };
  const listGate = createRequestGate(listLimits);
  const guard = createCredentialGuard({
    client: deps.zego,
    ...(deps.refreshCredentials ? { refresh: deps.refreshCredentials } : {}),
    stop: () => stop.abort('configuration'),
    signal: stop.signal,
    logger,
  });
  const retryAfterMs = settings.policy.checkIntervalMs;
  const recorder = createRecorder({
    store,
    publishers: deps.publishers,
    appId: settings.appId,
    clock,
    logger,
    retryAfterMs,
  });
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
  let closings = 0;
  closed.addEventListener('closed', () => {
    closings++;
    lingerUntil = Math.max(lingerUntil, clock.now() + lingerMs);
  });
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
    hintJob: (task) => hintJob(checks, task, passes.latestListing(), clock.now()),
    candidateJob: (candidate) => candidateJob(checks, candidate),
    malformed: checks.malformed,
    isStale: checks.isStale,
  });

  // 3. Passes until the stop time while anything is open; hints are served in between.
  try {
    const first = await store.nextWork();
    // The last run's listing window is used at once only when something is due now: an idle run lists nothing.
    if (first.due === undefined || first.due > clock.now() + lookaheadMs) passes.forgetListingFrom();
    // Nothing open, hinted or named (and nothing to discover): an idle run returns at once.
    let nextPassAt = !anyWork(first) && !settings.discover && lingerMs === 0 ? Infinity : clock.now();
    let earliestPass = clock.now();
    for (;;) {
      if (nextPassAt === Infinity) break;
      if (clock.now() >= nextPassAt) {
        const passStartedAt = clock.now();
        const worked = await passes.pass();
        if (stop.signal.aborted) break;
        if (!settings.keepChecking) {
          // Pass after pass until one finds nothing new: tasks that fall due during a long run are taken too.
          if (worked) continue;
          break;
        }
        // The next pass: one check interval after a pass that found work (listed in-progress tasks stay due);
        // after one that found none, not before the next task falls due, nor within a second.
        earliestPass = worked ? passStartedAt + settings.policy.checkIntervalMs : clock.now() + HINT_LOOK_EVERY_MS;
      }
      // Keep checking until the stop time while anything is open; hinted tasks and candidates are the feed's.
      const closedBefore = closings;
      const next = await store.nextWork();
      if (closings !== closedBefore) continue; // a task closed meanwhile: look again before sleeping
      const idle = !anyWork(next) && pool.idle();
      // Nothing open, hinted or named: return at once (a run a callback started stays a few seconds more).
      if (idle && clock.now() >= lingerUntil) break;
      const dueAt = next.due === undefined ? clock.now() + settings.policy.checkIntervalMs : next.due - lookaheadMs;
      nextPassAt = Math.max(earliestPass, dueAt);
      if (idle) nextPassAt = Math.min(nextPassAt, lingerUntil);
      // Woken early when a job closes a task or the pool runs dry: the run may have nothing left open.
      const woken = new AbortController();
      const wake = (): void => woken.abort();
      closed.addEventListener('closed', wake, { once: true });
      if (!pool.idle()) void pool.drained().then(wake);
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
    // 4. Hand over. From now on a callback finds this run stopping, and starts another: what came before
    // that, one last look takes. No request in flight is abandoned; the lease goes back with the windows' tails.
    clearTimeout(stopTimer);
    if (!stop.signal.aborted && clock.now() < stopAt) {
      await deps.lease.stopping(run.runId, clock.now()).catch(() => undefined);
      await feed.finish();
      await pool.drained();
    }
    await feed.stop();
    await pool.close();
    await deps.lease
      .release(run.runId, statusGate.carryOver(), listGate.carryOver(), passes.listingFrom())
      .catch((error: unknown) => logger.warn('could not release the sweep lease', { error }));
  }

  const reason = stop.signal.reason === 'configuration' ? 'configuration' : 'deadline';
  const stoppedBy = stop.signal.aborted ? reason : undefined;
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

/** Whether anything is open, hinted or named by a callback. */
const anyWork = (next: NextWork): boolean =>
  next.due !== undefined || next.hinted !== undefined || next.candidate !== undefined;
