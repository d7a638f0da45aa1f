import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { zegoFile } from '../../infra/local/zego-simulator';
import type { DescribeResult, RequestGate } from '../../lib/zego/types';
import { deferCleanup, ENDED, runCleanups, SECRET, setup, TASK } from '../support/zego';

afterEach(runCleanups);

/** Blocks the whole thread, as a Lambda freeze does: no timer, no socket event runs meanwhile. */
function blockThread(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function expectNoSecrets(result: DescribeResult): void {
  const text = JSON.stringify(result);
  expect(text).not.toContain(SECRET);
  expect(text).not.toContain('Signature');
  expect(text).not.toContain('127.0.0.1');
}

describe('createZegoClient against the simulator', () => {
  it('returns the record with its files mapped to our names', async () => {
    // Prepare
    const { sim, client } = await setup();
    const files = [zegoFile({ status: 3, FileSize: 1000 }), zegoFile({ status: 5, FileId: 'f2' })];
    sim.setTask(TASK, { ...ENDED, RecordFiles: files });

    // Act
    const result = await client.describeRecordStatus(TASK);

    // Assess
    expect(result).toMatchObject({ kind: 'ok', attempts: 1, requestId: expect.stringMatching(/^sim-/) });
    expect(result.kind === 'ok' && result.recording).toEqual({
      status: 3,
      roomId: 'room-1',
      recordBeginTimestamp: 1601221452099,
      recordEndTimestamp: 1601221508795,
      files: [
        {
          url: 'https://storage.example.com/record/X3CgNeE4I1qAAABN_room_stream_VA_20240927154419775.mp4',
          fileId: 'X3CgNeE4I1qAAABN_room_stream_VA_20240927154419775.mp4',
          streamId: 'stream_1',
          userId: 'user_1',
          format: 'mp4',
          sizeBytes: 1000,
          durationMs: 33_874,
          width: 1280,
          height: 720,
          mediaTrackType: 3,
          beginTimestamp: 1_601_221_459_830,
          status: 3,
        },
        expect.not.objectContaining({ url: expect.anything() }), // ZEGO: no FileUrl for a failed upload
      ],
    });
    expect(sim.stats()).toMatchObject({ requests: 1, refusals: 0, badSignatures: 0, byTask: { [TASK]: 1 } });
  });

  it.each([
    ['HTTP 502', { type: 'http', status: 502 }, 'HTTP 502'],
    ['a 200 that is not JSON', { type: 'http', status: 200 }, 'response is not JSON'],
    ['a truncated body', { type: 'truncated' }, /^response cut short/],
    ['Data.Status as a string', { type: 'malformed' }, 'malformed response: Data.Status is not an integer'],
  ] as const)('makes %s a transient fault without retrying', async (_name, fault, message) => {
    // Prepare
    const { sim, client } = await setup();
    sim.injectFault(fault);

    // Act
    const result = await client.describeRecordStatus(TASK);

    // Assess
    expect(result).toMatchObject({ kind: 'transient', attempts: 1 });
    expect(result.kind !== 'ok' && result.message).toMatch(message);
    expect(sim.stats().requests).toBe(1);
    expectNoSecrets(result);
  });

  it('gives up on a request that hangs after timeoutMs, without retrying', async () => {
    // Prepare
    const { sim, client } = await setup({}, { timeoutMs: 200 });
    sim.injectFault({ type: 'hang' });
    const started = performance.now();

    // Act
    const result = await client.describeRecordStatus(TASK);

    // Assess
    expect(result).toStrictEqual({ kind: 'transient', message: 'timed out after 200 ms', attempts: 1 });
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(sim.stats().requests).toBe(1);
  });

  it.each([
    [300_001_000, 'task', undefined],
    [100_000_005, 'config', undefined],
    [300_000_003, 'transient', true],
  ] as const)('classifies an injected Code %i as %s', async (code, kind, rateRefused) => {
    // Prepare
    const { sim, client } = await setup();
    sim.injectFault({ type: 'code', code, message: 'injected' });

    // Act
    const result = await client.describeRecordStatus(TASK);

    // Assess
    expect(result).toMatchObject({ kind, code, message: `Code ${code}: injected`, attempts: 1 });
    expect(result.kind !== 'ok' && result.rateRefused).toBe(rateRefused);
  });

  it.each([
    ['a wrong secret', { serverSecret: 'f'.repeat(32) }, TASK, 'config', 100_000_005],
    ['a wrong AppId', { appId: 42 }, TASK, 'config', 100_000_010],
    ['a clock 11 minutes slow', { now: () => Date.now() - 660_000 }, TASK, 'transient', 100_000_004],
    ['an unknown task', {}, 'unknown-task-01', 'task', 300_001_000],
  ] as const)('reports %s as ZEGO does', async (_name, override, taskId, kind, code) => {
    // Prepare
    const { sim, client } = await setup({}, override);

    // Act
    const result = await client.describeRecordStatus(taskId);

    // Assess
    expect(result).toMatchObject({ kind, code, attempts: 1 });
    expect(sim.stats().badSignatures).toBe(code === 100_000_005 ? 1 : 0);
    expectNoSecrets(result);
  });

  it('retries once, at once, when the connection is reset before any answer', async () => {
    // Prepare
    const { sim, client } = await setup();
    sim.injectFault({ type: 'reset' });

    // Act
    const result = await client.describeRecordStatus(TASK);

    // Assess
    expect(result).toMatchObject({ kind: 'ok', attempts: 2 });
    expect(sim.stats().requests).toBe(2);
  });

  it('retries a reset only once', async () => {
    // Prepare
    const { sim, client } = await setup();
    sim.injectFault({ type: 'reset' }, { times: 2 });

    // Act
    const result = await client.describeRecordStatus(TASK);

    // Assess
    expect(result).toMatchObject({
      kind: 'transient',
      message: expect.stringMatching(/^connection closed/),
      attempts: 2,
    });
    expect(sim.stats().requests).toBe(2);
  });

  it('survives a keep-alive socket the server closed while the process was frozen', async () => {
    // Prepare: the server drops idle sockets after 100 ms without saying so; the client thinks they live 4 s.
    const { sim, client } = await setup({ keepAliveTimeoutMs: 100 });
    expect(await client.describeRecordStatus(TASK)).toMatchObject({ kind: 'ok' });
    await nextTurn(); // let undici put the socket back in its pool
    blockThread(300);

    // Act
    const result = await client.describeRecordStatus(TASK);

    // Assess: undici 7 checks an idle socket for a pending FIN before reusing it, so it usually opens a new
    // connection itself (attempts 1); had the close slipped past it, the retry would have covered (attempts 2).
    expect(result).toMatchObject({ kind: 'ok' });
    expect(result.attempts).toBeLessThanOrEqual(2);
    expect(sim.stats().connections).toBe(2);
  });

  it('retries once when the server closes the kept-alive socket as the request goes out', async () => {
    // Prepare: freeze the thread just as undici writes the second request on the reused socket, so the
    // server's idle timer fires before it reads the request and it closes the socket with the request unread.
    const { sim, client } = await setup({ keepAliveTimeoutMs: 100 });
    expect(await client.describeRecordStatus(TASK)).toMatchObject({ kind: 'ok' });
    await nextTurn();
    let armed = true;
    const freezeOnSend = (): void => {
      if (!armed) return;
      armed = false;
      blockThread(200);
    };
    subscribe('undici:client:sendHeaders', freezeOnSend);
    deferCleanup(async () => void unsubscribe('undici:client:sendHeaders', freezeOnSend));

    // Act
    const result = await client.describeRecordStatus(TASK);

    // Assess: the request on the dead socket never reached the handler; the retry did, on a new connection.
    expect(result).toMatchObject({ kind: 'ok', attempts: 2 });
    expect(sim.stats()).toMatchObject({ requests: 2, connections: 2 });
  });

  it('opens new connections after idling longer than idleResetMs, and reuses them otherwise', async () => {
    // Prepare
    let clock = Date.now();
    const { sim, client } = await setup({}, { now: () => clock, idleResetMs: 4_000 });
    await client.describeRecordStatus(TASK);
    await nextTurn();
    clock += 3_000;
    await client.describeRecordStatus(TASK);
    await nextTurn();
    const beforeIdle = sim.stats().connections;
    clock += 5_000;

    // Act
    const result = await client.describeRecordStatus(TASK);

    // Assess
    expect(result).toMatchObject({ kind: 'ok', attempts: 1 });
    expect(beforeIdle).toBe(1);
    expect(sim.stats().connections).toBe(2);
  });

  it('passes every attempt through the gate and releases it once the answer is in', async () => {
    // Prepare
    const { sim, client } = await setup({ latencyMs: 50 });
    sim.injectFault({ type: 'reset' });
    const events: string[] = [];
    const gate: RequestGate = {
      acquire: async () => {
        events.push(`acquire (server saw ${sim.stats().requests})`);
        const acquiredAt = performance.now();
        return () =>
          events.push(
            `release (server saw ${sim.stats().requests}, after ${performance.now() - acquiredAt >= 50 ? '≥' : '<'} 50 ms)`,
          );
      },
    };

    // Act
    const result = await client.describeRecordStatus(TASK, { gate });

    // Assess
    expect(result).toMatchObject({ kind: 'ok', attempts: 2 });
    expect(events).toEqual([
      'acquire (server saw 0)',
      'release (server saw 1, after ≥ 50 ms)',
      'acquire (server saw 1)',
      'release (server saw 2, after ≥ 50 ms)',
    ]);
  });

  it('sends nothing when the gate refuses, and stops when the caller aborts', async () => {
    // Prepare
    const { sim, client } = await setup();
    const closedGate: RequestGate = { acquire: () => Promise.reject(new Error('aborted')) };
    sim.injectFault({ type: 'hang' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);

    // Act
    const refused = await client.describeRecordStatus(TASK, { gate: closedGate });
    const aborted = await client.describeRecordStatus(TASK, { signal: controller.signal });

    // Assess
    expect(refused).toMatchObject({ kind: 'transient', attempts: 0 });
    expect(aborted).toStrictEqual({ kind: 'transient', message: 'aborted by caller', attempts: 1 });
    expect(sim.stats().requests).toBe(1);
  });
});
