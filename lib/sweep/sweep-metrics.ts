// A sweep's figures as CloudWatch metrics, through Powertools Metrics (Embedded Metric Format: one JSON
// line on stdout that CloudWatch turns into metrics, no API call on the hot path). The alarms and the
// dashboard (infra/alarms.yml, infra/dashboard.yml) refer to these names; a template test holds them to it.
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SweepSummary } from './summary';

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

/** Every metric a sweep emits: its unit and how it is read off the run's summary. */
export const SWEEP_METRICS: Record<
  string,
  { unit: Unit; value: (s: SweepSummary, rateLimit: number) => number | undefined }
> = {
  Sweeps: { unit: MetricUnit.Count, value: () => 1 },
  TasksDue: { unit: MetricUnit.Count, value: (s) => s.due },
  TasksChecked: { unit: MetricUnit.Count, value: (s) => s.checked },
  ZegoRequests: { unit: MetricUnit.Count, value: (s) => s.requests },
  RecordingsCompleted: { unit: MetricUnit.Count, value: (s) => s.outcomes['recording.completed'] },
  RecordingsFailed: { unit: MetricUnit.Count, value: (s) => s.outcomes['recording.failed'] },
  RecordingsExpired: { unit: MetricUnit.Count, value: (s) => s.outcomes['recording.expired'] },
  EventsPublished: { unit: MetricUnit.Count, value: (s) => s.published },
  PublishFailures: { unit: MetricUnit.Count, value: (s) => s.publishFailures },
  ZegoTransientErrors: { unit: MetricUnit.Count, value: (s) => s.faults.transient },
  ZegoConfigErrors: { unit: MetricUnit.Count, value: (s) => s.faults.config },
  ZegoTaskErrors: { unit: MetricUnit.Count, value: (s) => s.faults.task },
  RateRefusals: { unit: MetricUnit.Count, value: (s) => s.rateRefusals },
  WriteConflicts: { unit: MetricUnit.Count, value: (s) => s.conflicts },
  MalformedItems: { unit: MetricUnit.Count, value: (s) => s.malformed },
  TaskProcessingErrors: { unit: MetricUnit.Count, value: (s) => s.errors },
  FilesTruncated: { unit: MetricUnit.Count, value: (s) => s.filesTruncated },
  PeakRequestsPerSecond: { unit: MetricUnit.CountPerSecond, value: (s) => s.peakRequestsPerSecond },
  RateLimit: { unit: MetricUnit.CountPerSecond, value: (_s, limit) => limit },
  RateBudgetUsed: {
    unit: MetricUnit.Percent,
    value: (s, limit) => Math.round((s.peakRequestsPerSecond / limit) * 1000) / 10,
  },
  SweepDuration: { unit: MetricUnit.Milliseconds, value: (s) => s.durationMs },
  SweepLag: { unit: MetricUnit.Seconds, value: (s) => Math.round(s.lagMs / 100) / 10 },
  OpenTasks: { unit: MetricUnit.Count, value: (s) => s.openTasks },
  SweepPasses: { unit: MetricUnit.Count, value: (s) => s.passes },
  TasksListedInProgress: { unit: MetricUnit.Count, value: (s) => s.inProgress },
  ZegoListRequests: { unit: MetricUnit.Count, value: (s) => s.listRequests },
  ListingFailures: { unit: MetricUnit.Count, value: (s) => s.listingFailures },
  TasksDiscovered: { unit: MetricUnit.Count, value: (s) => s.discovered },
  PeakListRequestsPerSecond: { unit: MetricUnit.CountPerSecond, value: (s) => s.peakListRequestsPerSecond },
  // Task ids a callback named that ZEGO does not know (or never answered for): a leaked CallbackSecret shows here.
  CandidatesDropped: { unit: MetricUnit.Count, value: (s) => s.candidates.dropped },
};
/** Emitted instead of the above by a run that found another sweep holding the lease. */
export const SKIPPED_METRIC = 'SweepsSkipped';

export function publishSweepMetrics(metrics: Metrics, summary: SweepSummary, rateLimit: number): void {
  if (summary.skipped !== undefined) {
    metrics.addMetric(SKIPPED_METRIC, MetricUnit.Count, 1);
  } else {
    for (const [name, { unit, value }] of Object.entries(SWEEP_METRICS)) {
      const figure = value(summary, rateLimit);
      if (figure !== undefined) metrics.addMetric(name, unit, figure);
    }
  }
  metrics.publishStoredMetrics();
}
