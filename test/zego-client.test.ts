import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { startZegoSimulator, zegoFile } from '../infra/local/zego-simulator';
import type { SimulatorOptions, ZegoSimulator } from '../infra/local/zego-simulator';
import { createZegoClient } from '../lib/zego/client';
import type { ZegoClientOptions } from '../lib/zego/client';
import type { DescribeResult, RequestGate, ZegoClient } from '../lib/zego/types';

const APP_ID = 1234567890;
const SECRET = '9193cc662a4c0ec135ec71fb57194b38';
const TASK = 'X3CgNeE4I1qAAABN';
const ENDED = { Status: 3, RoomId: 'room-1', RecordBeginTimestamp: 1601221452099, RecordEndTimestamp: 1601221508795 };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(
  simOptions: Partial<SimulatorOptions> = {},
  clientOptions: Partial<ZegoClientOptions> = {},
): Promise<{ sim: ZegoSimulator; client: ZegoClient }> {
  const sim = await startZegoSimulator({ appId: APP_ID, serverSecret: SECRET, ...simOptions });
  cleanups.push(() => sim.close());
  sim.setTask(TASK, { ...ENDED, RecordFiles: [zegoFile({ status: 3 })] });
  const client = createZegoClient({ appId: APP_ID, serverSecret: SECRET, baseUrl: sim.url, timeoutMs: 2_000, ...clientOptions });
  cleanups.push(() => client.close());
  return { sim, client };
}

/** Blocks the whole thread, as a Lambda freeze does: no timer, no socket event runs meanwhile. */
function blockThread(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

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
    sim.setTask(TASK, { ...ENDED, RecordFiles: [zegoFile({ status: 3, FileSize: 1000 }), zegoFile({ status: 5, FileId: 'f2' })] });

    // Act
    const result = await client.describeRecordStatus(TASK);

    // Assess
    expect(result).toMatchObject({ kind: 'ok', attempts: 1, requestId: expect.stringMatching(/^sim-/) });
    expect(result.kind === 'ok' && result.record).toEqual({
      status: 3,
      roomId: 'room-1',
      recordBeginTimestamp: 1601221452099,
      recordEndTimestamp: 1601221508795,
      files: [
        expect.objectContaining({ status: 3, sizeBytes: 1000, url: expect.stringContaining('https://'), format: 'mp4' }),
        expect.not.objectContaining({ url: expect.anything() }),
      ],
    });
    expect(sim.stats()).toMatchObject({ requests: 1, refusals: 0, badSignatures: 0, byTask: { [TASK]: 1 } });
  });

  it.each([
    ['HTTP 502', { type: 'http', status: 502 }, 'HTTP 502'],
    ['HTTP 500', { type: 'http', status: 500 }, 'HTTP 500'],
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
    [300_000_004, 'task', undefined],
    [100_000_005, 'config', undefined],
    [300_000_003, 'transient', true],
    [300_010_000, 'transient', undefined],
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
    ['a wrong secret', { serverSecret: 'f'.repeat(32) }, 'config', 100_000_005],
    ['a wrong AppId', { appId: 42 }, 'config', 100_000_010],
    ['a clock 11 minutes slow', { now: () => Date.now() - 660_000 }, 'transient', 100_000_004],
  ] as const)('reports %s as ZEGO’s gateway does', async (_name, override, kind, code) => {
    // Prepare
    const { sim, client } = await setup({}, override);

    // Act
    const result = await client.describeRecordStatus(TASK);

    // Assess
    expect(result).toMatchObject({ kind, code, attempts: 1 });
    expect(sim.stats().badSignatures).toBe(code === 100_000_005 ? 1 : 0);
    expectNoSecrets(result);
  });

  it('reports an unknown task as a task fault', async () => {
    // Prepare
    const { client } = await setup();

    // Act
    const result = await client.describeRecordStatus('unknown-task-01');

    // Assess
    expect(result).toMatchObject({ kind: 'task', code: 300_001_000, attempts: 1 });
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
    expect(result).toMatchObject({ kind: 'transient', message: expect.stringMatching(/^connection closed/), attempts: 2 });
    expect(sim.stats().requests).toBe(2);
  });

  it('survives a keep-alive socket the server closed while the process was frozen', async () => {
    // Prepare: the server drops idle sockets after 100 ms without saying so; the client thinks they live 4 s.
    const { sim, client } = await setup({ keepAliveTimeoutMs: 100 });
    expect(await client.describeRecordStatus(TASK)).toMatchObject({ kind: 'ok' });
    blockThread(300);

    // Act
    const result = await client.describeRecordStatus(TASK);

    // Assess
    expect(result).toMatchObject({ kind: 'ok' });
    console.log('frozen', result.attempts, sim.stats());
  });

  it('retries once when the server closes the kept-alive socket as the request goes out', async () => {
    // Prepare: freeze the thread just as undici writes the second request on the reused socket, so the
    // server's idle timer fires before it reads the request: it closes the socket with the request unread.
    const { sim, client } = await setup({ keepAliveTimeoutMs: 100 });
    expect(await client.describeRecordStatus(TASK)).toMatchObject({ kind: 'ok' });
    let armed = true;
    const freezeOnSend = (): void => {
      if (!armed) return;
      armed = false;
      blockThread(200);
    };
    subscribe('undici:client:sendHeaders', freezeOnSend);
    cleanups.push(async () => void unsubscribe('undici:client:sendHeaders', freezeOnSend));

    // Act
    const result = await client.describeRecordStatus(TASK);

    // Assess
    expect(result).toMatchObject({ kind: 'ok' });
    console.log('race', result.attempts, sim.stats());
  });
});
