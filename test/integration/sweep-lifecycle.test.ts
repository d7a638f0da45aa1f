// The real functions/sweep.ts handler, driven through recordings' lifecycles against dynalite, the ZEGO
// simulator over HTTP and SNS at the wire.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { zegoFile } from '../../infra/local/zego-simulator';
import type { SweepSummary } from '../../lib/sweep/summary';
import type { OutcomeEvent } from '../../lib/task/outcome-event';
import { type LocalStack, lambdaContext, sleep, startLocalStack } from '../support/local-stack';

let stack: LocalStack;
let handler: (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<SweepSummary>;

beforeAll(async () => {
  stack = await startLocalStack();
  Object.assign(process.env, stack.sweepEnv());
  vi.resetModules();
  ({ handler } = await import('../../functions/sweep'));
});
afterAll(async () => {
  await stack.close();
});
beforeEach(() => {
  stack.sns.clear();
  stack.zego.resetStats();
});

const events = () => stack.sns.published().map((p) => JSON.parse(p.parsedMessage!.default as string) as OutcomeEvent);
const begin = Date.now() - 60_000;
const run = () => handler({}, lambdaContext());

describe('sweep lifecycle through the real handler', () => {
  it('announces each finished recording exactly once, with its files, and nothing for open ones', async () => {
    // Prepare
    const { zego, track, store } = stack;
    const done = (name: string, status = 3) => zegoFile({ status, FileId: `${name}.mp4` });
    // a: recording → uploading → completed
    zego.setTask('life-a', {
      Status: 2,
      RecordBeginTimestamp: begin,
      RecordFiles: [zegoFile({ status: 1, FileId: 'a1.mp4' })],
    });
    // b: an upload that failed; c: abnormal end with good files; d: unknown to ZEGO; e: ended with no files; f: still recording
    zego.setTask('life-b', {
      Status: 3,
      RecordBeginTimestamp: begin,
      RecordEndTimestamp: begin + 5000,
      RecordFiles: [done('b1'), done('b2', 5)],
    });
    zego.setTask('life-c', {
      Status: 4,
      RecordBeginTimestamp: begin,
      RecordEndTimestamp: begin + 9000,
      RecordFiles: [done('c1')],
    });
    zego.setTask('life-d', 'missing');
    zego.setTask('life-e', { Status: 3, RecordBeginTimestamp: begin, RecordEndTimestamp: begin + 1000 });
    zego.setTask('life-f', {
      Status: 2,
      RecordBeginTimestamp: begin,
      RecordFiles: [zegoFile({ status: 1, FileId: 'f1.mp4' })],
    });
    for (const id of ['life-a', 'life-b', 'life-c', 'life-d', 'life-e', 'life-f'])
      await track(id, { roomId: `room-${id}` });

    // Act: the first run.
    const first = await run();

    // Assess
    expect(first).toMatchObject({ due: 6, checked: 6, published: 3 });
    expect(first.outcomes).toEqual({ 'recording.completed': 2, 'recording.failed': 1, 'recording.expired': 0 });

    // Act: "a" has ended and is uploading; a second run.
    zego.setTask('life-a', {
      Status: 3,
      RecordBeginTimestamp: begin,
      RecordEndTimestamp: begin + 7000,
      RecordFiles: [zegoFile({ status: 2, FileId: 'a1.mp4' })],
    });
    await sleep(1_100);
    const second = await run();

    // Assess
    expect(second).toMatchObject({ checked: 3, published: 1 }); // a (uploading), d (confirmed missing → failed), f
    expect((await store.get('life-a'))?.state).toBe('OPEN');

    // Act: "a"'s files are uploaded; a third run.
    zego.setTask('life-a', {
      Status: 3,
      RecordBeginTimestamp: begin,
      RecordEndTimestamp: begin + 7000,
      RecordFiles: [done('a1'), done('a2', 4)],
    });
    await sleep(2_100);
    const third = await run();

    // Assess
    expect(third.published).toBe(1);

    // Act: a fourth run.
    await sleep(2_100);
    const fourth = await run();

    // Assess
    expect(fourth.published).toBe(0);
    expect(fourth.checked).toBe(1); // only f is still watched

    const byTask = new Map(events().map((e) => [e.recording.taskId, e]));
    expect(events()).toHaveLength(5);
    expect([...byTask.keys()].sort()).toEqual(['life-a', 'life-b', 'life-c', 'life-d', 'life-e']);
    expect(byTask.get('life-a')).toMatchObject({
      eventId: expect.stringMatching(/^life-a:\d+:recording\.completed$/),
      eventType: 'recording.completed',
      schemaVersion: 1,
      recording: { state: 'COMPLETED', zegoStatus: 3, roomId: 'room-life-a', recordEndTimestamp: begin + 7000 },
    });
    expect(byTask.get('life-a')!.recording.files?.map((f) => [f.fileId, f.status, f.url])).toEqual([
      ['a1.mp4', 3, 'https://storage.example.com/record/a1.mp4'],
      ['a2.mp4', 4, 'https://storage.example.com/record/a2.mp4'],
    ]);
    expect(byTask.get('life-a')!.recording.warnings?.[0]).toMatch(/backup storage/);
    expect(byTask.get('life-b')).toMatchObject({ eventType: 'recording.failed', recording: { state: 'FAILED' } });
    expect(byTask.get('life-c')).toMatchObject({
      eventType: 'recording.completed',
      recording: { zegoStatus: 4, files: [{ fileId: 'c1.mp4', status: 3 }] },
    });
    expect(byTask.get('life-d')).toMatchObject({
      eventType: 'recording.failed',
      recording: { state: 'FAILED', checks: 2, lastError: { kind: 'task', code: 300001000 } },
    });
    expect(byTask.get('life-e')).toMatchObject({ eventType: 'recording.completed', recording: { files: [] } });

    const published = stack.sns
      .published()
      .find((p) => p.attributes.eventType?.value === 'recording.completed' && p.subject?.includes('life-a'))!;
    expect(published.subject).toBe('Recording life-a completed: 2 files');
    expect(published.attributes.roomId).toEqual({ dataType: 'String', value: 'room-life-a' });
    expect(published.parsedMessage!.email).toContain('https://storage.example.com/record/a2.mp4');

    const f = await store.get('life-f');
    expect(f).toMatchObject({ state: 'OPEN', zegoStatus: 2, checks: 4 });
    for (const id of ['life-a', 'life-b', 'life-c', 'life-d', 'life-e']) {
      const closed = await store.get(id);
      expect(closed?.publishedAt).toBeGreaterThan(0);
      expect(closed?.dueAt).toBeUndefined();
    }
  });

  it('keeps an outcome whose publishing failed, and announces it on a later run — once', async () => {
    // Prepare
    stack.zego.setTask('pub-fail', { Status: 3, RecordBeginTimestamp: begin, RecordFiles: [zegoFile({ status: 3 })] });
    await stack.track('pub-fail');
    stack.sns.failNext(1, { status: 403, code: 'AuthorizationError', message: 'not allowed' });

    // Act
    const first = await run();

    // Assess
    expect(first).toMatchObject({ published: 0, publishFailures: 1 });
    expect(first.outcomes['recording.completed']).toBe(1);
    expect(await stack.store.get('pub-fail')).toMatchObject({ state: 'COMPLETED' });
    expect((await stack.store.get('pub-fail'))?.publishedAt).toBeUndefined();

    // Act: a later run.
    await sleep(1_100);
    const second = await run();

    // Assess
    expect(second).toMatchObject({ republished: 1, published: 1 });
    expect(stack.zego.stats().byTask['pub-fail']).toBe(1); // the retry publishes; it does not ask ZEGO again

    // Act + Assess: one more run.
    await sleep(1_100);
    expect((await run()).published).toBe(0);
    expect(events().filter((e) => e.recording.taskId === 'pub-fail')).toHaveLength(1);
  });

  it('publishes an outcome left pending by a run that died between recording and publishing', async () => {
    // Prepare
    const now = Date.now();
    await stack.track('orphan', {
      state: 'EXPIRED',
      closedAt: now - 10_000,
      dueAt: now - 1,
      outcomeReason: 'not finished 3 days after tracking began',
    });

    // Act
    const summary = await run();

    // Assess
    expect(summary).toMatchObject({ republished: 1, published: 1 });
    expect(stack.zego.stats().byTask.orphan).toBeUndefined();
    expect(events()).toEqual([
      expect.objectContaining({
        eventId: expect.stringMatching(/^orphan:\d+:recording\.expired$/),
        occurredAt: new Date(now - 10_000).toISOString(),
      }),
    ]);
  });

  it('takes an announced task that an older version left in the due index out of it, without announcing it again', async () => {
    // Prepare
    const now = Date.now();
    await stack.track('stale-index', {
      state: 'COMPLETED',
      closedAt: now - 5000,
      publishedAt: now - 4000,
      dueAt: now - 1,
    });

    // Act
    const summary = await run();

    // Assess
    expect(summary.published).toBe(0);
    expect(events().filter((e) => e.recording.taskId === 'stale-index')).toEqual([]);
    expect((await stack.store.get('stale-index'))?.dueAt).toBeUndefined();
  });

  it('expires a task past the 3-day window without spending a request on it', async () => {
    // Prepare
    await stack.track('ancient', { trackedAt: Date.now() - 3 * 86_400_000 - 1 });

    // Act
    const summary = await run();

    // Assess
    expect(summary.outcomes['recording.expired']).toBe(1);
    expect(stack.zego.stats().byTask.ancient).toBeUndefined();
    expect(events()).toEqual([
      expect.objectContaining({
        eventType: 'recording.expired',
        recording: expect.objectContaining({ taskId: 'ancient', state: 'EXPIRED' }),
      }),
    ]);
  });
});
