// The real functions/callback.ts handler against dynalite, the SNS endpoint at the wire and (for the races)
// the real sweep handler with the ZEGO simulator over HTTP.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { restProxyEvent } from '../../infra/local/rest-event';
import {
  callbackFile,
  uploadFinishedDetail,
  type ZegoCallbackOptions,
  zegoCallbackBody,
} from '../../infra/local/zego-callback';
import { zegoFile } from '../../infra/local/zego-simulator';
import { MAX_CALLBACK_BYTES } from '../../lib/callback/callback-request';
import type { OutcomeEvent } from '../../lib/events/outcome-event';
import type { ApiHandler } from '../../lib/http/http-handler';
import type { SweepSummary } from '../../lib/sweep/summary';
import { withCapturedOutput } from '../support/capture-output';
import {
  APP_ID,
  CALLBACK_SECRET,
  type LocalStack,
  lambdaContext,
  sleep,
  startLocalStack,
} from '../support/local-stack';

let stack: LocalStack;
let callback: ApiHandler;
let sweep: (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<SweepSummary>;

beforeAll(async () => {
  stack = await startLocalStack();
  Object.assign(process.env, stack.sweepEnv());
  vi.resetModules();
  ({ handler: callback } = await import('../../functions/callback'));
  ({ handler: sweep } = await import('../../functions/sweep'));
});
afterAll(async () => {
  await stack.close();
});
beforeEach(() => {
  stack.sns.clear();
  stack.zego.resetStats();
});

const events = (taskId?: string) =>
  stack.sns
    .published()
    .map((p) => JSON.parse(p.parsedMessage!.default as string) as OutcomeEvent)
    .filter((e) => taskId === undefined || e.recording.taskId === taskId);

const signed = (options: Partial<ZegoCallbackOptions> & { taskId: string; eventType: number }) =>
  zegoCallbackBody({ appId: APP_ID, callbackSecret: CALLBACK_SECRET, ...options });

const uploaded = (taskId: string, statuses: number[] = [3, 3], extra: Partial<ZegoCallbackOptions> = {}) =>
  signed({
    taskId,
    eventType: 1,
    roomId: `room-${taskId}`,
    detail: uploadFinishedDetail(statuses.map((status, n) => callbackFile({ status, file_id: `${taskId}-${n}.mp4` }))),
    ...extra,
  });

function post(body: string | Record<string, unknown>) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const event = restProxyEvent({
    method: 'POST',
    resource: '/callbacks/zego',
    path: '/callbacks/zego',
    headers: { 'content-type': 'application/json' },
    body: text,
    apiKey: null,
    sourceIp: '198.51.100.9',
  });
  return callback(event, { awsRequestId: 'req-1', getRemainingTimeInMillis: () => 10_000 });
}

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

describe('refused callbacks', () => {
  const base = (): Record<string, unknown> =>
    signed({ taskId: 'refused-task', eventType: 1, detail: uploadFinishedDetail([callbackFile({ status: 3 })]) });
  it.each([
    ['a forged signature', () => ({ ...base(), signature: 'a'.repeat(40) }), 401, 'bad_signature'],
    ['a missing signature', () => ({ ...base(), signature: undefined }), 401, 'missing_signature'],
    [
      'a replayed (old) timestamp',
      () => signed({ taskId: 'refused-task', eventType: 1, now: Date.now() - 15 * 60_000 }),
      401,
      'stale_timestamp',
    ],
    [
      'a future timestamp',
      () => signed({ taskId: 'refused-task', eventType: 1, now: Date.now() + 15 * 60_000 }),
      401,
      'stale_timestamp',
    ],
    [
      'another AppId',
      () =>
        zegoCallbackBody({ appId: 987654321, callbackSecret: CALLBACK_SECRET, taskId: 'refused-task', eventType: 1 }),
      401,
      'wrong_app_id',
    ],
    ['a body that is not JSON', () => '<xml>task</xml>', 400, 'invalid_json'],
    ['an array', () => JSON.stringify([base()]), 400, 'invalid_body'],
    ['a missing task_id', () => ({ ...base(), task_id: undefined }), 400, 'invalid_task_id'],
    ['an oversized body', () => ({ ...base(), padding: 'x'.repeat(MAX_CALLBACK_BYTES) }), 400, 'body_too_large'],
  ])(
    'refuses %s with nothing written, and one warning that carries neither secret nor signature',
    async (_, make, statusCode, code) => {
      // Prepare
      const body = make() as string | Record<string, unknown>;
      const before = stack.dynamo.operations().length;

      // Act
      const { result, lines } = await withCapturedOutput(() => post(body));

      // Assess
      expect(result.statusCode).toBe(statusCode);
      expect(JSON.parse(result.body)).toEqual({ error: { code, message: expect.any(String) } });
      const writes = stack.dynamo
        .operations()
        .slice(before)
        .filter((op) => WRITES.has(op));
      expect(writes).toEqual([]);
      expect(stack.dynamo.operations().slice(before)).toEqual([]); // not even a read
      const warnings = lines.filter((line) => /"level":"WARN"/.test(line));
      expect(warnings).toHaveLength(1);
      expect(JSON.parse(warnings[0]!)).toMatchObject({ message: 'callback refused', reason: code });
      const signature = typeof body === 'string' ? undefined : body.signature;
      for (const line of lines) {
        expect(line).not.toContain(CALLBACK_SECRET);
        if (typeof signature === 'string') expect(line).not.toContain(signature);
      }
      expect(await stack.store.get('refused-task')).toBeUndefined();
      expect(stack.sns.published()).toHaveLength(0);
    },
  );
});

