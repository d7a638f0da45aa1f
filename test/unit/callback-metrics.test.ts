// The callback's metrics: one per invocation at most, never a reason dimension, nothing for a callback that
// left no work (received and ignored callbacks are the function's Lambda invocations and its log lines).
import { describe, expect, it } from 'vitest';
import { publishCallbackMetrics } from '../../lib/callback/callback-metrics';
import type { ObservabilityConfig } from '../../lib/config';
import { createMetrics } from '../../lib/metrics';
import { withCapturedOutput } from '../support/capture-output';

const config: ObservabilityConfig = { metricsNamespace: 'recwatch', serviceName: 'recwatch-test', logLevel: 'INFO' };

async function published(figures: Parameters<typeof publishCallbackMetrics>[1]) {
  const metrics = createMetrics(config);
  const { lines } = await withCapturedOutput(async () => publishCallbackMetrics(metrics, figures));
  return lines.map(
    (l) =>
      JSON.parse(l) as Record<string, unknown> & {
        _aws: { CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string }[] }[] };
      },
  );
}

describe('callback metrics', () => {
  it('counts a refused callback once, in total, without its reason', async () => {
    // Act
    const [emf, ...more] = await published({ refused: 'bad_signature' });

    // Assess
    expect(more).toEqual([]);
    expect(emf!._aws.CloudWatchMetrics).toEqual([
      { Namespace: 'recwatch', Dimensions: [['service']], Metrics: [{ Name: 'CallbacksRefused', Unit: 'Count' }] },
    ]);
    expect(emf).not.toHaveProperty('reason');
  });

  it.each(['hinted', 'candidate'] as const)('counts a callback acted on (%s)', async (action) => {
    // Act
    const emf = await published({ action });

    // Assess
    expect(emf.flatMap((e) => e._aws.CloudWatchMetrics.flatMap((m) => m.Metrics.map((x) => x.Name)))).toEqual([
      'CallbacksActedOn',
    ]);
  });

  it.each(['cooldown', 'closed_already', 'ignored'] as const)(
    'publishes nothing, and warns of nothing, for %s',
    async (action) => {
      // Act + Assess
      expect(await published({ action })).toEqual([]);
    },
  );

  it('publishes nothing for an invocation that failed before it knew', async () => {
    // Act + Assess
    expect(await published({})).toEqual([]);
  });
});
