// What one sweep run did: returned by the handler and logged as one JSON line.
import type { OutcomeEventType } from '../task/task';

export interface SweepSummary {
  runId: string;
  skipped?: string;
  /** Passes over the due tasks (a run keeps passing until its stop time while anything is open). */
  passes: number;
  /** Tasks read from the due index, summed over the passes. */
  due: number;
  /** Due tasks that DescribeTasks listed as not ended: no status request (summed over the passes). */
  inProgress: number;
  /** DescribeTasks HTTP attempts (triage's listings). */
  listRequests: number;
  /** Passes whose listing failed, or came back incomplete (their unlisted tasks were checked instead). */
  listingFailures: number;
  /** Recordings the listing found that nobody tracked, tracked now (DISCOVER_TASKS=on). */
  discovered: number;
  /** Tasks that got an answer (or a transient/task fault) from ZEGO. */
  checked: number;
  /** Of those, checks a callback's hint asked for (hinted tasks, and their quick follow-ups). */
  hinted: number;
  /** Hints that ZEGO's listing, asked for after them, showed wrong (the recording still going): no request. */
  hintsSuperseded: number;
  /** Task ids a callback named that nobody tracked: asked about, tracked (ZEGO knows them), dropped (it does not, or never answered). */
  candidates: { checked: number; tracked: number; dropped: number };
  /** HTTP attempts sent to ZEGO (a stale-socket retry is a second attempt). */
  requests: number;
  /** Requests over the run's duration (at least one second). */
  requestsPerSecond: number;
  /** The most requests started within any one rolling second: what the rate limit bounds. */
  peakRequestsPerSecond: number;
  /** The same for DescribeTasks, bounded by ZEGO_DESCRIBE_TASKS_RATE_LIMIT. */
  peakListRequestsPerSecond: number;
  /** How overdue the most overdue task needing work was in the run's first pass (listed in-progress tasks excluded; 0 when nothing was due). */
  lagMs: number;
  /** Tasks still needing work after the run, counted from the due index (only on counting runs). */
  openTasks?: number;
  outcomes: Record<OutcomeEventType, number>;
  published: number;
  /** Outcomes recorded by an earlier run and announced by this one. */
  republished: number;
  publishFailures: number;
  faults: { transient: number; task: number; config: number };
  lastConfigFault?: string;
  rateRefusals: number;
  /** Writes that lost to a concurrent writer (the task was left to it). */
  conflicts: number;
  malformed: number;
  /** Tasks whose processing threw: each is set aside with backoff and reported once per step. */
  errors: number;
  /** Tasks recorded whose files did not all fit in an item, even compressed (kept: as many as fit). */
  filesTruncated: number;
  stoppedBy?: 'deadline' | 'configuration';
  durationMs: number;
}

export function emptySummary(runId: string): SweepSummary {
  return {
    runId,
    passes: 0,
    due: 0,
    inProgress: 0,
    listRequests: 0,
    listingFailures: 0,
    discovered: 0,
    checked: 0,
    hinted: 0,
    hintsSuperseded: 0,
    candidates: { checked: 0, tracked: 0, dropped: 0 },
    requests: 0,
    requestsPerSecond: 0,
    peakRequestsPerSecond: 0,
    peakListRequestsPerSecond: 0,
    lagMs: 0,
    outcomes: { 'recording.completed': 0, 'recording.failed': 0, 'recording.expired': 0 },
    published: 0,
    republished: 0,
    publishFailures: 0,
    faults: { transient: 0, task: 0, config: 0 },
    rateRefusals: 0,
    conflicts: 0,
    malformed: 0,
    errors: 0,
    filesTruncated: 0,
    durationMs: 0,
  };
}
