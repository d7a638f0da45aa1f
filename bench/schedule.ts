// The stand-in for EventBridge in the latency and capacity scenarios: invokes the sweep in its warm
// container every period (a tick that finds the previous run still going is skipped, as the lease would
// skip a second container) until `done()` or the hard stop, and collects the runs' summaries.
import type { SweepSummary } from '../lib/sweep/summary';
import type { Container } from './container';
import type { InvokeReport } from './lambda-runtime';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

export interface Schedule {
  container: Container;
  /** Time from one tick to the next. */
  periodMs: number;
  /** The remaining time each invocation is given (its Lambda timeout). */
  remainingMs: number;
  /** Epoch ms the ticks count from. */
  startedAt: number;
  /** Epoch ms after which no tick starts, done or not. */
  hardStop: number;
  done: () => boolean;
  /** Names the scenario in an error. */
  label: string;
}

export async function runOnSchedule(
  schedule: Schedule,
): Promise<{ summaries: SweepSummary[]; reports: InvokeReport[]; skippedTicks: number }> {
  const summaries: SweepSummary[] = [];
  const reports: InvokeReport[] = [];
  let skippedTicks = 0;
  let running: Promise<void> | undefined;
  for (let tick = 0; !schedule.done() && Date.now() < schedule.hardStop; tick++) {
    if (running !== undefined) skippedTicks++;
    else {
      running = schedule.container.invoke({}, schedule.remainingMs).then((report) => {
        if (report.error) throw new Error(`${schedule.label}: a sweep failed: ${report.error}`);
        summaries.push(report.result as SweepSummary);
        reports.push(report);
        running = undefined;
      });
      running.catch(() => undefined);
    }
    await sleep(schedule.startedAt + (tick + 1) * schedule.periodMs - Date.now());
  }
  await running;
  return { summaries, reports, skippedTicks };
}
