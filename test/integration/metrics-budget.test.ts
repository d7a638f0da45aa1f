// What the stack costs in CloudWatch custom metrics, read back from the Embedded Metric Format lines the real
// handlers write to stdout over a task's whole life: idle sweeps publish none at all, and everything together
// stays within the budget CloudWatch bills (each metric name with each set of dimension values).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { zegoFile } from '../../infra/local/zego-simulator';
import type { ApiHandler } from '../../lib/http/http-handler';
import { CUSTOM_METRIC_BUDGET } from '../../lib/metrics';
import { createDynamoSweepLease } from '../../lib/store/dynamodb-sweep-lease';
import type { SweepSummary } from '../../lib/sweep/summary';
import { lambdaContext as apiContext, list, lookup, track } from '../support/api-gateway';
import { postCallback, signedCallback } from '../support/callbacks';
import { withCapturedOutput } from '../support/capture-output';
import { type LocalStack, lambdaContext, startLocalStack } from '../support/local-stack';

type Emf = Record<string, unknown> & {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
};
type Handler = (event: unknown, context: unknown) => Promise<unknown>;

let stack: LocalStack;
let handlers: { sweep: Handler; callback: ApiHandler; track: Handler; lookup: Handler; list: Handler };

beforeAll(async () => {
  stack = await startLocalStack();
  Object.assign(process.env, stack.sweepEnv({ POWERTOOLS_SERVICE_NAME: 'recwatch-test' }));
  vi.resetModules();
  handlers = {
    sweep: (await import('../../functions/sweep')).handler as Handler,
    callback: (await import('../../functions/callback')).handler,
    track: (await import('../../functions/track')).handler as Handler,
    lookup: (await import('../../functions/lookup')).handler as Handler,
    list: (await import('../../functions/list')).handler as Handler,
  };
});
afterAll(async () => {
  await stack.close();
});

/** Every billed metric seen: namespace, name and the dimension values it was published with. */
const seen = new Set<string>();
/** Runs `act`, and returns the billed metrics of the EMF documents it printed (adding them to `seen`). */
async function metricsOf(act: () => Promise<unknown>): Promise<string[]> {
  const { lines } = await withCapturedOutput(act);
  expect(lines.filter((l) => l.includes('No application metrics to publish'))).toEqual([]);
  const found: string[] = [];
  for (const emf of lines.filter((l) => l.startsWith('{"_aws"')).map((l) => JSON.parse(l) as Emf)) {
    for (const directive of emf._aws.CloudWatchMetrics) {
      for (const dimensions of directive.Dimensions) {
        const values = dimensions.map((d) => `${d}=${String(emf[d])}`).join(',');
        for (const { Name } of directive.Metrics) found.push(`${directive.Namespace} ${Name} {${values}}`);
      }
    }
  }
  for (const m of found) seen.add(m);
  return found;
}
const sweepOnce = () => metricsOf(() => handlers.sweep({}, lambdaContext()));

describe('custom metrics over a recording’s life (the bill)', () => {
  it('publishes nothing while idle, and at most the budget over track, callback, poll, lookup and list', async () => {
    // Act + Assess: idle runs (nothing tracked) publish no metric.
    for (let i = 0; i < 3; i++) expect(await sweepOnce(), `idle run ${i}`).toEqual([]);

    // Act: a recording tracked through the API, still running at ZEGO; polled.
    stack.zego.setTask('bill-1', { Status: 2, RecordBeginTimestamp: Date.now() - 60_000 });
    const tracked = await metricsOf(() =>
      handlers.track(track(JSON.stringify({ taskId: 'bill-1', roomId: 'room-bill' })), apiContext()),
    );
    const polled = await sweepOnce();

    // Assess
    expect(tracked).toEqual([]);
    expect(polled.length).toBeGreaterThan(0);

    // Act: the recording ends; ZEGO pushes a callback (taken as a hint), and one forged push is refused.
    stack.zego.setTask('bill-1', {
      Status: 3,
      RoomId: 'room-bill',
      RecordBeginTimestamp: Date.now() - 60_000,
      RecordEndTimestamp: Date.now() - 1_000,
      RecordFiles: [zegoFile({ status: 3 })],
    });
    const hinted = await metricsOf(() =>
      postCallback(handlers.callback, signedCallback({ taskId: 'bill-1', eventType: 2 })),
    );
    const refused = await metricsOf(() =>
      postCallback(handlers.callback, {
        ...signedCallback({ taskId: 'bill-1', eventType: 2 }),
        signature: 'b'.repeat(40),
      }),
    );
    // The sweep closes it (the hint makes it due at once), then goes idle again.
    const closed = await sweepOnce();
    const looked = await metricsOf(() => handlers.lookup(lookup('bill-1'), apiContext()));
    const listed = await metricsOf(() => handlers.list(list('status=CLOSED'), apiContext()));

    // Assess
    expect(refused).toEqual(['recwatch CallbacksRefused {service=recwatch-test}']);
    expect(hinted.length + refused.length).toBeGreaterThan(0);
    expect(closed).toContain('recwatch EventsPublished {service=recwatch-test}');
    expect(looked).toEqual([]);
    expect(listed).toEqual([]);
    expect(stack.sns.published().some((p) => String(p.parsedMessage?.default).includes('bill-1'))).toBe(true);

    // Act + Assess: nothing due any more: idle again, nothing published.
    for (let i = 0; i < 2; i++) expect(await sweepOnce(), `idle run after ${i}`).toEqual([]);

    // Assess: the whole life stays within the budget, every metric under the service dimension alone.
    expect(seen.size, [...seen].join('\n')).toBeLessThanOrEqual(CUSTOM_METRIC_BUDGET);
    for (const m of seen) expect(m).toMatch(/^recwatch \w+ \{service=recwatch-test\}$/);
  });

  it('publishes nothing from a run that finds the lease held, even with work due', async () => {
    // Prepare: another run holds the lease and is taking work; a task is due.
    stack.zego.setTask('bill-held', { Status: 2, RecordBeginTimestamp: Date.now() - 60_000 });
    await stack.track('bill-held');
    const lease = createDynamoSweepLease({ client: stack.dynamo.doc, table: stack.table });
    const now = Date.now();
    await lease.acquire('busy-run', now, now + 30_000, now + 25_000);

    // Act
    const { result, lines } = await withCapturedOutput(() => handlers.sweep({}, lambdaContext()));

    // Assess
    expect((result as SweepSummary).skipped).toBeDefined();
    expect(lines.filter((l) => l.startsWith('{"_aws"'))).toEqual([]);
    expect(lines.some((l) => l.includes('"sweep skipped"'))).toBe(true);
    expect(lines.filter((l) => l.includes('No application metrics to publish'))).toEqual([]);
  });
});
