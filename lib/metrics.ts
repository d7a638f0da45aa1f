// The one way every function makes its Powertools Metrics (EMF: one JSON line on stdout that CloudWatch turns
// into metrics, no API call on the hot path), in the namespace and service the configuration says.
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { ObservabilityConfig } from './config';

export function createMetrics(config: ObservabilityConfig): Metrics {
  return new Metrics({ namespace: config.metricsNamespace, serviceName: config.serviceName });
}