describe('upload finished (event 1)', () => {
  it('closes the task and publishes its event before answering, with no ZEGO request', async () => {
    // Prepare
    await stack.track('cb-done', { roomId: 'room-cb-done' });

    // Act
    const answer = await post(uploaded('cb-done', [3, 4]));

    // Assess: the event is at the SNS endpoint the moment the handler has answered.
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ received: true, action: 'announced', outcome: 'recording.completed' });
    expect(events('cb-done')).toHaveLength(1);
    expect(events('cb-done')[0]).toMatchObject({
      eventId: 'cb-done:recording.completed',
      recording: {
        state: 'COMPLETED',
        closedBy: 'callback',
        roomId: 'room-cb-done',
        zegoStatus: 3,
        files: [
          { fileId: 'cb-done-0.mp4', status: 3, url: expect.stringMatching(/^https:/) },
          { fileId: 'cb-done-1.mp4', status: 4 },
        ],
      },
    });
    expect(events('cb-done')[0]!.recording.warnings?.[0]).toMatch(/backup storage/);
    expect(stack.zego.stats().requests).toBe(0);
    const stored = await stack.store.get('cb-done');
    expect(stored).toMatchObject({ state: 'COMPLETED', closedBy: 'callback', publishedAt: expect.any(Number) });
    expect(stored?.dueAt).toBeUndefined();
  });

  it('announces a failed upload as recording.failed', async () => {
    await stack.track('cb-failed');
    const answer = await post(uploaded('cb-failed', [3, 5]));
    expect(JSON.parse(answer.body)).toMatchObject({ action: 'announced', outcome: 'recording.failed' });
    expect(events('cb-failed')).toMatchObject([
      { eventType: 'recording.failed', recording: { state: 'FAILED', outcomeReason: '1 of 2 files failed to upload' } },
    ]);
  });

  it('tracks a task nobody tracked, with its room, and announces it', async () => {
    const answer = await post(uploaded('cb-untracked', [3]));
    expect(JSON.parse(answer.body)).toMatchObject({ action: 'announced', outcome: 'recording.completed' });
    expect(events('cb-untracked')).toMatchObject([
      { recording: { taskId: 'cb-untracked', roomId: 'room-cb-untracked', state: 'COMPLETED' } },
    ]);
    expect(await stack.store.get('cb-untracked')).toMatchObject({ state: 'COMPLETED', roomId: 'room-cb-untracked' });
  });

  it('records files still uploading without closing the task', async () => {
    await stack.track('cb-uploading');
    const answer = await post(uploaded('cb-uploading', [3, 2]));
    expect(JSON.parse(answer.body)).toMatchObject({ action: 'updated' });
    expect(await stack.store.get('cb-uploading')).toMatchObject({
      state: 'OPEN',
      files: [{ status: 3 }, { status: 2 }],
    });
    expect(events('cb-uploading')).toHaveLength(0);
  });

  it('leaves the outcome pending when the publish fails, and the next sweep publishes it once', async () => {
    // Prepare
    await stack.track('cb-pending');
    stack.sns.failNext(1, { status: 403, code: 'AuthorizationError', message: 'not allowed' });

    // Act
    const answer = await post(uploaded('cb-pending'));
    await sleep(1_100); // CHECK_INTERVAL_SECONDS is 1 in the tests: the outcome is due again after it
    const summary = await sweep({}, lambdaContext());

    // Assess
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ action: 'announced', outcome: 'recording.completed' });
    expect(summary.republished).toBe(1);
    expect(summary.publishFailures).toBe(0);
    expect(events('cb-pending')).toHaveLength(1);
    expect(stack.zego.stats().byTask['cb-pending']).toBeUndefined(); // the sweep published, it asked ZEGO nothing
    expect(await stack.store.get('cb-pending')).toMatchObject({ state: 'COMPLETED', publishedAt: expect.any(Number) });
  });
});

