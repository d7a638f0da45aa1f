// A sweep's figures as CloudWatch metrics, through Powertools Metrics (Embedded Metric Format: one JSON
// line on stdout that CloudWatch turns into metrics, no API call on the hot path). The alarms and the
// dashboard (infra/alarms.yml, infra/dashboard.yml) refer to these names; a template test holds them to it.
//
// CloudWatch bills every custom metric for each hour it is published, so a sweep publishes only the figures
// an alarm or a dashboard graph reads, and only when they are not zero: an idle run (nothing due, nothing
// checked, no outcome, no error) and a skipped run publish nothing, and every alarm on these treats missing
// data as not breaching. Everything else a run did is in its summary log line ("sweep finished" /
// "sweep skipped"), for Logs Insights (docs/operations.md#metrics). The runs themselves, their duration and
// their failures are the function's own, free, AWS/Lambda metrics.
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SweepSummary } from './summary';

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

/** Every metric a sweep can publish: its unit, how it is read off the run's summary, and what reads it. */
export const SWEEP_METRICS: Record<string, { unit: Unit; value: (s: SweepSummary) => number | undefined }> = {
  // Alarms (infra/alarms.yml), and the dashboard.
  ZegoConfigErrors: { unit: MetricUnit.Count, value: (s) => s.faults.config },
  SweepLag: { unit: MetricUnit.Seconds, value: (s) => Math.round(s.lagMs / 100) / 10 },
  TaskProcessingErrors: { unit: MetricUnit.Count, value: (s) => s.errors },
  FilesTruncated: { unit: MetricUnit.Count, value: (s) => s.filesTruncated },
  ListingFailures: { unit: MetricUnit.Count, value: (s) => s.listingFailures },
  PublishFailures: { unit: MetricUnit.Count, value: (s) => s.publishFailures },
  RateRefusals: { unit: MetricUnit.Count, value: (s) => s.rateRefusals },
  // The dashboard (infra/dashboard.yml) only.
  PeakRequestsPerSecond: { unit: MetricUnit.CountPerSecond, value: (s) => s.peakRequestsPerSecond },
  TasksChecked: { unit: MetricUnit.Count, value: (s) => s.checked },
  OpenTasks: { unit: MetricUnit.Count, value: (s) => s.openTasks },
  EventsPublished: { unit: MetricUnit.Count, value: (s) => s.published },
  ZegoTransientErrors: { unit: MetricUnit.Count, value: (s) => s.faults.transient },
  // Task ids a callback named that ZEGO does not know (or never answered for): a leaked CallbackSecret shows here.
  CandidatesDropped: { unit: MetricUnit.Count, value: (s) => s.candidates.dropped },
};

/**
 * Publishes the run's non-zero figures; a skipped run, or one with nothing to say, publishes nothing. The rate
 * limit is not a metric: it is configuration (ZEGO_RATE_LIMIT), a line on the dashboard's graph.
 */
export function publishSweepMetrics(metrics: Metrics, summary: SweepSummary): void {
  if (summary.skipped !== undefined) return;
  for (const [name, { unit, value }] of Object.entries(SWEEP_METRICS)) {
    const figure = value(summary);
    if (figure !== undefined && figure > 0) metrics.addMetric(name, unit, figure);
  }
  // Never an empty document (Powertools would warn about it every minute).
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}
