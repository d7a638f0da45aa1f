// What a run did, counted as it goes: the one place that turns answers and writes into the run's summary.
import type { Recorded } from '../task/recorder';
import type { OutcomeEventType } from '../task/task';
import type { DescribeResult } from '../zego/types';
import { emptySummary, type SweepSummary } from './summary';

export interface Tally {
  readonly summary: SweepSummary;
  /**
   * A status request's answer (or fault): its attempts are counted whatever it was; it counts as a check unless
   * it was not one (a configuration fault, or a request the run's stop cut short). `hinted` when a callback's
   * hint asked for it, `candidate` when it was about a candidate.
   */
  answered(result: DescribeResult, how: { hinted?: boolean; candidate?: boolean; stopped?: boolean }): void;
  /** What the recorder did; `outcome` when the decision closed the task (counted once it is announced or pending). */
  recorded(recorded: Recorded, outcome?: OutcomeEventType): Recorded;
  /** The end of the run: how long it took, what it spent at its peak, and why it stopped. */
  finish(figures: {
    durationMs: number;
    peakRequestsPerSecond: number;
    peakListRequestsPerSecond: number;
    stoppedBy?: SweepSummary['stoppedBy'];
    /** Configuration faults that stopped the run, and the last one's message (the credential guard's). */
    configFaults: { count: number; last?: string };
  }): SweepSummary;
}

export function createTally(runId: string): Tally {
  const summary = emptySummary(runId);
  return {
    summary,
    answered(result, { hinted = false, candidate = false, stopped = false }) {
      summary.requests += result.attempts;
      // A configuration fault is the run's, not the task's: the credential guard counts it (finish).
      if (result.kind === 'config' || (stopped && result.kind === 'transient')) return;
      if (candidate) summary.candidates.checked++;
      else {
        summary.checked++;
        if (hinted) summary.hinted++;
      }
      if (result.kind === 'ok') return;
      if (!candidate) summary.faults[result.kind]++;
      if (result.rateRefused) summary.rateRefusals++;
    },
    recorded(recorded, outcome) {
      summary.conflicts += recorded.conflicts;
      if (recorded.task?.filesTruncated === true) summary.filesTruncated++;
      if (recorded.announced === 'published') summary.published++;
      if (recorded.announced === 'failed') summary.publishFailures++;
      if (outcome !== undefined && recorded.announced !== undefined) summary.outcomes[outcome]++;
      return recorded;
    },
    finish({ durationMs, peakRequestsPerSecond, peakListRequestsPerSecond, stoppedBy, configFaults }) {
      if (stoppedBy !== undefined) summary.stoppedBy = stoppedBy;
      summary.faults.config = configFaults.count;
      if (configFaults.last !== undefined) summary.lastConfigFault = configFaults.last;
      summary.durationMs = Math.round(durationMs);
      summary.requestsPerSecond = Math.round((summary.requests / Math.max(summary.durationMs, 1000)) * 10_000) / 10;
      summary.peakRequestsPerSecond = peakRequestsPerSecond;
      summary.peakListRequestsPerSecond = peakListRequestsPerSecond;
      return summary;
    },
  };
}
