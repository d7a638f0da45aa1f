// Both targets through the real functions/sweep.ts handler, with EVENT_BUS_NAME set: every outcome reaches
// the SNS topic and the EventBridge bus once each, with one eventId, and a failure of one target is retried on
// a later run without a second copy on the other; a big recording reaches an SQS queue behind each.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { zegoFile } from '../../infra/local/zego-simulator';
import { DETAIL_TYPE } from '../../lib/events/eventbridge-entry';
import type { SweepSummary } from '../../lib/sweep/summary';
import type { OutcomeEvent } from '../../lib/task/outcome-event';
import { manyZegoFiles } from '../support/big-recordings';
import { assertValidEvent } from '../support/json-schemas';
import { EVENT_BUS, type LocalStack, lambdaContext, sleep, startLocalStack } from '../support/local-stack';

let stack: LocalStack;
let handler: (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<SweepSummary>;

beforeAll(async () => {
  stack = await startLocalStack();
  Object.assign(process.env, stack.sweepEnv({ EVENT_BUS_NAME: EVENT_BUS }));
  vi.resetModules();
  ({ handler } = await import('../../functions/sweep'));
});
afterAll(async () => {
  delete process.env.EVENT_BUS_NAME;
  await stack.close();
});
beforeEach(() => {
  stack.sns.clear();
  stack.eventBridge.clear();
});

const begin = Date.now() - 60_000;
const run = () => handler({}, lambdaContext());
const ended = (status = 3) => ({
  Status: 3,
  RecordBeginTimestamp: begin,
  RecordEndTimestamp: begin + 5_000,
  RecordFiles: [zegoFile({ status })],
});
const onSns = (taskId: string) =>
  stack.sns
    .published()
    .map((p) => JSON.parse(String(p.parsedMessage?.default)) as OutcomeEvent)
    .filter((e) => e.recording.taskId === taskId);
const onBus = (taskId: string) =>
  stack.eventBridge
    .events()
    .map((e) => ({ detailType: e.detailType, event: JSON.parse(e.detail) as OutcomeEvent }))
    .filter(({ event }) => event.recording.taskId === taskId);
const busAttempts = (taskId: string) =>
  stack.eventBridge.attempts().filter((a) => a.detail?.includes(`"taskId":"${taskId}"`));
const snsAttempts = (taskId: string) =>
  stack.sns.attempts().filter((a) => a.message?.includes(`\\"taskId\\":\\"${taskId}\\"`));

describe('with EVENT_BUS_NAME set', () => {
  it('puts every outcome on both targets once, with the same eventId, and marks it published', async () => {
    // Prepare
    stack.zego.setTask('both-done', ended(3));
    stack.zego.setTask('both-failed', ended(5));
    await stack.track('both-done', { roomId: 'room-1' });
    await stack.track('both-failed');
    await stack.track('both-old', { trackedAt: Date.now() - 3 * 86_400_000 - 1 });

    // Act
    const summary = await run();

    // Assess
    expect(summary).toMatchObject({ published: 3, publishFailures: 0 });
    for (const taskId of ['both-done', 'both-failed', 'both-old']) {
      const [sent, ...moreSent] = onSns(taskId);
      const [put, ...morePut] = onBus(taskId);
      expect([moreSent, morePut]).toStrictEqual([[], []]);
      expect(put?.event).toStrictEqual(sent);
      expect(put?.detailType).toBe(DETAIL_TYPE[sent!.eventType]);
      const stored = await stack.store.get(taskId);
      expect(stored?.publishedAt).toBeGreaterThan(0);
      expect(stored?.publishedTo).toBeUndefined();
    }
    expect(onSns('both-old')[0]?.eventType).toBe('recording.expired');

    // Act + Assess: a later run sends nothing more.
    await sleep(1_100);
    expect((await run()).published).toBe(0);
    expect(stack.sns.attempts()).toHaveLength(3);
    expect(stack.eventBridge.attempts()).toHaveLength(3);
  });

  it.each([
    [
      'SNS',
      () => stack.sns.failNext(1, { status: 403, code: 'AuthorizationError', message: 'not allowed' }),
      ['eventBridge'],
    ],
    ['EventBridge', () => stack.eventBridge.failNextEntries(1, { code: 'InternalFailure' }), ['sns']],
  ] as const)('retries a failure of %s on a later run, and only there', async (failing, inject, tookIt) => {
    // Prepare
    const taskId = `fails-on-${failing}`;
    stack.zego.setTask(taskId, ended());
    await stack.track(taskId);
    inject();

    // Act
    const first = await run();

    // Assess: the other target took it, and the task says so.
    expect(first).toMatchObject({ published: 0, publishFailures: 1 });
    const pending = await stack.store.get(taskId);
    expect(pending).toMatchObject({ state: 'COMPLETED', publishedTo: tookIt });
    expect(pending?.publishedAt).toBeUndefined();

    // Act: a run after the check interval.
    await sleep(1_100);
    const second = await run();

    // Assess: each target has it once; only the failed one was tried again.
    expect(second).toMatchObject({ published: 1, republished: 1 });
    expect(onSns(taskId)).toHaveLength(1);
    expect(onBus(taskId)).toHaveLength(1);
    expect(onBus(taskId)[0]?.event.eventId).toBe(onSns(taskId)[0]?.eventId);
    const [tries, otherTries] = failing === 'SNS' ? [snsAttempts, busAttempts] : [busAttempts, snsAttempts];
    expect(tries(taskId).map((a) => a.accepted)).toStrictEqual([false, true]);
    expect(otherTries(taskId).map((a) => a.accepted)).toStrictEqual([true]);
    expect(await stack.store.get(taskId)).toMatchObject({ publishedAt: expect.any(Number) });
    expect((await stack.store.get(taskId))?.publishedTo).toBeUndefined();
  });

  it('sets a task aside when one target refuses its event for good, after the other took it, and then tries that one alone', async () => {
    // Prepare
    stack.zego.setTask('refused-by-bus', ended());
    await stack.track('refused-by-bus');
    stack.eventBridge.failNextEntries(1, { code: 'InvalidArgument', message: 'Parameter Detail is not valid.' });

    // Act
    const first = await run();

    // Assess: SNS has it; the task is set aside (with backoff), remembering where it went.
    expect(first.errors).toBe(1);
    expect(onSns('refused-by-bus')).toHaveLength(1);
    const aside = await stack.store.get('refused-by-bus');
    expect(aside).toMatchObject({ publishedTo: ['sns'], processingErrors: 1, lastError: { kind: 'processing' } });

    // Act: runs until the set-aside time has passed (1 to 2 s at a check interval of 1 s).
    await sleep(2_100);
    const later = await run();

    // Assess
    expect(later.published).toBe(1);
    expect(busAttempts('refused-by-bus').map((a) => a.accepted)).toStrictEqual([false, true]);
    expect(snsAttempts('refused-by-bus')).toHaveLength(1);
    expect(onBus('refused-by-bus')[0]?.event.eventId).toBe(onSns('refused-by-bus')[0]?.eventId);
    const announced = await stack.store.get('refused-by-bus');
    expect(announced?.publishedAt).toBeGreaterThan(0);
    expect([announced?.publishedTo, announced?.processingErrors, announced?.lastError]).toStrictEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('gets an 800-file recording to an SQS queue behind each target, within the default limit', async () => {
    // Prepare
    const queue = stack.sns.subscribe({ kind: 'sqs' });
    const target = stack.eventBridge.addTarget({ kind: 'sqs', bus: EVENT_BUS });
    stack.zego.setTask('big-both', { ...ended(), RecordFiles: manyZegoFiles(800) });
    await stack.track('big-both');

    // Act
    const summary = await run();

    // Assess
    stack.sns.unsubscribe(queue.subscriptionArn);
    stack.eventBridge.removeTarget(target.via);
    expect(summary.published).toBe(1);
    const [viaSns] = queue.deliveries();
    const [viaBus] = target.deliveries();
    const events = [
      JSON.parse((JSON.parse(viaSns?.body ?? '{}') as { Message: string }).Message) as OutcomeEvent,
      (JSON.parse(viaBus?.body ?? '{}') as { detail: OutcomeEvent }).detail,
    ];
    for (const [delivery, event] of [
      [viaSns, events[0]],
      [viaBus, events[1]],
    ] as const) {
      expect(delivery).toMatchObject({ delivered: true, maxMessageSize: 262_144 });
      expect(delivery?.bytes).toBeLessThanOrEqual(262_144);
      assertValidEvent(event);
      expect(event?.recording).toMatchObject({ taskId: 'big-both', fileCount: 800, filesTruncated: true });
      expect(event?.recording.files?.length).toBeGreaterThan(100);
    }
    expect(events[1]?.eventId).toBe(events[0]?.eventId);
  });
});
