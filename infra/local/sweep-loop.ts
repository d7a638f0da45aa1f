// The local stand-in for the EventBridge schedule: invokes the real sweep handler every few seconds, with
// the deployed function's 60 s budget, and prints one progress line per run. Runs never overlap here (the
// next waits for the last); the deployed sweep's lease would keep overlapping runs apart anyway.
import { randomUUID } from 'node:crypto';
import type { SweepSummary } from '../../lib/sweep/summary';
import { clock, type Terminal } from './terminal';

export type SweepHandler = (
  event: unknown,
  context: { awsRequestId: string; getRemainingTimeInMillis(): number },
) => Promise<SweepSummary>;

export interface SweepLoop {
  /**
   * A run now, with this event, as the deployed sweep is invoked when a callback finds no run taking work:
   * at once when none is running, else right after the one running (runs never overlap here).
   */
  nudge(event: unknown): void;
  /** No new run starts; resolves once a run in progress has ended, or after `waitMs` if it has not. */
  stop(waitMs: number): Promise<void>;
}

export interface SweepLoopOptions {
  handler: SweepHandler;
  intervalMs: number;
  /** ZEGO_RATE_LIMIT, to show how much of it a run used. */
  rateLimit: number;
  terminal: Terminal;
  /** The sweep function's timeout in serverless.yml. */
  budgetMs?: number;
}

export function startSweepLoop({
  handler,
  intervalMs,
  rateLimit,
  terminal,
  budgetMs = 60_000,
}: SweepLoopOptions): SweepLoop {
  const { paint } = terminal;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let nudged: unknown;

  async function runOnce(event: unknown): Promise<void> {
    const startedAt = Date.now();
    const deadline = startedAt + budgetMs;
    try {
      const summary = await handler(event, {
        awsRequestId: randomUUID(),
        getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      });
      report(summary);
    } catch (error) {
      // As on the deployed schedule, a failed run is not retried: the next one comes at its time.
      const reason =
        error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error);
      terminal.warn(`${paint.dim(clock())} ${paint.red('sweep failed')}  ${reason}`);
    }
  }

  function report(summary: SweepSummary): void {
    const time = paint.dim(clock());
    if (summary.skipped !== undefined) {
      terminal.say(`${time} sweep skipped: ${summary.skipped} (it lets go within a minute)`);
      return;
    }
    const outcomes = Object.values(summary.outcomes).reduce((sum, n) => sum + n, 0);
    const problems = [
      summary.faults.transient > 0 ? `transient ZEGO faults ${summary.faults.transient}` : undefined,
      summary.faults.task > 0 ? `ZEGO task errors ${summary.faults.task}` : undefined,
      summary.faults.config > 0
        ? `ZEGO rejected our configuration ${summary.faults.config}× (${summary.lastConfigFault ?? 'no detail'})`
        : undefined,
      summary.rateRefusals > 0 ? `rate refusals ${summary.rateRefusals}` : undefined,
      summary.publishFailures > 0 ? `publish failures ${summary.publishFailures}` : undefined,
    ].filter((problem) => problem !== undefined);
    const line =
      `${time} sweep  due ${summary.due} · checked ${summary.checked} · outcomes ${outcomes} · ` +
      `${summary.peakRequestsPerSecond} of ${rateLimit} req/s · ${summary.durationMs} ms` +
      (problems.length > 0 ? `  ${paint.yellow(problems.join(' · '))}` : '');
    // Idle runs replace each other on a terminal, so events and work stay in view.
    if (summary.due === 0 && problems.length === 0) terminal.status(line);
    else terminal.say(line);
  }

  function schedule(delayMs: number): void {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const startedAt = Date.now();
      const event = nudged ?? {};
      nudged = undefined;
      running = runOnce(event).finally(() => {
        running = undefined;
        if (!stopped) schedule(nudged === undefined ? Math.max(0, intervalMs - (Date.now() - startedAt)) : 0);
      });
    }, delayMs);
  }

  schedule(0);
  return {
    nudge(event) {
      if (stopped) return;
      nudged = event;
      if (running === undefined) schedule(0);
    },
    async stop(waitMs) {
      stopped = true;
      clearTimeout(timer);
      if (running === undefined) return;
      let waited: NodeJS.Timeout | undefined;
      await Promise.race([running, new Promise<void>((resolve) => (waited = setTimeout(resolve, waitMs)))]);
      clearTimeout(waited);
    },
  };
}
