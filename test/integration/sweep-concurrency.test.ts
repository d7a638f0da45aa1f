// The rate limit is a promise to ZEGO for the whole deployment: it must hold under a backlog, across
// one run handing over to the next, and when two sweeps start at once in two processes. Nothing is
// published twice, even when two engines race with no lease at all.
import { SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { zegoFile } from '../../infra/local/zego-simulator';
import { systemClock } from '../../lib/clock';
import { createEventPublisher } from '../../lib/events/sns-publisher';
import { createLogger } from '../../lib/log';
import { createDynamoTaskStore } from '../../lib/store/dynamodb-task-store';
import type { SweepLease } from '../../lib/store/task-store';
import { runSweep } from '../../lib/sweep/engine';
import type { OutcomeEvent } from '../../lib/task/outcome-event';
import { createZegoClient } from '../../lib/zego/client';
import { TEST_AWS } from '../support/dynamo';
import {
  APP_ID,
  type LocalStack,
  lambdaContext,
  SECRET,
  sleep,
  startLocalStack,
  TOPIC_ARN,
} from '../support/local-stack';
import { runSweepInProcess } from '../support/sweep-process';

const LIMIT = 20;
let stack: LocalStack;
let counter = 0;

beforeAll(async () => {
  stack = await startLocalStack({ rateLimit: LIMIT });
});
afterAll(async () => {
  await stack.close();
});
beforeEach(() => {
  stack.zego.resetStats();
  stack.sns.clear();
});

/** `n` tasks that ZEGO reports finished, all due now. */
async function backlog(n: number): Promise<string[]> {
  const batch = ++counter;
  const ids = Array.from({ length: n }, (_, i) => `bk${batch}-${i}`);
  for (const id of ids) {
    stack.zego.setTask(id, {
      Status: 3,
      RecordBeginTimestamp: Date.now() - 60_000,
      RecordFiles: [zegoFile({ status: 3 })],
    });
    await stack.track(id);
  }
  return ids;
}

const publishedIds = () =>
  stack.sns.published().map((p) => (JSON.parse(p.parsedMessage!.default as string) as OutcomeEvent).recording.taskId);

function expectEachOnce(ids: string[]) {
  expect(publishedIds().sort()).toEqual([...ids].sort());
}

describe('the rate limit holds for the whole deployment', () => {
  it('holds in any rolling second under a backlog of due tasks', async () => {
    // Prepare
    const ids = await backlog(90);
    Object.assign(process.env, stack.sweepEnv({ ZEGO_RATE_LIMIT: String(LIMIT), SWEEP_CONCURRENCY: '8' }));
    vi.resetModules();
    const { handler } = await import('../../functions/sweep');

    // Act
    const summary = await handler({}, lambdaContext(30_000));

    // Assess
    expect(summary).toMatchObject({ due: 90, checked: 90, published: 90, rateRefusals: 0 });
    const stats = stack.zego.stats();
    expect(stats.refusals).toBe(0);
    expect(stats.maxInAnyWindow).toBeLessThanOrEqual(LIMIT);
    expect(stats.maxInAnyWindow).toBeGreaterThanOrEqual(LIMIT - 2); // it does use the budget
    expectEachOnce(ids);
  });

  it('holds across a run that stops at its deadline and the run that takes over straight after', async () => {
    // Prepare
    const ids = await backlog(70);
    Object.assign(
      process.env,
      stack.sweepEnv({ ZEGO_RATE_LIMIT: String(LIMIT), SWEEP_CONCURRENCY: '8', ZEGO_TIMEOUT_MS: '400' }),
    );
    vi.resetModules();
    const { handler } = await import('../../functions/sweep');

    // Act: 400 ms timeout → the run stops taking work 2.8 s before its deadline: this one works about 1.5 s.
    const first = await handler({}, lambdaContext(4_300));

    // Assess
    expect(first.stoppedBy).toBe('deadline');
    expect(first.checked).toBeGreaterThan(0);
    expect(first.checked).toBeLessThan(70);

    // Act: the run that takes over.
    const second = await handler({}, lambdaContext(30_000));

    // Assess
    expect(first.checked + second.checked).toBe(70);
    const stats = stack.zego.stats();
    expect(stats.refusals).toBe(0);
    expect(stats.maxInAnyWindow).toBeLessThanOrEqual(LIMIT);
    expectEachOnce(ids);
  });

  it('lets only one of two sweeps started at once in two processes work, and publishes nothing twice', async () => {
    // Prepare
    const ids = await backlog(60);
    const env = { ...process.env, ...stack.sweepEnv({ ZEGO_RATE_LIMIT: String(LIMIT), SWEEP_CONCURRENCY: '8' }) };
    const runInProcess = () => runSweepInProcess(env, 30000);

    // Act
    const summaries = await Promise.all([runInProcess(), runInProcess()]);

    // Assess
    const skipped = summaries.filter((s) => s.skipped !== undefined);
    const worked = summaries.filter((s) => s.skipped === undefined);
    expect(skipped).toHaveLength(1);
    expect(worked[0]).toMatchObject({ checked: 60, published: 60 });
    const stats = stack.zego.stats();
    expect(stats.requests).toBe(60);
    expect(stats.refusals).toBe(0);
    expect(stats.maxInAnyWindow).toBeLessThanOrEqual(LIMIT);
    expectEachOnce(ids);
  }, 60_000);

  it('never publishes an outcome twice even when two engines race with no lease at all', async () => {
    // Prepare
    const ids = await backlog(30);
    const noLease: SweepLease = {
      acquire: async () => ({ carriedOver: [], carriedOverListing: [] }),
      release: async () => undefined,
      state: async () => ({}),
      stopping: async () => undefined,
    };
    const engine = () =>
      runSweep(
        {
          store: createDynamoTaskStore({ client: stack.dynamo.doc, table: stack.table, shards: 1, retentionDays: 30 }),
          lease: noLease,
          zego: createZegoClient({ appId: APP_ID, serverSecret: SECRET, baseUrl: stack.zego.url, timeoutMs: 2000 }),
          publishers: [
            createEventPublisher({
              sns: new SNSClient({ ...TEST_AWS, endpoint: stack.sns.url }),
              topicArn: TOPIC_ARN,
            }),
          ],
          clock: systemClock,
          random: Math.random,
          logger: createLogger({ level: 'ERROR' }),
        },
        {
          appId: APP_ID,
          rateLimit: 8,
          concurrency: 4,
          zegoTimeoutMs: 2000,
          policy: { checkIntervalMs: 1000, checkIntervalMaxMs: 2000 },
          triage: false,
          listRateLimit: 10,
          discover: false,
          keepChecking: false,
        },
        { runId: `race-${Math.random()}`, deadline: Date.now() + 30_000 },
      );
    await sleep(1_100); // let the previous test's requests leave the simulator's window (2 × 8/s fits in 20/s)

    // Act
    const [a, b] = await Promise.all([engine(), engine()]);

    // Assess
    expect(stack.zego.stats().refusals).toBe(0);
    expect(a.published + b.published).toBe(30);
    expect(a.conflicts + b.conflicts).toBeGreaterThan(0); // they really did collide
    expectEachOnce(ids);
  }, 30_000);
});