describe('one event per task, whatever the order', () => {
  const ended = (name: string) => ({
    Status: 3,
    RecordBeginTimestamp: Date.now() - 60_000,
    RecordEndTimestamp: Date.now() - 1_000,
    RecordFiles: [zegoFile({ status: 3, FileId: `${name}-0.mp4` })],
  });

  it('callback then poll', async () => {
    await stack.track('order-cp');
    stack.zego.setTask('order-cp', ended('order-cp'));
    await post(uploaded('order-cp', [3]));
    const summary = await sweep({}, lambdaContext());
    expect(events('order-cp')).toHaveLength(1);
    expect(summary.published).toBe(0);
    expect(stack.zego.stats().byTask['order-cp']).toBeUndefined(); // closed: the sweep never asks about it
  });

  it('poll then callback', async () => {
    await stack.track('order-pc');
    stack.zego.setTask('order-pc', ended('order-pc'));
    await sweep({}, lambdaContext());
    const answer = await post(uploaded('order-pc', [3]));
    expect(JSON.parse(answer.body)).toMatchObject({ action: 'closed_already' });
    expect(events('order-pc')).toMatchObject([{ recording: { closedBy: 'poll' } }]);
    expect(await stack.store.get('order-pc')).toMatchObject({ state: 'COMPLETED', closedBy: 'poll' });
  });

  it('duplicate callbacks, sent one after another and at once', async () => {
    await stack.track('order-dup');
    const body = uploaded('order-dup', [3]);
    const answers = await Promise.all([post(body), post(body), post(body)]);
    const again = await post(body);
    expect([...answers, again].map((a) => a.statusCode)).toEqual([200, 200, 200, 200]);
    expect(events('order-dup')).toHaveLength(1);
    expect(JSON.parse(again.body)).toMatchObject({ action: 'closed_already' });
  });

  it('a callback racing a sweep that is checking the same task', async () => {
    // Prepare: ZEGO answers the sweep slowly, so the callback lands while its request is in flight.
    const slow = await startLocalStack({ latencyMs: 400 });
    try {
      Object.assign(process.env, slow.sweepEnv());
      vi.resetModules();
      const { handler: slowSweep } = await import('../../functions/sweep');
      const { handler: slowCallback } = await import('../../functions/callback');
      await slow.track('race');
      slow.zego.setTask('race', ended('race'));

      // Act
      const sweeping = slowSweep({}, lambdaContext());
      await sleep(150);
      const requestsSoFar = slow.zego.stats().requests;
      const event = restProxyEvent({
        method: 'POST',
        resource: '/callbacks/zego',
        path: '/callbacks/zego',
        body: JSON.stringify(uploaded('race', [3])),
        apiKey: null,
      });
      const answer = await slowCallback(event, { awsRequestId: 'race', getRemainingTimeInMillis: () => 10_000 });
      const summary = await sweeping;

      // Assess: the callback won, the sweep's write lost the race and published nothing.
      expect(requestsSoFar).toBe(1);
      expect(JSON.parse(answer.body)).toMatchObject({ action: 'announced' });
      expect(summary).toMatchObject({ checked: 1, published: 0, conflicts: 1 });
      const raced = slow.sns.published().map((p) => JSON.parse(p.parsedMessage!.default as string) as OutcomeEvent);
      expect(raced).toHaveLength(1);
      expect(raced[0]!.recording.closedBy).toBe('callback');
    } finally {
      await slow.close();
      Object.assign(process.env, stack.sweepEnv());
    }
  });
});

