// The real functions/callback.ts handler against dynalite, the local Lambda endpoint at the wire, and (for what
// a hint leads to) the real sweep handler with the ZEGO simulator over HTTP and SNS at the wire. A callback
// is a signed hint: it makes recwatch ask ZEGO, and only ZEGO's answer decides.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { callbackFile, uploadFinishedDetail } from '../../infra/local/zego-callback';
import { type SimulatedTask, zegoFile } from '../../infra/local/zego-simulator';
import { MAX_CALLBACK_BYTES } from '../../lib/callback/callback-request';
import type { ApiHandler } from '../../lib/http/http-handler';
import { createDynamoSweepLease } from '../../lib/store/dynamodb-sweep-lease';
import type { SweepSummary } from '../../lib/sweep/summary';
import { HINT_START_EVENT } from '../../lib/task/hint';
import type { OutcomeEvent } from '../../lib/task/outcome-event';
import { lookup } from '../support/api-gateway';
import { actionOf, postCallback, signedCallback as signed } from '../support/callbacks';
import { withCapturedOutput } from '../support/capture-output';
import {
  CALLBACK_SECRET,
  type LocalStack,
  lambdaContext,
  SWEEP_FUNCTION,
  startLocalStack,
} from '../support/local-stack';

let stack: LocalStack;
let callback: ApiHandler;
let lookupHandler: ApiHandler;
let sweep: (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<SweepSummary>;

beforeAll(async () => {
  stack = await startLocalStack();
  Object.assign(process.env, stack.sweepEnv());
  vi.resetModules();
  ({ handler: callback } = await import('../../functions/callback'));
  ({ handler: lookupHandler } = await import('../../functions/lookup'));
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
const post = (body: string | Record<string, unknown>) => postCallback(callback, body);
const ended = (name: string, room = `room-${name}`): SimulatedTask => ({
  Status: 3,
  RoomId: room,
  RecordBeginTimestamp: Date.now() - 60_000,
  RecordEndTimestamp: Date.now() - 1_000,
  RecordFiles: [zegoFile({ status: 3, FileId: `${name}-0.mp4` })],
});
const uploading = (name: string): SimulatedTask => ({
  ...(ended(name) as object),
  RecordFiles: [zegoFile({ status: 2, FileId: `${name}-0.mp4` })],
});
/** A tracked task whose next check is an hour away: only a hint brings it forward. */
async function trackedLater(taskId: string) {
  const task = await stack.track(taskId);
  return (await stack.store.save({ ...task, dueAt: Date.now() + 3_600_000 }))!;
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
    ['another AppId', () => ({ ...base(), app_id: 987654321 }), 401, 'wrong_app_id'],
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
      expect(stack.lambda.invocations()).toHaveLength(0);
    },
  );
});

