// What a forger holding one genuine callback's signature can and cannot do, through the real callback, sweep,
// lookup and list handlers against dynalite, the ZEGO simulator over HTTP and SNS at the wire: ZEGO's
// signature covers only its timestamp and nonce, so any body can carry it for 10 minutes. Only ZEGO's API
// answers decide; a flood of such hints never stops polling; and a re-tracked task's outcome gets a new eventId.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { callbackFile, uploadFinishedDetail } from '../../infra/local/zego-callback';
import { type SimulatedTask, zegoFile } from '../../infra/local/zego-simulator';
import type { ApiHandler } from '../../lib/http/http-handler';
import type { SweepSummary } from '../../lib/sweep/summary';
import type { OutcomeEvent } from '../../lib/task/outcome-event';
import { list, lookup, track, untrack } from '../support/api-gateway';
import { actionOf, postCallback, signedCallback } from '../support/callbacks';
import { type LocalStack, lambdaContext, sleep, startLocalStack } from '../support/local-stack';

let stack: LocalStack;
const handlers = {} as Record<'callback' | 'lookup' | 'list' | 'track' | 'untrack', ApiHandler> & {
  sweep: (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<SweepSummary>;
};

beforeAll(async () => {
  stack = await startLocalStack({ rateLimit: 10 });
  Object.assign(process.env, stack.sweepEnv({ ZEGO_RATE_LIMIT: '10' }));
  vi.resetModules();
  Object.assign(handlers, {
    callback: (await import('../../functions/callback')).handler,
    lookup: (await import('../../functions/lookup')).handler,
    list: (await import('../../functions/list')).handler,
    track: (await import('../../functions/track')).handler,
    untrack: (await import('../../functions/untrack')).handler,
    sweep: (await import('../../functions/sweep')).handler,
  });
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
const begin = () => Date.now() - 120_000;
const live = (name: string): SimulatedTask => ({
  Status: 2,
  RoomId: `room-${name}`,
  RecordBeginTimestamp: begin(),
  RecordFiles: [zegoFile({ status: 1, FileId: `${name}.mp4` })],
});
const finished = (name: string): SimulatedTask => ({
  Status: 3,
  RoomId: `room-${name}`,
  RecordBeginTimestamp: begin(),
  RecordEndTimestamp: Date.now() - 5_000,
  RecordFiles: [zegoFile({ status: 3, FileId: `${name}.mp4` })],
});

describe('a forged body on a genuine signature', () => {
  const EVIL_URL = 'https://evil.example.test/payload.mp4';
  const EVIL_ROOM = 'forged-room';

  it('announces nothing of the forger’s: ZEGO’s answers decide the outcome, the files and the room', async () => {
    // Prepare: a live recording, a finished one, and a task id ZEGO has never heard of.
    stack.zego.setTask('trust-live', live('trust-live'));
    stack.zego.setTask('trust-done', finished('trust-done'));
    for (const id of ['trust-live', 'trust-done']) {
      const task = await stack.track(id);
      await stack.store.save({ ...task, dueAt: Date.now() + 3_600_000 }); // only the hint brings them forward
    }
    // A genuine callback for the live one (event 4: no stream yet), whose timestamp, nonce and signature are lifted.
    const genuine = signedCallback({ taskId: 'trust-live', eventType: 4 });
    const forged = (taskId: string) => ({
      ...genuine,
      task_id: taskId,
      event_type: 1,
      room_id: EVIL_ROOM,
      detail: uploadFinishedDetail([callbackFile({ status: 3, file_id: 'payload.mp4', file_url: EVIL_URL })]),
    });

    // Act
    const answers = [];
    for (const id of ['trust-live', 'trust-done', 'trust-unknown'])
      answers.push(await postCallback(handlers.callback, forged(id)));
    for (let run = 0; run < 2; run++) await handlers.sweep({}, lambdaContext());

    // Assess: each forged callback is accepted as the hint it is.
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200]);
    expect(answers.map(actionOf)).toEqual(['hinted', 'hinted', 'candidate']);
    // The live recording stays OPEN; the finished one is announced with ZEGO's file and room; the unknown id, never.
    expect(await stack.store.get('trust-live')).toMatchObject({ state: 'OPEN', roomId: 'room-trust-live' });
    expect(events('trust-live')).toEqual([]);
    expect(events('trust-done')).toMatchObject([
      {
        recording: {
          state: 'COMPLETED',
          roomId: 'room-trust-done',
          files: [{ fileId: 'trust-done.mp4', url: 'https://storage.example.com/record/trust-done.mp4' }],
        },
      },
    ]);
    expect(events('trust-unknown')).toEqual([]);
    expect(await stack.store.get('trust-unknown')).toBeUndefined();
    // The forger's URL and room are nowhere: no view, no listing, no stored item, no message (body, subject, attributes).
    const views = await Promise.all(
      ['trust-live', 'trust-done', 'trust-unknown'].map((id) => handlers.lookup(lookup(id), lambdaContext())),
    );
    expect(views.map((v) => v.statusCode)).toEqual([200, 200, 404]);
    const room = await handlers.list(list(`roomId=${EVIL_ROOM}`), lambdaContext());
    expect(JSON.parse(room.body)).toEqual({ recordings: [] });
    const everything = JSON.stringify({
      views: views.map((v) => v.body),
      items: await stack.dynamo.scanTable(stack.table),
      published: stack.sns.published(),
    });
    expect(everything).not.toContain('evil.example.test');
    expect(everything).not.toContain(EVIL_ROOM);
    expect(
      (await stack.dynamo.scanTable(stack.table)).filter((item) => String(item.taskId).includes('trust-unknown')),
    ).toEqual([]);
  });
});

describe('a flood of signed hints never stops polling', () => {
  /** Sends one genuine-looking callback for each id, `concurrency` at a time; resolves with the answers' actions. */
  async function flood(ids: string[], concurrency = 16): Promise<unknown[]> {
    const actions: unknown[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < ids.length) {
          const taskId = ids[next++]!;
          actions.push(actionOf(await postCallback(handlers.callback, signedCallback({ taskId, eventType: 1 }))));
        }
      }),
    );
    return actions;
  }

  /** A sweep that keeps checking (triage on, a pass every 2 s), as deployed. */
  async function keepCheckingSweep() {
    Object.assign(
      process.env,
      stack.sweepEnv({
        ZEGO_RATE_LIMIT: '10',
        SWEEP_TRIAGE: 'on',
        SWEEP_KEEP_CHECKING: 'on',
        CHECK_INTERVAL_SECONDS: '2',
        CHECK_INTERVAL_MAX_SECONDS: '4',
      }),
    );
    vi.resetModules();
    return (await import('../../functions/sweep')).handler;
  }

  /** Tracked recordings in progress; the first of them ends `endsAfterMs` from now. */
  async function recordings(prefix: string, n: number, endsAfterMs: number): Promise<string[]> {
    const ids = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
    for (const id of ids) {
      stack.zego.setTask(id, live(id));
      await stack.track(id);
    }
    stack.zego.setScript(ids[0]!, [
      { afterMs: 0, data: live(ids[0]!) },
      { afterMs: endsAfterMs, data: finished(ids[0]!) },
    ]);
    return ids;
  }

  /** The candidates the run did not reach go, so later tests start without them (the table is shared). */
  async function dropCandidates(): Promise<void> {
    for (const item of await stack.dynamo.scanTable(stack.table))
      if (typeof item.candidateOf === 'string') await stack.store.dropCandidate(item.candidateOf);
  }

  const announcedAt = (taskId: string) =>
    stack.sns.published().find((p) => p.message.includes(`"taskId\\":\\"${taskId}\\"`))?.at;

  // 2,000 here, through the real callback; test/unit/sweep-engine-hints.test.ts runs 10,000 on the fake clock. Candidates are the last lane, so their number
  // changes how long they take to drop, not when a real recording is announced.
  it('2,000 made-up task ids: a recording that ends is announced within its usual bound, and the candidates are dropped', async () => {
    // Prepare
    const ids = await recordings('flood-made-up', 20, 4_000);
    const sweep = await keepCheckingSweep();
    const start = Date.now();

    // Act: the flood goes on while the run checks.
    const running = sweep({}, lambdaContext(12_000));
    const actions = await flood(Array.from({ length: 2_000 }, (_, i) => `made-up-${i}`));
    const summary = await running;
    await dropCandidates();

    // Assess: announced within a pass interval (2 s) and a request of its end, whatever the flood.
    expect(actions.filter((a) => a === 'candidate').length).toBe(2_000);
    const at = announcedAt(ids[0]!);
    expect(at).toBeDefined();
    expect(at! - (start + 4_000)).toBeLessThan(4_000);
    expect(summary.candidates.dropped).toBeGreaterThan(0);
    expect(summary.rateRefusals).toBe(0);
    expect(stack.zego.stats().maxInAnyWindow).toBeLessThanOrEqual(10);
    expect(events().map((e) => e.recording.taskId)).toEqual([ids[0]]);
    // The others stay open; clean up so later tests start from an empty due index.
    stack.zego.setTasks(ids.slice(1).map((id) => [id, finished(id)] as const));
    await handlers.sweep({}, lambdaContext());
  }, 60_000);

  it('every tracked task re-hinted every second: a recording that ends is announced within its usual bound', async () => {
    // Prepare: 40 recordings in progress, hinted over and over (most hints superseded by the listing).
    const ids = await recordings('flood-rehint', 40, 3_000);
    const sweep = await keepCheckingSweep();
    const start = Date.now();
    let flooding = true;
    const hinting = (async () => {
      while (flooding) {
        await flood(ids, 8);
        await sleep(1_000);
      }
    })();

    // Act
    const summary = await sweep({}, lambdaContext(12_000));
    flooding = false;
    await hinting;

    // Assess
    const at = announcedAt(ids[0]!);
    expect(at).toBeDefined();
    expect(at! - (start + 3_000)).toBeLessThan(4_000);
    expect(summary.rateRefusals).toBe(0);
    expect(stack.zego.stats().maxInAnyWindow).toBeLessThanOrEqual(10);
    expect(summary.hinted + summary.hintsSuperseded).toBeGreaterThan(0);
    expect(events().map((e) => e.recording.taskId)).toEqual([ids[0]]);
    // The others stay open; clean up so later tests start from an empty due index.
    stack.zego.setTasks(ids.slice(1).map((id) => [id, finished(id)] as const));
    await handlers.sweep({}, lambdaContext());
  }, 60_000);
});

