// DescribeTasks end to end: the client against the simulator over loopback HTTP, and the simulator's own rules
// (window checks, selection, paging, its own rate window) where the client would not send the request.
import { afterEach, describe, expect, it } from 'vitest';
import type { SimulatedTask } from '../../infra/local/zego-simulator';
import type { DescribeTasksQuery, ListResult, RequestGate } from '../../lib/zego/types';
import { postSigned, runCleanups, SECRET, setup, TASK } from '../support/zego';

afterEach(runCleanups);

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const live = (begin: number, extra: Partial<Exclude<SimulatedTask, 'missing'>> = {}): SimulatedTask => ({
  Status: 2,
  RecordBeginTimestamp: begin,
  ...extra,
});

const idsOf = (result: ListResult): string[] => (result.kind === 'ok' ? result.page.tasks.map((t) => t.taskId) : []);

function expectNoSecrets(result: ListResult): void {
  const text = JSON.stringify(result);
  expect(text).not.toContain(SECRET);
  expect(text).not.toContain('Signature');
  expect(text).not.toContain('127.0.0.1');
}

describe('describeTasks against the simulator', () => {
  it('pages through 120 tasks in progress, in begin order, with the total on every page', async () => {
    // Prepare: 120 in the window (three share each begin time), plus some that must not be listed.
    const { sim, client } = await setup();
    const begin = Date.now() - HOUR;
    const ids = Array.from({ length: 120 }, (_, i) => `live-${String(i).padStart(3, '0')}`);
    sim.setTasks(ids.map((id, i) => [id, live(begin + (i % 40) * 1_000, { RoomId: `room-${i % 7}` })]));
    sim.setTask('ended-0001', { Status: 3, RecordBeginTimestamp: begin + 5 });
    sim.setTask('too-early-1', live(begin - 1));
    sim.setTask('too-late-01', live(begin + 60_001));
    sim.setTask('no-begin-01', { Status: 2 });
    sim.setTask('missing-001', 'missing');
    const query: DescribeTasksQuery = { status: 2, startTime: begin, endTime: begin + 60_000, pageSize: 50 };

    // Act
    const pages: ListResult[] = [];
    for (let pageOffset = 1; pageOffset <= 4; pageOffset++)
      pages.push(await client.describeTasks({ ...query, pageOffset }));

    // Assess
    const expected = ids
      .map((id, i) => ({ id, i }))
      .sort((a, b) => (a.i % 40) - (b.i % 40) || a.i - b.i)
      .map((e) => e.id);
    expect(
      pages.map((p) => p.kind === 'ok' && [p.page.pageOffset, p.page.pageSize, p.page.totalCount, p.page.tasks.length]),
    ).toEqual([
      [1, 50, 120, 50],
      [2, 50, 120, 50],
      [3, 50, 120, 20],
      [4, 50, 120, 0],
    ]);
    expect(pages.flatMap(idsOf)).toEqual(expected);
    expect(pages[0]).toMatchObject({ kind: 'ok', attempts: 1, requestId: expect.stringMatching(/^sim-/) });
    expect(pages[0]?.kind === 'ok' && pages[0].page.tasks[0]).toStrictEqual({
      taskId: 'live-000',
      roomId: 'room-0',
      status: 2,
      recordBeginTimestamp: begin,
    });
    expect(sim.stats()).toMatchObject({ listRequests: 4, listRefusals: 0, requests: 0, byTask: {} });
  });

  it('uses ZEGO’s defaults: page 1 for a PageOffset of 0 or none, 50 a page', async () => {
    // Prepare
    const { sim, client } = await setup();
    const begin = Date.now() - HOUR;
    sim.setTasks(Array.from({ length: 60 }, (_, i) => [`d-${String(i).padStart(2, '0')}`, live(begin + i)]));
    const query: DescribeTasksQuery = { status: 2, startTime: begin, endTime: begin + HOUR };

    // Act
    const absent = await client.describeTasks(query);
    const zero = await client.describeTasks({ ...query, pageOffset: 0 });

    // Assess
    for (const result of [absent, zero]) {
      expect(result.kind === 'ok' && { ...result.page, tasks: result.page.tasks.length }).toEqual({
        pageOffset: 1,
        pageSize: 50,
        totalCount: 60,
        tasks: 50,
      });
    }
  });

  it('lists ended tasks, abnormal ends included, for Status 3, and one room when asked', async () => {
    // Prepare
    const { sim, client } = await setup();
    const begin = Date.now() - HOUR;
    sim.setTasks([
      ['ended-a', { Status: 3, RoomId: 'room-a', RecordBeginTimestamp: begin + 1 }],
      ['broke-a', { Status: 4, RoomId: 'room-a', RecordBeginTimestamp: begin + 2 }],
      ['ended-b', { Status: 3, RoomId: 'room-b', RecordBeginTimestamp: begin + 3 }],
      ['live-a', live(begin + 4, { RoomId: 'room-a' })],
    ]);
    const query: DescribeTasksQuery = { status: 3, startTime: begin, endTime: begin + HOUR };

    // Act
    const all = await client.describeTasks(query);
    const roomA = await client.describeTasks({ ...query, roomId: 'room-a' });
    const liveInA = await client.describeTasks({ ...query, status: 2, roomId: 'room-a' });

    // Assess
    expect(idsOf(all)).toEqual(['ended-a', 'broke-a', 'ended-b']);
    expect(roomA.kind === 'ok' && roomA.page.tasks.map((t) => [t.taskId, t.status])).toEqual([
      ['ended-a', 3],
      ['broke-a', 4],
    ]);
    expect(idsOf(liveInA)).toEqual(['live-a']);
  });

  it.each([
    ['by default only Status 2', undefined, ['live-2']],
    ['initialising and paused tasks too when told', [1, 2, 5], ['init-1', 'live-2', 'paused-5']],
    ['paused tasks too when told', [2, 5], ['live-2', 'paused-5']],
  ] as const)('lists as in progress %s', async (_name, inProgressListing, expected) => {
    // Prepare
    const { sim, client } = await setup(inProgressListing ? { inProgressListing: [...inProgressListing] } : {});
    const begin = Date.now() - HOUR;
    sim.setTasks([
      ['init-1', { Status: 1, RecordBeginTimestamp: begin + 1 }],
      ['live-2', live(begin + 2)],
      ['ended-3', { Status: 3, RecordBeginTimestamp: begin + 3 }],
      ['paused-5', { Status: 5, RecordBeginTimestamp: begin + 5 }],
    ]);

    // Act
    const result = await client.describeTasks({ status: 2, startTime: begin, endTime: begin + HOUR });

    // Assess
    expect(idsOf(result)).toEqual(expected);
    expect(result.kind === 'ok' && result.page.totalCount).toBe(expected.length);
  });

  it('selects on each task’s current step of a script', async () => {
    // Prepare
    const start = Date.now();
    let clock = start;
    const { sim, client } = await setup({ now: () => clock });
    sim.setScript('scripted-01', [
      { afterMs: 0, data: live(start - HOUR) },
      { afterMs: 1_000, data: { Status: 3, RecordBeginTimestamp: start - HOUR } },
    ]);
    const listAt = async (offset: number, status: 2 | 3): Promise<string[]> => {
      clock = start + offset;
      return idsOf(await client.describeTasks({ status, startTime: start - 2 * HOUR, endTime: start }));
    };

    // Act
    const seen = [await listAt(999, 2), await listAt(999, 3), await listAt(1_000, 2), await listAt(1_000, 3)];

    // Assess
    expect(seen).toEqual([['scripted-01'], [], [], ['scripted-01']]);
  });

  it('reports a window ZEGO finds too old as a transient fault with its code', async () => {
    // Prepare: the client cannot judge "3 days before ZEGO's now"; the simulator refuses.
    const { sim, client } = await setup();
    const now = Date.now();

    // Act
    const result = await client.describeTasks({ status: 2, startTime: now - 3 * DAY - 60_000, endTime: now - 2 * DAY });

    // Assess
    expect(result).toStrictEqual({
      kind: 'transient',
      code: 300_000_004,
      message: 'Code 300000004: invalid parameter: StartTime is more than 3 days ago',
      requestId: expect.stringMatching(/^sim-/),
      attempts: 1,
    });
    expect(sim.stats()).toMatchObject({ listRequests: 1, listRefusals: 0 });
    expectNoSecrets(result);
  });

  it.each([
    ['endTime equal to startTime', { endTime: 1_000 }, /endTime must be after startTime/],
    ['endTime before startTime', { endTime: 999 }, /endTime must be after startTime/],
    ['a span over 3 days', { endTime: 1_000 + 3 * DAY + 1 }, /more than 3 days/],
    ['a fractional startTime', { startTime: 1_000.5 }, /integers/],
    ['a NaN endTime', { endTime: Number.NaN }, /integers/],
    ['status 1', { status: 1 }, /status must be 2/],
    ['pageSize 0', { pageSize: 0 }, /pageSize must be an integer from 1 to 50/],
    ['pageSize 51', { pageSize: 51 }, /pageSize/],
    ['pageOffset -1', { pageOffset: -1 }, /pageOffset/],
    ['an empty roomId', { roomId: '' }, /roomId/],
  ])('throws, sending nothing, for a query with %s', async (_name, override, message) => {
    // Prepare
    const { sim, client } = await setup();
    const query = { status: 2, startTime: 1_000, endTime: 2_000, ...override } as DescribeTasksQuery;

    // Act
    const call = client.describeTasks(query);

    // Assess
    await expect(call).rejects.toThrow(message);
    await expect(call).rejects.toThrow(/^invalid DescribeTasks query: /);
    expect(sim.stats().listRequests).toBe(0);
  });

  it('sends an exactly 3-day window', async () => {
    // Prepare
    const { client } = await setup();
    const startTime = Date.now() - HOUR;

    // Act
    const result = await client.describeTasks({ status: 3, startTime, endTime: startTime + 3 * DAY });

    // Assess
    expect(result).toMatchObject({ kind: 'ok', page: { totalCount: 0, tasks: [] } });
  });

  it('keeps DescribeTasks’ rate window apart from DescribeRecordStatus’', async () => {
    // Prepare
    const start = Date.now();
    let clock = start;
    const { sim, client } = await setup({ now: () => clock });
    const query: DescribeTasksQuery = { status: 2, startTime: start - HOUR, endTime: start };

    // Act: 10 of each within 500 ms, an 11th listing in the same second, a 12th in the next.
    const accepted: string[] = [];
    for (let i = 0; i < 10; i++) {
      clock = start + i * 50;
      accepted.push((await client.describeTasks(query)).kind, (await client.describeRecordStatus(TASK)).kind);
    }
    clock = start + 999;
    const eleventh = await client.describeTasks(query);
    clock = start + 1_600; // (600, 1600] holds 999 and itself
    const later = await client.describeTasks(query);

    // Assess
    expect(accepted).toEqual(Array(20).fill('ok'));
    expect(eleventh).toMatchObject({ kind: 'transient', code: 300_000_003, rateRefused: true });
    expect(later).toMatchObject({ kind: 'ok' });
    expect(sim.stats()).toMatchObject({
      requests: 10,
      refusals: 0,
      maxInAnyWindow: 10,
      listRequests: 12,
      listRefusals: 1,
      maxListInAnyWindow: 11,
    });
    expect(sim.listArrivals()).toEqual([
      ...Array.from({ length: 10 }, (_, i) => start + i * 50),
      start + 999,
      start + 1_600,
    ]);
    expect(sim.arrivals()).toHaveLength(10);
  });

  it('honours describeTasksRateLimit, and resetStats clears the listing statistics but not the limit', async () => {
    // Prepare
    let clock = Date.now();
    const { sim, client } = await setup({ now: () => clock, describeTasksRateLimit: 2 });
    const query: DescribeTasksQuery = { status: 2, startTime: clock - HOUR, endTime: clock };

    // Act
    const kinds = [];
    for (let i = 0; i < 3; i++) kinds.push((await client.describeTasks(query)).kind);
    sim.resetStats();
    const cleared = sim.stats();
    clock += 10;
    const afterReset = await client.describeTasks(query);

    // Assess
    expect(kinds).toEqual(['ok', 'ok', 'transient']);
    expect(cleared).toMatchObject({ listRequests: 0, listRefusals: 0, maxListInAnyWindow: 0, requests: 0 });
    expect(sim.listArrivals()).toHaveLength(1);
    expect(afterReset).toMatchObject({ kind: 'transient', rateRefused: true });
  });

  it.each([
    ['HTTP 502', { type: 'http', status: 502 }, 'HTTP 502'],
    ['a 200 that is not JSON', { type: 'http', status: 200 }, 'response is not JSON'],
    ['a truncated body', { type: 'truncated' }, /^response cut short/],
    ['a malformed Data', { type: 'malformed' }, 'malformed response: Data.TotalCount is not an integer'],
    ['a system error', { type: 'code', code: 300_010_000 }, 'Code 300010000: injected fault'],
  ] as const)('makes %s a transient fault, leaving status checks alone', async (_name, fault, message) => {
    // Prepare
    const { sim, client } = await setup();
    sim.injectFault(fault, { action: 'DescribeTasks' });
    const now = Date.now();

    // Act
    const listing = await client.describeTasks({ status: 2, startTime: now - HOUR, endTime: now });
    const status = await client.describeRecordStatus(TASK);
    const nextListing = await client.describeTasks({ status: 2, startTime: now - HOUR, endTime: now });

    // Assess
    expect(listing).toMatchObject({ kind: 'transient', attempts: 1 });
    expect(listing.kind !== 'ok' && listing.message).toMatch(message);
    expect(status).toMatchObject({ kind: 'ok' });
    expect(nextListing).toMatchObject({ kind: 'ok' });
    expectNoSecrets(listing);
  });

  it('leaves a fault meant for DescribeRecordStatus (the default) to it', async () => {
    // Prepare
    const { sim, client } = await setup();
    sim.injectFault({ type: 'http', status: 503 });
    const now = Date.now();

    // Act
    const listing = await client.describeTasks({ status: 2, startTime: now - HOUR, endTime: now });
    const status = await client.describeRecordStatus(TASK);

    // Assess
    expect(listing).toMatchObject({ kind: 'ok' });
    expect(status).toMatchObject({ kind: 'transient', message: 'HTTP 503' });
  });

  it('retries once when the connection is reset, passing each attempt through the gate', async () => {
    // Prepare
    const { sim, client } = await setup();
    sim.injectFault({ type: 'reset' }, { action: 'DescribeTasks' });
    const events: string[] = [];
    const gate: RequestGate = {
      acquire: async () => {
        events.push('acquire');
        return () => events.push('release');
      },
    };
    const now = Date.now();

    // Act
    const result = await client.describeTasks({ status: 2, startTime: now - HOUR, endTime: now }, { gate });

    // Assess
    expect(result).toMatchObject({ kind: 'ok', attempts: 2 });
    expect(events).toEqual(['acquire', 'release', 'acquire', 'release']);
    expect(sim.stats()).toMatchObject({ listRequests: 2, requests: 0 });
  });

  it('gives up on a hung listing after timeoutMs, and sends nothing when the gate refuses', async () => {
    // Prepare
    const { sim, client } = await setup({}, { timeoutMs: 200 });
    sim.injectFault({ type: 'hang' }, { action: 'DescribeTasks' });
    const closedGate: RequestGate = { acquire: () => Promise.reject(new Error('aborted')) };
    const now = Date.now();
    const query: DescribeTasksQuery = { status: 2, startTime: now - HOUR, endTime: now };

    // Act
    const hung = await client.describeTasks(query);
    const refused = await client.describeTasks(query, { gate: closedGate });

    // Assess
    expect(hung).toStrictEqual({ kind: 'transient', message: 'timed out after 200 ms', attempts: 1 });
    expect(refused).toMatchObject({ kind: 'transient', attempts: 0 });
    expect(sim.stats().listRequests).toBe(1);
  });

  it.each([
    ['a wrong secret', { serverSecret: 'f'.repeat(32) }, 100_000_005, 1],
    ['a wrong AppId', { appId: 42 }, 100_000_010, 0],
  ] as const)('reports %s as a config fault', async (_name, override, code, badSignatures) => {
    // Prepare
    const { sim, client } = await setup({}, override);
    const now = Date.now();

    // Act
    const result = await client.describeTasks({ status: 2, startTime: now - HOUR, endTime: now });

    // Assess
    expect(result).toMatchObject({ kind: 'config', code, attempts: 1 });
    expect(sim.stats()).toMatchObject({ badSignatures, listRequests: 1, requests: 0 });
    expectNoSecrets(result);
  });

  it('lists 10,000 tasks in progress in pages of 50 quickly', async () => {
    // Prepare
    const { sim, client } = await setup({ describeTasksRateLimit: 100_000 });
    const begin = Date.now() - HOUR;
    sim.setTasks(
      Array.from({ length: 10_000 }, (_, i) => [
        `bulk-${String(i).padStart(5, '0')}`,
        live(begin + (i % 997), { RoomId: `r${i}` }),
      ]),
    );
    const started = performance.now();

    // Act
    const seen = new Set<string>();
    let totalCount = -1;
    for (let pageOffset = 1; pageOffset <= 200; pageOffset++) {
      const result = await client.describeTasks({
        status: 2,
        startTime: begin,
        endTime: begin + HOUR,
        pageOffset,
        pageSize: 50,
      });
      if (result.kind !== 'ok') throw new Error(result.message);
      totalCount = result.page.totalCount;
      for (const task of result.page.tasks) seen.add(task.taskId);
    }

    // Assess
    expect(totalCount).toBe(10_000);
    expect(seen.size).toBe(10_000);
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});

describe('the simulator’s DescribeTasks checks', () => {
  const NOW = Date.now();
  const valid = { Status: 2, StartTime: NOW - HOUR, EndTime: NOW };

  it.each([
    ['Status missing', { StartTime: NOW - HOUR, EndTime: NOW }, 'Status'],
    ['Status 1', { ...valid, Status: 1 }, 'Status'],
    ['Status a string', { ...valid, Status: '2' }, 'Status'],
    ['StartTime missing', { Status: 2, EndTime: NOW }, 'StartTime'],
    ['StartTime fractional', { ...valid, StartTime: NOW - 0.5 }, 'StartTime'],
    ['EndTime a string', { ...valid, EndTime: String(NOW) }, 'EndTime'],
    ['EndTime equal to StartTime', { ...valid, EndTime: NOW - HOUR }, 'EndTime must be after StartTime'],
    ['EndTime before StartTime', { ...valid, EndTime: NOW - 2 * HOUR }, 'EndTime must be after StartTime'],
    [
      'a span over 3 days',
      { ...valid, StartTime: NOW - 3 * DAY + 1, EndTime: NOW + 2 },
      'the time range is longer than 3 days',
    ],
    [
      'StartTime over 3 days ago',
      { ...valid, StartTime: NOW - 3 * DAY - 1, EndTime: NOW - DAY },
      'StartTime is more than 3 days ago',
    ],
    ['PageSize 0', { ...valid, PageSize: 0 }, 'PageSize'],
    ['PageSize 51', { ...valid, PageSize: 51 }, 'PageSize'],
    ['PageOffset -1', { ...valid, PageOffset: -1 }, 'PageOffset'],
    ['RoomId a number', { ...valid, RoomId: 7 }, 'RoomId'],
    ['a body that is not JSON', '{"Status":', 'body is not JSON'],
  ])('refuses %s with 300000004', async (_name, body, what) => {
    // Prepare
    const { sim } = await setup({ now: () => NOW });

    // Act
    const answer = await postSigned(sim.url, 'DescribeTasks', body, NOW);

    // Assess
    expect(answer).toMatchObject({ Code: 300_000_004, Message: `invalid parameter: ${what}` });
    expect(answer.Data).toBeUndefined();
  });

  it('accepts a window of exactly 3 days starting exactly 3 days ago', async () => {
    // Prepare
    const { sim } = await setup({ now: () => NOW });

    // Act
    const answer = await postSigned(
      sim.url,
      'DescribeTasks',
      { Status: 3, StartTime: NOW - 3 * DAY, EndTime: NOW },
      NOW,
    );

    // Assess
    expect(answer).toMatchObject({ Code: 0, Data: { PageOffset: 1, PageSize: 50, TotalCount: 0, TaskidList: [] } });
  });

  it('still refuses other actions with 100000007, counting them as before', async () => {
    // Prepare
    const { sim } = await setup();

    // Act
    const answer = await postSigned(sim.url, 'StartRecord', { RoomId: 'r' });

    // Assess
    expect(answer).toMatchObject({ Code: 100_000_007 });
    expect(sim.stats()).toMatchObject({ requests: 1, listRequests: 0 });
  });
});