describe('a callback is a signed hint', () => {
  it.each([1, 2, 5, 7])(
    'event %i makes a tracked task due at once, with one conditional write (and a start claim), no ZEGO request and nothing published',
    async (eventType) => {
      // Prepare
      const taskId = `hint-${eventType}`;
      await trackedLater(taskId);
      const before = stack.dynamo.operations().length;

      // Act
      const answer = await post(signed({ taskId, eventType }));

      // Assess
      expect(answer.statusCode).toBe(200);
      expect(JSON.parse(answer.body)).toEqual({ received: true, action: 'hinted' });
      const writes = stack.dynamo
        .operations()
        .slice(before)
        .filter((op) => WRITES.has(op));
      expect(writes).toEqual(['UpdateItem', 'UpdateItem']); // the hint, then the claim to start a sweep (lease item)
      const stored = await stack.store.get(taskId);
      expect(stored).toMatchObject({ state: 'OPEN', hinted: true, hintedAt: expect.any(Number) });
      expect(stored!.dueAt).toBeLessThanOrEqual(Date.now());
      expect(stack.zego.stats().requests).toBe(0);
      expect(stack.sns.published()).toHaveLength(0);
    },
  );

  it('the sweep asks ZEGO about hinted tasks before every other due task, and announces what ZEGO answers', async () => {
    // Prepare: three tasks due now, and one hinted whose own check was an hour away; one request at a time.
    for (const id of ['order-a', 'order-b', 'order-c']) {
      await stack.track(id);
      stack.zego.setTask(id, ended(id));
    }
    await trackedLater('order-hinted');
    stack.zego.setTask('order-hinted', ended('order-hinted', 'room-from-zego'));
    await post(signed({ taskId: 'order-hinted', eventType: 1, roomId: 'room-from-callback' }));
    Object.assign(process.env, stack.sweepEnv({ SWEEP_CONCURRENCY: '1' }));
    vi.resetModules();
    const oneAtATime = (await import('../../functions/sweep')).handler;

    // Act
    const summary = await oneAtATime({}, lambdaContext());

    // Assess: the hinted one was asked about before any of the others (earlier tests' hinted tasks too).
    const asked = Object.keys(stack.zego.stats().byTask);
    for (const id of ['order-a', 'order-b', 'order-c'])
      expect(asked.indexOf('order-hinted')).toBeLessThan(asked.indexOf(id));
    expect(summary.hinted).toBeGreaterThanOrEqual(1);
    expect(events('order-hinted')).toMatchObject([
      { recording: { state: 'COMPLETED', closedBy: 'callback', roomId: 'room-from-zego' } },
    ]);
    expect(events('order-a')).toMatchObject([{ recording: { closedBy: 'poll' } }]);
    expect(await stack.store.get('order-hinted')).not.toHaveProperty('hinted');
  });

  it('repeated hints for one task within the cooldown change nothing: one check, whatever their number', async () => {
    // Prepare
    await trackedLater('cooled');
    stack.zego.setTask('cooled', { ...(ended('cooled') as object), Status: 2 } as SimulatedTask);

    // Act
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(actionOf(await post(signed({ taskId: 'cooled', eventType: 7 }))));
    await sweep({}, lambdaContext());
    const later = actionOf(await post(signed({ taskId: 'cooled', eventType: 5 })));
    await sweep({}, lambdaContext());

    // Assess
    expect(answers).toEqual(['hinted', 'cooldown', 'cooldown', 'cooldown', 'cooldown']);
    expect(later).toBe('cooldown');
    expect(stack.zego.stats().byTask.cooled).toBe(1);
  });

  it('looks again within seconds while ZEGO shows the files still uploading after a hint', async () => {
    // Prepare
    await trackedLater('still-uploading');
    stack.zego.setTask('still-uploading', uploading('still-uploading'));
    await post(signed({ taskId: 'still-uploading', eventType: 7 }));

    // Act
    await sweep({}, lambdaContext());

    // Assess: hinted still, due a second later (CHECK_INTERVAL_SECONDS is 1 here, so no later than that).
    const stored = await stack.store.get('still-uploading');
    expect(stored).toMatchObject({ state: 'OPEN', hinted: true, hintFollowUps: 1 });
    expect(stored!.dueAt! - stored!.lastCheckedAt!).toBeLessThanOrEqual(1_000);
    expect(events('still-uploading')).toHaveLength(0);
  });

  it('an event type recwatch does not use answers 200 and writes nothing', async () => {
    // Prepare
    const before = stack.dynamo.operations().length;

    // Act
    const answer = await post(signed({ taskId: 'unknown-event', eventType: 3 }));
    const novel = await post(signed({ taskId: 'unknown-event', eventType: 999 }));

    // Assess
    expect([answer.statusCode, novel.statusCode]).toEqual([200, 200]);
    expect(actionOf(novel)).toBe('ignored');
    expect(stack.dynamo.operations().slice(before)).toEqual([]);
  });

  it('never changes a closed task, whatever event arrives later', async () => {
    // Prepare: a task the sweep has closed.
    await stack.track('closed-late');
    stack.zego.setTask('closed-late', ended('closed-late'));
    await sweep({}, lambdaContext());
    const closed = await stack.store.get('closed-late');

    // Act + Assess
    for (const eventType of [1, 2, 5, 7])
      expect(actionOf(await post(signed({ taskId: 'closed-late', eventType })))).toBe('closed_already');
    expect(await stack.store.get('closed-late')).toEqual(closed);
    expect(events('closed-late')).toHaveLength(1);
  });
});

