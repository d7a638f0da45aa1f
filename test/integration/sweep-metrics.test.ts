// One sweep's metrics, read back from the Embedded Metric Format lines the real code writes to stdout: only
// the figures an alarm or the dashboard reads (SWEEP_METRICS), and only those that are not zero.

import { SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { zegoFile } from '../../infra/local/zego-simulator';
import { systemClock } from '../../lib/clock';
import { loadSweepConfig } from '../../lib/config';
import { createDocumentClient } from '../../lib/store/document-client';
import { createSweep } from '../../lib/sweep/sweep-app';
import { SWEEP_METRICS } from '../../lib/sweep/sweep-metrics';
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
    // OpenTasks too, when the run is the first of its five minutes (a counting run).
    const { OpenTasks: _counted, ...always } = units;
    expect(always).toEqual({
      TasksChecked: 'Count',
      EventsPublished: 'Count',
      ZegoTransientErrors: 'Count',
      PeakRequestsPerSecond: 'Count/Second',
      SweepLag: 'Seconds',
    });
    expect(emf).toMatchObject({
      TasksChecked: 6,
      EventsPublished: 3,
      ZegoTransientErrors: 1,
      PeakRequestsPerSecond: 6,
    });
    expect(emf!.SweepLag).toBeGreaterThanOrEqual(30);
    expect(emf!.SweepLag).toBeLessThan(40);
    // Zero figures are not published (PublishFailures, ZegoConfigErrors, RateRefusals…), nor anything no
    // alarm or graph reads (the outcomes by type, task errors, the rate limit: the summary line has them).
    for (const name of Object.keys(units)) expect(Object.keys(SWEEP_METRICS)).toContain(name);
    for (const name of ['PublishFailures', 'ZegoConfigErrors', 'RateRefusals', 'Sweeps', 'RecordingsCompleted'])
      expect(emf, name).not.toHaveProperty(name);
  });

  it('publishes nothing from an idle run, and writes no warning about it', async () => {
    // Prepare: a stack of its own, with nothing tracked.
    const quiet = await startLocalStack();
    const idle = createSweep(loadSweepConfig(quiet.sweepEnv()), {
      dynamo: createDocumentClient(quiet.dynamo.client),
      sns: new SNSClient({ ...TEST_AWS, endpoint: quiet.sns.url }),
    });

    try {
      // Act
      const { result, lines } = await withCapturedOutput(() =>
        idle({ runId: 'idle-run', deadline: Date.now() + 20_000 }),
      );

      // Assess
      expect(result).toMatchObject({ due: 0, checked: 0, requests: 0, errors: 0 });
      expect(lines.filter((l) => l.startsWith('{"_aws"'))).toEqual([]);
      expect(lines.filter((l) => l.includes('No application metrics'))).toEqual([]);
      expect(lines.some((l) => l.includes('"sweep finished"'))).toBe(true);
    } finally {
      await quiet.close();
    }
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
    expect(emf[0]).toMatchObject({ ZegoConfigErrors: 1 });
    expect(emf[0]).not.toHaveProperty('TasksChecked');
    expect(emf[0]).not.toHaveProperty('EventsPublished');
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
