// What the callback receiver tells CloudWatch, through Powertools Metrics (EMF, one JSON line for an
// invocation that has something to count). The alarms and the dashboard (infra/alarms.yml,
// infra/dashboard.yml) refer to these names; a template test holds them to it. A callback announces nothing
// itself (the sweep does, after asking ZEGO), so it has no outcome figures.
//
// Two metrics, no other dimension than the service: every custom metric (each name with each set of
// dimension values) is billed. Callbacks received are the function's own, free, AWS/Lambda Invocations; the
// ignored ones are received − acted on − refused (metric math on the dashboard); the refusal's reason and the
// action are in the "callback refused" / "callback received" log lines, for Logs Insights
// (docs/operations.md#callbacks-refused).
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { ACTED_ON, type CallbackAction, type RefusalReason } from './callback-vocabulary';

export { REFUSAL_REASONS } from './callback-vocabulary';

export const CALLBACK_METRICS = {
  actedOn: 'CallbacksActedOn',
  refused: 'CallbacksRefused',
} as const;

export interface CallbackFigures {
  refused?: RefusalReason;
  action?: CallbackAction;
}

export function publishCallbackMetrics(metrics: Metrics, figures: CallbackFigures): void {
  if (figures.refused !== undefined) {
    metrics.addMetric(CALLBACK_METRICS.refused, MetricUnit.Count, 1);
  } else if (figures.action !== undefined && ACTED_ON.has(figures.action)) {
    metrics.addMetric(CALLBACK_METRICS.actedOn, MetricUnit.Count, 1);
  }
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}
