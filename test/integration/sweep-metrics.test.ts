// One sweep's metrics, read back from the Embedded Metric Format lines the real code writes to stdout.

import { SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { zegoFile } from '../../infra/local/zego-simulator';
import { systemClock } from '../../lib/clock';
import { loadSweepConfig } from '../../lib/config';
import { createDocumentClient } from '../../lib/store/document-client';
import { createSweep } from '../../lib/sweep/sweep-app';
import { withCapturedOutput } from '../support/capture-output';
import { TEST_AWS } from '../support/dynamo';
import { type LocalStack, lambdaContext, startLocalStack } from '../support/local-stack';

type Emf = Record<string, unknown> & {
  _aws: {
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[];
  };
};
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack();
});
afterAll(async () => {
  await stack.close();
});

/** Runs `act` and returns the EMF documents it printed. */
async function emfOf(act: () => Promise<unknown>): Promise<Emf[]> {
  const { lines } = await withCapturedOutput(() => act().catch(() => undefined));
  return lines.filter((l) => l.startsWith('{"_aws"')).map((l) => JSON.parse(l) as Emf);
}

const ended = (status: number, fileStatus = 3) => ({
  Status: status,
  RecordBeginTimestamp: Date.now() - 60_000,
  RecordFiles: [zegoFile({ status: fileStatus })],
});

describe('sweep metrics (Embedded Metric Format)', () => {
  it('reports what one sweep did, with units, in the recwatch namespace under the service dimension', async () => {
    // Prepare: six tasks, due 30 s ago, each meeting a different fate.
    const dueAt = Date.now() - 30_000;
    stack.zego.setTask('m-done-1', ended(3));
    stack.zego.setTask('m-done-2', ended(4));
    stack.zego.setTask('m-upload-failed', ended(3, 5));
    stack.zego.setTask('m-unknown', 'missing');
    stack.zego.setTask('m-flaky', ended(3));
    stack.zego.injectFault({ type: 'http', status: 503 }, { taskId: 'm-flaky' });
    stack.zego.setTask('m-running', { Status: 2, RecordBeginTimestamp: Date.now() - 60_000 });
    for (const id of ['m-done-1', 'm-done-2', 'm-upload-failed', 'm-unknown', 'm-flaky', 'm-running'])
      await stack.track(id, { dueAt });
    Object.assign(process.env, stack.sweepEnv({ POWERTOOLS_SERVICE_NAME: 'recwatch-test' }));
    vi.resetModules();
    const { handler } = await import('../../functions/sweep');

    // Act
    const [emf, ...more] = await emfOf(() => handler({}, lambdaContext()));

    // Assess
    expect(more).toEqual([]);
    const [directive] = emf!._aws.CloudWatchMetrics;
    expect(directive).toMatchObject({ Namespace: 'recwatch', Dimensions: [['service']] });
    expect(emf!.service).toBe('recwatch-test');
    const units = Object.fromEntries(directive!.Metrics.map((m) => [m.Name, m.Unit]));
    expect(units).toMatchObject({
      TasksChecked: 'Count',
      PeakRequestsPerSecond: 'Count/Second',
      SweepDuration: 'Milliseconds',
      SweepLag: 'Seconds',
      RateBudgetUsed: 'Percent',
    });
    expect(emf).toMatchObject({
      Sweeps: 1,
      TasksDue: 6,
      TasksChecked: 6,
      ZegoRequests: 6,
      RecordingsCompleted: 2,
      RecordingsFailed: 1,
      RecordingsExpired: 0,
      EventsPublished: 3,
      PublishFailures: 0,
      ZegoTransientErrors: 1,
      ZegoTaskErrors: 1,
      ZegoConfigErrors: 0,
      RateRefusals: 0,
      PeakRequestsPerSecond: 6,
      RateLimit: 10,
      RateBudgetUsed: 60,
    });
    expect(emf!.SweepLag).toBeGreaterThanOrEqual(30);
    expect(emf!.SweepLag).toBeLessThan(40);
    expect(emf!.SweepDuration).toBeGreaterThan(0);
  });

  it('still reports the configuration errors of a run that stopped on them', async () => {
    // Prepare
    stack.zego.setTask('m-cfg', ended(3));
    await stack.track('m-cfg');
    Object.assign(process.env, stack.sweepEnv({ ZEGO_SERVER_SECRET: '00000000000000000000000000000000' }));
    vi.resetModules();
    const { handler } = await import('../../functions/sweep');

    // Act
    const emf = await emfOf(() => handler({}, lambdaContext()));

    // Assess
    expect(emf).toHaveLength(1);
    expect(emf[0]).toMatchObject({ ZegoConfigErrors: 1, TasksChecked: 0, EventsPublished: 0 });
  });

  it('counts the open tasks on the first run of each five-minute bucket', async () => {
    // Prepare
    const bucketStart = (t: number) => t - (t % 300_000) + 300_000 + 1_000; // next bucket, 1 s in
    const shift = bucketStart(Date.now()) - Date.now();
    const clock = { now: () => Date.now() + shift, sleep: systemClock.sleep };
    const config = loadSweepConfig(stack.sweepEnv());
    const sweep = createSweep(config, {
      clock,
      dynamo: createDocumentClient(stack.dynamo.client),
      sns: new SNSClient({ ...TEST_AWS, endpoint: stack.sns.url }),
    });

    // Act
    const emf = await emfOf(() => sweep({ runId: 'count-run', deadline: clock.now() + 20_000 }));

    // Assess
    const open = emf[0]!.OpenTasks as number;
    // Every task still needing work after this run (it finished the others): the recording still running.
    const left: string[] = [];
    for await (const entry of stack.store.listDue(Number.MAX_SAFE_INTEGER))
      if ('task' in entry) left.push(entry.task.taskId);
    expect(left).toEqual(['m-running']);
    expect(open).toBe(1);
  });
});