describe('a callback for a task nobody tracked makes it a candidate', () => {
  it('is tracked, with ZEGO’s room, only once ZEGO’s answer shows it exists; until then GET answers 404', async () => {
    // Prepare
    stack.zego.setTask('cand-real', ended('cand-real', 'room-of-zego'));

    // Act
    const answer = await post(signed({ taskId: 'cand-real', eventType: 1, roomId: 'room-of-the-callback' }));
    const before = await lookupHandler(lookup('cand-real'), lambdaContext());
    const summary = await sweep({}, lambdaContext());
    const after = await lookupHandler(lookup('cand-real'), lambdaContext());

    // Assess
    expect(actionOf(answer)).toBe('candidate');
    expect(before.statusCode).toBe(404);
    expect(summary.candidates).toEqual({ checked: 1, tracked: 1, dropped: 0 });
    expect(after.statusCode).toBe(200);
    expect(JSON.parse(after.body)).toMatchObject({ roomId: 'room-of-zego', trackedBy: 'callback', state: 'COMPLETED' });
    expect(events('cand-real')).toMatchObject([{ recording: { roomId: 'room-of-zego', closedBy: 'callback' } }]);
    expect(await stack.dynamo.scanTable(stack.table)).not.toContainEqual(
      expect.objectContaining({ taskId: expect.stringContaining('#candidate#cand-real') }),
    );
  });

  it('takes the room from ZEGO’s listing when the status answer carries none', async () => {
    // Prepare: a stack whose status answers carry no room.
    const other = await startLocalStack({ statusCarriesRoomId: false });
    try {
      Object.assign(process.env, other.sweepEnv());
      vi.resetModules();
      const otherCallback = (await import('../../functions/callback')).handler;
      const otherSweep = (await import('../../functions/sweep')).handler;
      other.zego.setTask('cand-listed', ended('cand-listed', 'room-in-listing'));

      // Act
      await postCallback(otherCallback, signed({ taskId: 'cand-listed', eventType: 1, roomId: 'forged-room' }));
      await otherSweep({}, lambdaContext());

      // Assess
      expect(await other.store.get('cand-listed')).toMatchObject({ roomId: 'room-in-listing', trackedBy: 'callback' });
      expect(other.zego.stats().listRequests).toBe(1);
    } finally {
      await other.close();
      Object.assign(process.env, stack.sweepEnv());
    }
  });

  it('a task id ZEGO does not know is dropped, with no event and no lasting item, and counted', async () => {
    // Act
    const answer = await post(signed({ taskId: 'cand-made-up', eventType: 1 }));
    const summary = await sweep({}, lambdaContext());

    // Assess
    expect(actionOf(answer)).toBe('candidate');
    expect(summary.candidates).toEqual({ checked: 1, tracked: 0, dropped: 1 });
    expect(events('cand-made-up')).toHaveLength(0);
    const items = await stack.dynamo.scanTable(stack.table);
    expect(items.filter((item) => String(item.taskId).includes('cand-made-up'))).toEqual([]);
  });

  it('a passing fault on a candidate’s check is retried a bounded number of times, then the candidate is dropped', async () => {
    // Prepare: ZEGO fails every request about it.
    stack.zego.setTask('cand-flaky', ended('cand-flaky'));
    stack.zego.injectFault({ type: 'http', status: 503 }, { taskId: 'cand-flaky', times: 100 });
    await post(signed({ taskId: 'cand-flaky', eventType: 1 }));

    // Act: runs until it is gone (each retry waits out its backoff: 1–2 s here).
    const runs: SweepSummary[] = [];
    for (let i = 0; i < 10 && runs.every((r) => r.candidates.dropped === 0); i++) {
      runs.push(await sweep({}, lambdaContext()));
      await new Promise((resolve) => setTimeout(resolve, 2_100));
    }

    // Assess
    expect(stack.zego.stats().byTask['cand-flaky']).toBe(3);
    expect(runs.at(-1)!.candidates.dropped).toBe(1);
    expect(await stack.store.get('cand-flaky')).toBeUndefined();
    expect(events('cand-flaky')).toHaveLength(0);
  }, 40_000);
});

describe('a callback that finds no sweep taking work starts one', () => {
  it('asks Lambda for a run when the lease is free, and that run serves the hint', async () => {
    // Prepare: the sweep function on the local Lambda endpoint is the real handler.
    stack.lambda.define(SWEEP_FUNCTION, (event) => sweep(event, lambdaContext()));
    await trackedLater('started');
    stack.zego.setTask('started', ended('started'));
    const before = stack.lambda.invocations().length;

    try {
      // Act
      const answer = await post(signed({ taskId: 'started', eventType: 1 }));
      await stack.lambda.settled();

      // Assess
      expect(actionOf(answer)).toBe('hinted');
      expect(stack.lambda.invocations().slice(before)).toMatchObject([
        { functionName: SWEEP_FUNCTION, invocationType: 'Event', payload: HINT_START_EVENT },
      ]);
      expect(events('started')).toMatchObject([{ recording: { state: 'COMPLETED', closedBy: 'callback' } }]);
    } finally {
      stack.lambda.define(SWEEP_FUNCTION, async () => undefined);
    }
  });

  it('asks for one run for a burst of callbacks, however many containers take them', async () => {
    // Prepare: the lease is free, and the last start was asked for long enough ago.
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const ids = Array.from({ length: 10 }, (_, i) => `burst-${i}`);
    for (const id of ids) await trackedLater(id);
    const before = stack.lambda.invocations().length;

    // Act: ten at once (in the deployed stack, several callback containers).
    const answers = await Promise.all(ids.map((taskId) => post(signed({ taskId, eventType: 7 }))));

    // Assess
    expect(answers.map(actionOf)).toEqual(ids.map(() => 'hinted'));
    expect(stack.lambda.invocations().slice(before)).toHaveLength(1);
  });

  it('asks for none while a run holds the lease and is taking work', async () => {
    // Prepare
    const lease = createDynamoSweepLease({ client: stack.dynamo.doc, table: stack.table });
    const now = Date.now();
    await lease.acquire('busy-run', now, now + 60_000, now + 45_000);
    await trackedLater('busy');
    const before = stack.lambda.invocations().length;

    try {
      // Act
      await new Promise((resolve) => setTimeout(resolve, 2_100)); // past the last start asked for
      const answer = await post(signed({ taskId: 'busy', eventType: 5 }));

      // Assess
      expect(actionOf(answer)).toBe('hinted');
      expect(stack.lambda.invocations().slice(before)).toEqual([]);
    } finally {
      await lease.release('busy-run', []);
    }
  });
});

