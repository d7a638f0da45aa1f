// Taking the sweep's lease: one run at a time spends the AppId's budget.
import type { Clock } from '../clock';
import type { LeaseHandOver, SweepLease } from '../store/task-store';

/**
 * How long the lease (and an outcome's publish claim) outlives the run's hard deadline: a run killed by its
 * timeout still keeps others out until it is surely gone.
 */
export const LEASE_GRACE_MS = 5_000;
/** How often a run waiting for the lease asks again. */
const LEASE_RETRY_MS = 500;
/** A holder that stops taking work later than this counts as taking work. */
const STOPPING_MARGIN_MS = 2_000;

export interface LeaseRequest {
  runId: string;
  /** When the run is killed, and when it stops taking work (epoch ms). */
  deadline: number;
  stopAt: number;
  /** How long a run a callback started may wait for a stopping holder (0: not at all). */
  waitForLeaseMs: number;
}

/**
 * Takes the lease. A run a callback started, finding it held by a run that is stopping, waits for it to be let
 * go (never past its own stop time); finding it held by a run still taking work, it leaves the hint to that run.
 */
export async function takeLease(
  lease: SweepLease,
  clock: Clock,
  run: LeaseRequest,
): Promise<LeaseHandOver | undefined> {
  const { stopAt } = run;
  const giveUpAt = Math.min(clock.now() + run.waitForLeaseMs, stopAt);
  for (;;) {
    const taken = await lease.acquire(run.runId, clock.now(), run.deadline + LEASE_GRACE_MS, stopAt);
    if (taken !== undefined || clock.now() + LEASE_RETRY_MS > giveUpAt) return taken;
    const holder = await lease.state();
    if (holder.stopsAt !== undefined && holder.stopsAt > clock.now() + STOPPING_MARGIN_MS) return undefined;
    await clock.sleep(LEASE_RETRY_MS);
  }
}
