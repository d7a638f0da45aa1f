// The recorder with two targets (SNS, EventBridge), on the fake clock with memory ports: every target gets
// the event, a target that failed is the only one tried again, and what went out is written each time.
import { beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/log';
import { PublishError } from '../../lib/task/publisher';
import { createRecorder, type Recorder, RefusedAfterWrite } from '../../lib/task/recorder';
import { newTask, type Task } from '../../lib/task/task';
import { FakeClock } from '../support/fake-clock';
import { MemoryPublisher, MemoryStore } from '../support/memory-ports';

const T0 = 1_795_514_400_000;
const RETRY_MS = 30_000;
const CLAIM = { claimUntil: T0 + 120_000, closedBy: 'poll' } as const;

let clock: FakeClock;
let store: MemoryStore;
let sns: MemoryPublisher;
let bus: MemoryPublisher;

const recorderFor = (publishers = [sns, bus]): Recorder =>
  createRecorder({
    store,
    publishers,
    appId: 1234567890,
    clock,
    logger: createLogger({ level: 'SILENT' }),
    retryAfterMs: RETRY_MS,
  });

/** A task tracked a while ago that ZEGO has just answered for: completed. */
async function completed(taskId = 'rec-1'): Promise<Task> {
  const { task } = await store.create(newTask(taskId, T0 - 60_000));
  return { ...task, state: 'COMPLETED', zegoStatus: 3, files: [], closedAt: clock.now(), checks: 3 };
}
const refusal = () =>
  new PublishError('EventBridge PutEvents failed: InvalidArgument', { code: 'InvalidArgument', permanent: true });

beforeEach(() => {
  clock = new FakeClock(T0);
  store = new MemoryStore();
  sns = new MemoryPublisher('sns');
  bus = new MemoryPublisher('eventBridge');
});

describe('the recorder with two targets', () => {
  it('puts the event on both, with one eventId, and marks it published once', async () => {
    // Prepare
    const task = await completed();

    // Act
    const recorded = await recorderFor().record({ task, outcome: 'recording.completed' }, CLAIM);

    // Assess
    expect(recorded.announced).toBe('published');
    expect(sns.events.map((e) => e.eventId)).toStrictEqual(bus.events.map((e) => e.eventId));
    expect(sns.events).toHaveLength(1);
    const stored = store.tasks.get('rec-1');
    expect(stored).toMatchObject({ publishedAt: T0 });
    expect([stored?.dueAt, stored?.publishedTo]).toStrictEqual([undefined, undefined]);
  });

  it('writes which target took it when the other fails, and gives the claim back for a retry', async () => {
    // Prepare
    const task = await completed();
    bus.failNext = 1;

    // Act
    const recorded = await recorderFor().record({ task, outcome: 'recording.completed' }, CLAIM);

    // Assess
    expect(recorded.announced).toBe('failed');
    const stored = store.tasks.get('rec-1');
    expect(stored).toMatchObject({ publishedTo: ['sns'], dueAt: T0 + RETRY_MS });
    expect(stored?.publishedAt).toBeUndefined();
    expect([sns.events.length, bus.calls, bus.events.length]).toStrictEqual([1, 1, 0]);
  });

  it('sends the retry to the target that failed only, with the same eventId', async () => {
    // Prepare
    const recorder = recorderFor();
    sns.failNext = 1;
    await recorder.record({ task: await completed(), outcome: 'recording.completed' }, CLAIM);
    await clock.runUntil(T0 + RETRY_MS);

    // Act
    const retried = await recorder.publishPending(store.tasks.get('rec-1')!, { claimUntil: T0 + RETRY_MS + 120_000 });

    // Assess
    expect(retried.announced).toBe('published');
    expect([sns.calls, bus.calls]).toStrictEqual([2, 1]);
    expect(sns.events.map((e) => e.eventId)).toStrictEqual(bus.events.map((e) => e.eventId));
    expect(store.tasks.get('rec-1')).toMatchObject({ publishedAt: T0 + RETRY_MS });
    expect(store.tasks.get('rec-1')?.publishedTo).toBeUndefined();
  });

  it('tries both again when both failed', async () => {
    // Prepare
    const recorder = recorderFor();
    sns.failNext = 1;
    bus.failNext = 1;
    await recorder.record({ task: await completed(), outcome: 'recording.completed' }, CLAIM);

    // Act
    const pending = store.tasks.get('rec-1')!;
    await recorder.publishPending(pending, { claimUntil: T0 + 120_000 });

    // Assess
    expect(pending.publishedTo).toStrictEqual([]);
    expect([sns.calls, bus.calls, sns.events.length, bus.events.length]).toStrictEqual([2, 2, 1, 1]);
  });

  it('throws the refusal with the task as written when a target refuses for good after the other took it', async () => {
    // Prepare
    const recorder = recorderFor();
    bus.failNext = 1;
    bus.failure = refusal;

    // Act
    const error = await recorder
      .record({ task: await completed(), outcome: 'recording.completed' }, CLAIM)
      .catch((e: unknown) => e);

    // Assess: the caller sets aside the version that is stored, which knows SNS has the event.
    expect(error).toBeInstanceOf(RefusedAfterWrite);
    const { task, refusal: cause } = error as RefusedAfterWrite;
    expect(task).toStrictEqual(store.tasks.get('rec-1'));
    expect(task.publishedTo).toStrictEqual(['sns']);
    expect(cause).toMatchObject({ code: 'InvalidArgument', permanent: true });

    // Act: the retry, once the refusal has passed.
    await recorder.publishPending(task, { claimUntil: T0 + 120_000 });

    // Assess
    expect([sns.calls, bus.calls, bus.events.length]).toStrictEqual([1, 2, 1]);
  });

  it('throws the bare refusal when another writer won the hand-back, so the set-aside on the old version loses too', async () => {
    // Prepare: a writer that gets in while the targets are asked.
    const recorder = recorderFor();
    bus.failNext = 1;
    bus.failure = () => {
      const stored = store.tasks.get('rec-1')!;
      store.tasks.set('rec-1', { ...stored, version: stored.version + 1 });
      return refusal();
    };

    // Act
    const error = await recorder
      .record({ task: await completed(), outcome: 'recording.completed' }, CLAIM)
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(PublishError);
    expect(error).not.toBeInstanceOf(RefusedAfterWrite);
    expect(store.tasks.get('rec-1')?.publishedTo).toBeUndefined();
  });

  it('marks a task that every configured target took already as published, without sending it again', async () => {
    // Prepare: SNS took it under a configuration that also had EventBridge, which is off now.
    const task = await completed();
    const saved = await store.save({ ...task, publishedTo: ['sns'], dueAt: T0 });

    // Act
    const recorded = await recorderFor([sns]).publishPending(saved!, { claimUntil: T0 + 120_000 });

    // Assess
    expect(recorded.announced).toBe('published');
    expect(sns.calls).toBe(0);
    expect(store.tasks.get('rec-1')).toMatchObject({ publishedAt: T0 });
  });
});