describe('one event per task, whatever the order', () => {
  it('poll then callback', async () => {
    // Prepare: closed by a poll.
    await stack.track('order-pc');
    stack.zego.setTask('order-pc', ended('order-pc'));
    await sweep({}, lambdaContext());

    // Act + Assess: then the callback.
    expect(actionOf(await post(signed({ taskId: 'order-pc', eventType: 1 })))).toBe('closed_already');
    expect(events('order-pc')).toMatchObject([{ recording: { closedBy: 'poll' } }]);
  });

  it('duplicate callbacks, sent one after another and at once', async () => {
    // Prepare
    await trackedLater('order-dup');
    stack.zego.setTask('order-dup', ended('order-dup'));
    const body = signed({ taskId: 'order-dup', eventType: 1 });

    // Act
    const answers = await Promise.all([post(body), post(body), post(body)]);
    await sweep({}, lambdaContext());
    const again = await post(body);

    // Assess
    expect([...answers, again].map((a) => a.statusCode)).toEqual([200, 200, 200, 200]);
    expect(answers.map(actionOf).sort()).toEqual(['cooldown', 'cooldown', 'hinted']);
    expect(actionOf(again)).toBe('closed_already');
    expect(events('order-dup')).toHaveLength(1);
    expect(stack.zego.stats().byTask['order-dup']).toBe(1);
  });

  it('a callback racing a sweep whose request about the same task is in flight', async () => {
    // Prepare: ZEGO answers slowly, so the callback lands while the sweep's request is in flight.
    const slow = await startLocalStack({ latencyMs: 400 });
    try {
      Object.assign(process.env, slow.sweepEnv({ ZEGO_TIMEOUT_MS: '2000' }));
      vi.resetModules();
      const { handler: slowSweep } = await import('../../functions/sweep');
      const { handler: slowCallback } = await import('../../functions/callback');
      await slow.track('race');
      slow.zego.setTask('race', ended('race'));

      // Act
      const sweeping = slowSweep({}, lambdaContext());
      await new Promise((resolve) => setTimeout(resolve, 150));
      const answer = await postCallback(slowCallback, signed({ taskId: 'race', eventType: 1 }));
      const summary = await sweeping;
      const raced = slow.sns.published().map((p) => JSON.parse(p.parsedMessage!.default as string) as OutcomeEvent);

      // Assess: the hint moved the task on, so the polled answer lost its write; the hinted check announced.
      expect(actionOf(answer)).toBe('hinted');
      expect(summary).toMatchObject({ conflicts: 1, hinted: 1, published: 1 });
      expect(raced).toHaveLength(1);
      expect(raced[0]!.recording.closedBy).toBe('callback');
    } finally {
      await slow.close();
      Object.assign(process.env, stack.sweepEnv());
    }
  });
});

describe('callback metrics (Embedded Metric Format)', () => {
  type Emf = Record<string, unknown> & {
    _aws: { CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string }[] }[] };
  };
  const emfOf = (lines: string[]) => lines.filter((l) => l.startsWith('{"_aws"')).map((l) => JSON.parse(l) as Emf);
  const names = (emf: Emf) => emf._aws.CloudWatchMetrics.flatMap((m) => m.Metrics.map((x) => x.Name)).sort();

  it('counts a refused callback once, without a per-reason dimension (the reason is in its log line)', async () => {
    // Act
    const { lines } = await withCapturedOutput(() =>
      post({ ...signed({ taskId: 'metric-refused', eventType: 1 }), signature: 'b'.repeat(40) }),
    );

    // Assess
    const emf = emfOf(lines);
    expect(emf.map(names)).toEqual([['CallbacksRefused']]);
    expect(emf[0]!._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['service']]);
    expect(lines.some((l) => l.includes('bad_signature'))).toBe(true);
  });

  it('counts a hint taken as acted on, and publishes nothing for one in its cooldown', async () => {
    // Prepare
    await trackedLater('metric-hint');

    // Act
    const first = await withCapturedOutput(() => post(signed({ taskId: 'metric-hint', eventType: 5 })));
    const again = await withCapturedOutput(() => post(signed({ taskId: 'metric-hint', eventType: 5 })));

    // Assess
    expect(emfOf(first.lines).map(names)).toEqual([['CallbacksActedOn']]);
    expect(emfOf(again.lines)).toEqual([]);
  });
});
