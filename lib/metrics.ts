// The one way every function makes its Powertools Metrics (EMF: one JSON line on stdout that CloudWatch turns
// into metrics, no API call on the hot path), in the namespace and service the configuration says.
//
// CloudWatch bills each custom metric (a name with one set of dimension values) for every hour it is
// published. So a function publishes only the metrics an alarm or a dashboard graph reads, under the service
// dimension alone, and only figures that are not zero (an idle run publishes nothing): the sweep's in
// lib/sweep/sweep-metrics.ts, the callback's in lib/callback/callback-metrics.ts. Everything else goes to
// the functions' log lines, for Logs Insights (docs/operations.md#metrics).
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { ObservabilityConfig } from './config';

/** The most custom metrics (name × dimension values, as CloudWatch bills them) the stack may publish. */
export const CUSTOM_METRIC_BUDGET = 15;

export function createMetrics(config: ObservabilityConfig): Metrics {
  return new Metrics({ namespace: config.metricsNamespace, serviceName: config.serviceName });
}
