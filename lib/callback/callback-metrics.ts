// What the callback receiver tells CloudWatch, through Powertools Metrics (EMF, one JSON line per
// invocation). The alarms and the dashboard (infra/alarms.yml, infra/dashboard.yml) refer to these names;
// a template test holds them to it. A callback announces nothing itself (the sweep does, after asking ZEGO),
// so it has no outcome figures.
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { ACTED_ON, type CallbackAction, type RefusalReason } from './callback-vocabulary';

export { REFUSAL_REASONS } from './callback-vocabulary';

export const CALLBACK_METRICS = {
  received: 'CallbacksReceived',
  actedOn: 'CallbacksActedOn',
  ignored: 'CallbacksIgnored',
  refused: 'CallbacksRefused',
} as const;

/** The dimension that splits CallbacksRefused by reason (the total is also emitted without it). */
export const REFUSAL_DIMENSION = 'reason';

export interface CallbackFigures {
  refused?: RefusalReason;
  action?: CallbackAction;
}

export function publishCallbackMetrics(metrics: Metrics, figures: CallbackFigures): void {
  metrics.addMetric(CALLBACK_METRICS.received, MetricUnit.Count, 1);
  if (figures.refused !== undefined) {
    metrics.addMetric(CALLBACK_METRICS.refused, MetricUnit.Count, 1);
    const byReason = metrics.singleMetric();
    byReason.addDimension(REFUSAL_DIMENSION, figures.refused);
    byReason.addMetric(CALLBACK_METRICS.refused, MetricUnit.Count, 1);
  } else if (figures.action !== undefined) {
    metrics.addMetric(
      ACTED_ON.has(figures.action) ? CALLBACK_METRICS.actedOn : CALLBACK_METRICS.ignored,
      MetricUnit.Count,
      1,
    );
  }
  metrics.publishStoredMetrics();
}