describe('untracked tasks stay untracked', () => {
  it('does not track again, nor announce, a task untracked with DELETE that a callback names later', async () => {
    // Prepare: tracked, then untracked while ZEGO still knows it.
    stack.zego.setTask('dropped-by-user', finished('dropped-by-user'));
    await handlers.track(track(JSON.stringify({ taskId: 'dropped-by-user' })), lambdaContext());
    expect((await handlers.untrack(untrack('dropped-by-user'), lambdaContext())).statusCode).toBe(204);

    // Act: ZEGO's callback (or a forger's) names it.
    const answer = await postCallback(handlers.callback, signedCallback({ taskId: 'dropped-by-user', eventType: 1 }));
    const summary = await handlers.sweep({}, lambdaContext());

    // Assess: a candidate, dropped without asking ZEGO; nothing tracked, nothing announced.
    expect(actionOf(answer)).toBe('candidate');
    expect(summary.candidates).toMatchObject({ dropped: 1, tracked: 0 });
    expect(stack.zego.stats().byTask['dropped-by-user']).toBeUndefined();
    expect((await handlers.lookup(lookup('dropped-by-user'), lambdaContext())).statusCode).toBe(404);
    expect(events('dropped-by-user')).toEqual([]);
  });
});

describe('eventId survives untrack and re-track', () => {
  it('gives the second outcome of a task tracked again an eventId of its own', async () => {
    // Prepare
    stack.zego.setTask('retracked', finished('retracked'));
    const body = JSON.stringify({ taskId: 'retracked', roomId: 'room-retracked' });

    // Act: tracked, announced, deleted, tracked again, announced again.
    expect((await handlers.track(track(body), lambdaContext())).statusCode).toBe(201);
    await handlers.sweep({}, lambdaContext());
    expect((await handlers.untrack(untrack('retracked'), lambdaContext())).statusCode).toBe(204);
    await sleep(5);
    expect((await handlers.track(track(body), lambdaContext())).statusCode).toBe(201);
    await handlers.sweep({}, lambdaContext());

    // Assess
    const [first, second] = events('retracked');
    expect(events('retracked')).toHaveLength(2);
    expect(first!.eventId).not.toBe(second!.eventId);
    expect(second!.eventType).toBe('recording.completed');
  });
});
