// Faults from ZEGO, through the real handler: transient ones never end a task, configuration ones stop
// the run after a handful of requests and leave every task untouched.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type SimulatorFault, zegoFile } from '../../infra/local/zego-simulator';
import type { SweepSummary } from '../../lib/sweep/summary';
import type { OutcomeEvent } from '../../lib/task/outcome-event';
import { withCapturedOutput } from '../support/capture-output';
import { type LocalStack, lambdaContext, sleep, startLocalStack } from '../support/local-stack';

type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<SweepSummary>;
let stack: LocalStack;

async function loadHandler(env: Record<string, string> = {}): Promise<Handler> {
  Object.assign(process.env, stack.sweepEnv(env));
  vi.resetModules();
  return (await import('../../functions/sweep')).handler;
}

beforeAll(async () => {
  stack = await startLocalStack();
});
afterAll(async () => {
  await stack.close();
});

const ended = {
  Status: 3,
  RecordBeginTimestamp: Date.now() - 60_000,
  RecordEndTimestamp: Date.now() - 1000,
  RecordFiles: [zegoFile({ status: 3 })],
};

describe('faults', () => {
  it("logs every failed ZEGO call with its action, task and ZEGO's RequestId when the answer had one", async () => {
    // Prepare: a return code (ZEGO answered, with a RequestId) and an HTTP 502 (no ZEGO answer).
    const handler = await loadHandler();
    for (const [taskId, fault] of [
      ['rid-code', { type: 'code', code: 300010000, message: 'system error' }],
      ['rid-502', { type: 'http', status: 502 }],
    ] as const) {
      stack.zego.setTask(taskId, ended);
      stack.zego.injectFault(fault, { taskId });
      await stack.track(taskId);
    }

    // Act
    const { lines } = await withCapturedOutput(() => handler({}, lambdaContext()));

    // Assess
    const failed = lines
      .filter((line) => line.includes('"a ZEGO call failed"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(failed).toContainEqual(
      expect.objectContaining({
        level: 'WARN',
        action: 'DescribeRecordStatus',
        taskId: 'rid-code',
        kind: 'transient',
        code: 300010000,
        fault: 'Code 300010000: system error',
        requestId: expect.stringMatching(/^sim-\d+-[0-9a-f]{8}$/),
      }),
    );
    expect(failed).toContainEqual(
      expect.objectContaining({ action: 'DescribeRecordStatus', taskId: 'rid-502', requestId: 'none' }),
    );
    for (const line of failed) expect(JSON.stringify(line)).not.toContain(stack.sweepEnv().ZEGO_SERVER_SECRET);
    // Clean up: both are checked again once due (the faults were for one request each), and close.
    await sleep(2_100);
    expect((await handler({}, lambdaContext())).published).toBe(2);
    stack.sns.clear();
  });

  it('ends every task in its right state after 5xx, hangs, truncated and malformed bodies, resets and error codes', async () => {
    // Prepare
    const handler = await loadHandler();
    const faults: Record<string, SimulatorFault> = {
      'flt-500': { type: 'http', status: 500 },
      'flt-502': { type: 'http', status: 502 },
      'flt-hang': { type: 'hang' },
      'flt-truncated': { type: 'truncated' },
      'flt-malformed': { type: 'malformed' },
      'flt-system': { type: 'code', code: 300010000, message: 'system error' },
      'flt-rate': { type: 'code', code: 300000003, message: 'too many requests' },
      'flt-clock': { type: 'code', code: 100000004, message: 'signature expired' },
      'flt-gateway': { type: 'code', code: 100000015, message: 'gateway internal error' },
      'flt-unknown': { type: 'code', code: 123456789, message: 'new code' },
    };
    for (const [taskId, fault] of Object.entries(faults)) {
      stack.zego.setTask(taskId, ended);
      stack.zego.injectFault(fault, { taskId });
      await stack.track(taskId);
    }
    stack.zego.setTask('flt-reset', ended);
    stack.zego.injectFault({ type: 'reset' }, { taskId: 'flt-reset' });
    await stack.track('flt-reset');

    // Act: the first run.
    const first = await handler({}, lambdaContext());

    // Assess
    expect(first.faults).toEqual({ transient: 10, task: 0, config: 0 });
    expect(first.rateRefusals).toBe(1);
    expect(first.published).toBe(1); // the reset cost a retry, not a failed check
    expect(stack.zego.stats().byTask['flt-reset']).toBe(2);
    for (const taskId of Object.keys(faults)) {
      const task = await stack.store.get(taskId);
      expect(task, taskId).toMatchObject({
        state: 'OPEN',
        faultStreak: 1,
        checks: 1,
        lastError: { kind: 'transient' },
      });
    }
    expect((await stack.store.get('flt-system'))?.lastError).toMatchObject({ code: 300010000 });
    expect((await stack.store.get('flt-hang'))?.lastError?.message).toMatch(/timed out/i);

    // Act: a second run, once the backoff is over.
    await sleep(2_100); // one fault: backoff between 1 and 2 s
    const second = await handler({}, lambdaContext());

    // Assess
    expect(second).toMatchObject({ checked: 10, published: 10 });
    const events = stack.sns.published().map((p) => JSON.parse(p.parsedMessage!.default as string) as OutcomeEvent);
    expect(events.map((e) => e.recording.taskId).sort()).toEqual([...Object.keys(faults), 'flt-reset'].sort());
    expect(new Set(events.map((e) => e.eventType))).toEqual(new Set(['recording.completed']));
    for (const e of events) expect(e.recording.lastError).toBeUndefined();
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ['a wrong ServerSecret', { ZEGO_SERVER_SECRET: 'ffffffffffffffffffffffffffffffff' }, /100000005/],
    ['an unknown AppId', { ZEGO_APP_ID: '42' }, /1000000\d\d/],
    [
      'a wrong ServerSecret with triage on (DescribeTasks refused first)',
      { ZEGO_SERVER_SECRET: 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee', SWEEP_TRIAGE: 'on' },
      /100000005/,
    ],
  ])(
    'stops at the first configuration fault on %s (at most SWEEP_CONCURRENCY requests), fails the invocation and leaves every task as it was',
    async (_name, env, code) => {
      // Prepare
      const prefix = `cfg-${env.ZEGO_APP_ID ?? 'secret'}-${env.SWEEP_TRIAGE ?? 'off'}`;
      for (let i = 0; i < 40; i++) {
        stack.zego.setTask(`${prefix}-${i}`, ended);
        await stack.track(`${prefix}-${i}`);
      }
      const before = await Promise.all(Array.from({ length: 40 }, (_, i) => stack.store.get(`${prefix}-${i}`)));
      const handler = await loadHandler({ ...env, SWEEP_CONCURRENCY: '4', ZEGO_RATE_LIMIT: '50' });
      stack.zego.resetStats();
      const published = stack.sns.published().length;

      // Act + Assess
      await expect(handler({}, lambdaContext())).rejects.toThrow(code);

      const { requests, listRequests } = stack.zego.stats();
      expect(requests + listRequests).toBeGreaterThanOrEqual(1);
      expect(requests + listRequests).toBeLessThanOrEqual(4); // SWEEP_CONCURRENCY
      const after = await Promise.all(Array.from({ length: 40 }, (_, i) => stack.store.get(`${prefix}-${i}`)));
      expect(after).toEqual(before);
      expect(stack.sns.published().length).toBe(published);
    },
  );

  it('never puts the ServerSecret in its log lines', async () => {
    // Act: a failing run and then a good one, their output captured (the failing run's rejection is checked inside).
    const { lines } = await withCapturedOutput(async () => {
      const handler = await loadHandler({ ZEGO_APP_ID: '43' });
      stack.zego.setTask('log-1', ended);
      await stack.track('log-1');
      await expect(handler({}, lambdaContext())).rejects.toThrow();
      const good = await loadHandler();
      await good({}, lambdaContext());
    });

    // Assess
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(line).not.toContain(stack.sweepEnv().ZEGO_SERVER_SECRET);
    expect(lines.some((line) => line.includes('"sweep finished"'))).toBe(true);
  });
});