describe('events that make a task due, and polling as the backstop', () => {
  it('event 5 makes a task due at once, and the next sweep checks it first and closes it', async () => {
    // Prepare: a task whose next check is an hour away.
    const task = await stack.track('due-5');
    await stack.store.save({ ...task, dueAt: Date.now() + 3_600_000, checks: 3 });
    stack.zego.setTask('due-5', {
      Status: 3,
      RecordBeginTimestamp: Date.now() - 60_000,
      RecordFiles: [zegoFile({ status: 3 })],
    });

    // Act
    const answer = await post(signed({ taskId: 'due-5', eventType: 5 }));
    const due = await stack.store.get('due-5');
    const summary = await sweep({}, lambdaContext());

    // Assess
    expect(JSON.parse(answer.body)).toMatchObject({ action: 'made_due' });
    expect(due?.dueAt).toBeLessThanOrEqual(Date.now());
    expect(summary.published).toBeGreaterThanOrEqual(1);
    expect(events('due-5')).toMatchObject([{ recording: { state: 'COMPLETED', closedBy: 'poll' } }]);
  });

  it.each([2, 7])('event %i makes a task due at once too', async (eventType) => {
    const task = await stack.track(`due-${eventType}`);
    await stack.store.save({ ...task, dueAt: Date.now() + 3_600_000 });
    const answer = await post(signed({ taskId: `due-${eventType}`, eventType }));
    expect(JSON.parse(answer.body)).toMatchObject({ action: 'made_due' });
    expect((await stack.store.get(`due-${eventType}`))?.dueAt).toBeLessThanOrEqual(Date.now());
  });

  it('an event for an untracked task tracks it, due at once', async () => {
    const answer = await post(signed({ taskId: 'due-untracked', eventType: 7, roomId: 'room-x' }));
    expect(JSON.parse(answer.body)).toMatchObject({ action: 'tracked' });
    expect(await stack.store.get('due-untracked')).toMatchObject({ state: 'OPEN', roomId: 'room-x', checks: 0 });
  });

  it('an event type recwatch does not use answers 200 and writes nothing', async () => {
    const before = stack.dynamo.operations().length;
    const answer = await post(signed({ taskId: 'unknown-event', eventType: 3 }));
    const novel = await post(signed({ taskId: 'unknown-event', eventType: 999 }));
    expect([answer.statusCode, novel.statusCode]).toEqual([200, 200]);
    expect(JSON.parse(novel.body)).toMatchObject({ action: 'ignored' });
    expect(stack.dynamo.operations().slice(before)).toEqual([]);
  });

  it('never changes a closed task, whatever event arrives later', async () => {
    await stack.track('closed-late');
    await post(uploaded('closed-late', [3]));
    const closed = await stack.store.get('closed-late');
    for (const eventType of [1, 2, 5, 7]) {
      const answer = await post(
        eventType === 1 ? uploaded('closed-late', [5]) : signed({ taskId: 'closed-late', eventType }),
      );
      expect(JSON.parse(answer.body)).toMatchObject({ action: 'closed_already' });
    }
    expect(await stack.store.get('closed-late')).toEqual(closed);
    expect(events('closed-late')).toHaveLength(1);
  });

  it('closes a task whose callbacks never arrive by polling', async () => {
    await stack.track('lost-callbacks');
    stack.zego.setTask('lost-callbacks', {
      Status: 3,
      RecordBeginTimestamp: Date.now() - 60_000,
      RecordFiles: [zegoFile({ status: 3 })],
    });
    const summary = await sweep({}, lambdaContext());
    expect(summary.published).toBeGreaterThanOrEqual(1);
    expect(events('lost-callbacks')).toMatchObject([{ recording: { state: 'COMPLETED', closedBy: 'poll' } }]);
  });
});

describe('callback metrics (Embedded Metric Format)', () => {
  type Emf = Record<string, unknown> & {
    _aws: { CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string }[] }[] };
  };
  const emfOf = (lines: string[]) => lines.filter((l) => l.startsWith('{"_aws"')).map((l) => JSON.parse(l) as Emf);
  const names = (emf: Emf) => emf._aws.CloudWatchMetrics.flatMap((m) => m.Metrics.map((x) => x.Name)).sort();

  it('counts a refused callback in total and by reason', async () => {
    const { lines } = await withCapturedOutput(() =>
      post({ ...signed({ taskId: 'metric-refused', eventType: 1 }), signature: 'b'.repeat(40) }),
    );
    const emf = emfOf(lines);
    const byReason = emf.find((e) => e._aws.CloudWatchMetrics[0]!.Dimensions[0]!.includes('reason'));
    const total = emf.find((e) => e !== byReason);
    expect(byReason).toMatchObject({ reason: 'bad_signature', CallbacksRefused: 1 });
    expect(names(total!)).toEqual(['CallbacksReceived', 'CallbacksRefused']);
  });

  it('counts a callback acted on, with the outcome it announced', async () => {
    await stack.track('metric-done');
    const { lines } = await withCapturedOutput(() => post(uploaded('metric-done', [3])));
    const [emf, ...more] = emfOf(lines);
    expect(more).toEqual([]);
    expect(names(emf!)).toEqual(['CallbacksActedOn', 'CallbacksReceived', 'EventsPublished', 'RecordingsCompleted']);
  });

  it('counts a duplicate as ignored', async () => {
    const { lines } = await withCapturedOutput(() => post(uploaded('metric-done', [3])));
    expect(names(emfOf(lines)[0]!)).toEqual(['CallbacksIgnored', 'CallbacksReceived']);
  });
});
