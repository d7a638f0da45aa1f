// What the callback receiver tells CloudWatch, through Powertools Metrics (EMF, one JSON line per
// invocation). The alarms and the dashboard (infra/alarms.yml, infra/dashboard.yml) refer to these names;
// a template test holds them to it. Outcome and publish figures share the sweep's names (RecordingsCompleted,
// EventsPublished, PublishFailures…), so that one alarm and one graph cover both ways in.
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { OutcomeEventType } from '../task/task';

/** Why a callback was refused: the `reason` dimension of CallbacksRefused, and the log line's `reason`. */
export const REFUSAL_REASONS = [
  'body_too_large',
  'invalid_json',
  'invalid_body',
  'missing_signature',
  'bad_signature',
  'wrong_app_id',
  'stale_timestamp',
  'invalid_task_id',
  'invalid_event_type',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** What a verified callback led to. */
export type CallbackAction =
  | 'announced' // event 1 closed the task and its outcome went out (or is pending after a failed publish)
  | 'updated' // event 1 with files still uploading: the task's files were recorded
  | 'made_due' // events 2, 5, 7 (or an event 1 that could not be decided): the next sweep checks it first
  | 'tracked' // the task was unknown: it is tracked now (and, for event 1, decided at once)
  | 'closed_already' // the task was closed: nothing changes (a duplicate, or a callback after a poll)
  | 'ignored'; // an event type recwatch does not use

export const CALLBACK_METRICS = {
  received: 'CallbacksReceived',
  actedOn: 'CallbacksActedOn',
  ignored: 'CallbacksIgnored',
  refused: 'CallbacksRefused',
} as const;

/** The dimension that splits CallbacksRefused by reason (the total is also emitted without it). */
export const REFUSAL_DIMENSION = 'reason';

const OUTCOME_METRIC: Record<OutcomeEventType, string> = {
  'recording.completed': 'RecordingsCompleted',
  'recording.failed': 'RecordingsFailed',
  'recording.expired': 'RecordingsExpired',
};

export interface CallbackFigures {
  refused?: RefusalReason;
  action?: CallbackAction;
  outcome?: OutcomeEventType;
  published?: boolean;
  publishFailed?: boolean;
}

export function publishCallbackMetrics(metrics: Metrics, figures: CallbackFigures): void {
  metrics.addMetric(CALLBACK_METRICS.received, MetricUnit.Count, 1);
  if (figures.refused !== undefined) {
    metrics.addMetric(CALLBACK_METRICS.refused, MetricUnit.Count, 1);
    const byReason = metrics.singleMetric();
    byReason.addDimension(REFUSAL_DIMENSION, figures.refused);
    byReason.addMetric(CALLBACK_METRICS.refused, MetricUnit.Count, 1);
  } else if (figures.action === 'closed_already' || figures.action === 'ignored') {
    metrics.addMetric(CALLBACK_METRICS.ignored, MetricUnit.Count, 1);
  } else if (figures.action !== undefined) {
    metrics.addMetric(CALLBACK_METRICS.actedOn, MetricUnit.Count, 1);
  }
  if (figures.outcome !== undefined) metrics.addMetric(OUTCOME_METRIC[figures.outcome], MetricUnit.Count, 1);
  if (figures.published) metrics.addMetric('EventsPublished', MetricUnit.Count, 1);
  if (figures.publishFailed) metrics.addMetric('PublishFailures', MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
}
