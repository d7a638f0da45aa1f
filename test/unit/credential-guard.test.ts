// The credential guard with scripted ZEGO clients and a counting gate, pure (no sockets), on a fake clock where
// time matters (a refresh that takes a while): what a configuration fault does, and the one refresh a run gets.
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/log';
import { type CredentialGuardOptions, createCredentialGuard } from '../../lib/sweep/credential-guard';
import type { DescribeResult, RequestGate, ZegoClient, ZegoFault } from '../../lib/zego/types';
import { RETURN_CODE } from '../../lib/zego/vocabulary';
import { FakeClock } from '../support/fake-clock';

const ok = (attempts = 1): DescribeResult => ({ kind: 'ok', recording: { status: 3, files: [] }, attempts });
const badSignature = (attempts = 1): ZegoFault => ({
  kind: 'config',
  code: RETURN_CODE.badSignature,
  message: 'Code 100000005: invalid signature',
  attempts,
});
const unknownAppId = (): ZegoFault => ({
  kind: 'config',
  code: RETURN_CODE.serverSecretNotFound,
  message: 'Code 100000010: no ServerSecret for the AppId',
  attempts: 1,
});

/** A ZEGO client whose status answers are scripted, one per request (`ok()` once the script runs out). */
class ScriptedClient implements ZegoClient {
  readonly asked: Array<{ taskId: string; gate?: RequestGate }> = [];
  constructor(
    readonly name: string,
    private readonly script: DescribeResult[] = [],
  ) {}
  async describeRecordStatus(taskId: string, options?: { gate?: RequestGate }): Promise<DescribeResult> {
    this.asked.push({ taskId, ...(options?.gate ? { gate: options.gate } : {}) });
    return this.script.shift() ?? ok();
  }
  async describeTasks(): Promise<never> {
    throw new Error('not used by the credential guard');
  }
  async close(): Promise<void> {}
}

/** A gate that lets everything through, counting the acquisitions and the signals they came with. */
function countingGate() {
  const seen = { acquires: 0, releases: 0, signals: [] as Array<AbortSignal | undefined> };
  const gate: RequestGate = {
    async acquire(signal) {
      seen.acquires++;
      seen.signals.push(signal);
      return () => {
        seen.releases++;
      };
    },
  };
  return { gate, seen };
}

function setup(client: ZegoClient, refresh?: CredentialGuardOptions['refresh']) {
  const run = new AbortController();
  const stops: number[] = [];
  const refreshes = { count: 0 };
  const guard = createCredentialGuard({
    client,
    ...(refresh
      ? {
          refresh: () => {
            refreshes.count++;
            return refresh();
          },
        }
      : {}),
    stop: () => {
      stops.push(stops.length + 1);
      run.abort('configuration');
    },
    signal: run.signal,
    logger: createLogger({ level: 'SILENT' }),
  });
  return { guard, run, stops, refreshes };
}

describe('credential guard', () => {
  it("returns the client's answer, asking through the given gate and counting its attempts", async () => {
    // Prepare: the answer took two attempts (a stale-socket retry).
    const client = new ScriptedClient('first', [ok(2)]);
    const env = setup(client);
    const { gate } = countingGate();

    // Act
    const result = await env.guard.describe('task-1', gate);

    // Assess
    expect(result).toEqual(ok(2));
    expect(client.asked).toEqual([{ taskId: 'task-1', gate }]);
    expect(env.guard.current()).toEqual({ client, generation: 0 });
    expect(env.stops).toEqual([]);
    expect(env.guard.faults).toEqual({ count: 0 });
  });

  it('tries a request refused for its signature once more with the client the refresh returns, without stopping', async () => {
    // Prepare: the old secret is refused; the one read again works.
    const old = new ScriptedClient('old', [badSignature()]);
    const fresh = new ScriptedClient('fresh', [ok()]);
    const env = setup(old, async () => fresh);
    const { gate } = countingGate();

    // Act
    const result = await env.guard.describe('task-1', gate);

    // Assess: one request each, both attempts counted; the new client is used from now on.
    expect(result).toEqual(ok(2));
    expect(old.asked.map((a) => a.taskId)).toEqual(['task-1']);
    expect(fresh.asked.map((a) => a.taskId)).toEqual(['task-1']);
    expect(env.guard.current()).toEqual({ client: fresh, generation: 1 });
    expect(env.refreshes.count).toBe(1);
    expect(env.stops).toEqual([]);
    expect(env.run.signal.aborted).toBe(false);
    expect(env.guard.faults).toEqual({ count: 0 });
  });

  it('refreshes at most once a run: a bad signature with the new secret too stops the run', async () => {
    // Prepare: both secrets are refused.
    const old = new ScriptedClient('old', [badSignature()]);
    const fresh = new ScriptedClient('fresh', [badSignature()]);
    const env = setup(old, async () => fresh);
    const { gate } = countingGate();

    // Act
    const result = await env.guard.describe('task-1', gate);

    // Assess
    expect(result).toEqual(badSignature(2));
    expect(env.refreshes.count).toBe(1);
    expect(env.stops).toEqual([1]);
    expect(env.run.signal.reason).toBe('configuration');
    expect(env.guard.faults).toEqual({ count: 1, last: 'Code 100000005: invalid signature' });
    expect(env.guard.current()).toEqual({ client: fresh, generation: 1 });
  });

  it('stops on a later bad signature of the new secret, with no second refresh (fault() alone)', async () => {
    // Prepare: a first fault, refreshed to a new client; later, a fault of a request the new client signed.
    const fresh = new ScriptedClient('fresh');
    const env = setup(new ScriptedClient('old'), async () => fresh);

    // Act
    const first = await env.guard.fault(badSignature(), 0);
    const second = await env.guard.fault(badSignature(), 1);

    // Assess
    expect([first, second]).toEqual([true, false]);
    expect(env.refreshes.count).toBe(1);
    expect(env.stops).toEqual([1]);
    expect(env.guard.faults.count).toBe(1);
  });

  it('holds every request back at the gate while the ServerSecret is read again, and lets them go after', async () => {
    // Prepare: the refresh takes 500 ms of fake time.
    const clock = new FakeClock(0);
    const fresh = new ScriptedClient('fresh');
    const env = setup(new ScriptedClient('old'), async () => {
      await clock.sleep(500);
      return fresh;
    });
    const { gate, seen } = countingGate();
    const gated = env.guard.gated(gate);

    // Act: a bad signature starts the refresh; two requests want a slot meanwhile.
    const fault = env.guard.fault(badSignature(), 0);
    const acquired: number[] = [];
    const requests = [1, 2].map(() => gated.acquire().then(() => acquired.push(clock.now())));
    await clock.runUntil(499);
    const during = { acquires: seen.acquires, acquired: [...acquired] };
    await clock.runUntil(500);
    await Promise.all(requests);

    // Assess: nothing reached the gate during the refresh; both did at once after, with the run's signal.
    expect(during).toEqual({ acquires: 0, acquired: [] });
    expect(await fault).toBe(true);
    expect(seen.acquires).toBe(2);
    expect(acquired).toEqual([500, 500]);
    expect(seen.signals).toEqual([env.run.signal, env.run.signal]);
  });

  it('passes requests straight to the gate when nothing is being looked into', async () => {
    // Prepare
    const env = setup(new ScriptedClient('only'));
    const { gate, seen } = countingGate();

    // Act
    const release = await env.guard.gated(gate).acquire();
    release();

    // Assess
    expect(seen).toEqual({ acquires: 1, releases: 1, signals: [env.run.signal] });
  });

  it('answers a fault that arrives during the refresh once the refresh is over, without a second refresh', async () => {
    // Prepare: two requests of the old secret refused at about the same time; the refresh takes 200 ms.
    const clock = new FakeClock(0);
    const fresh = new ScriptedClient('fresh');
    const env = setup(new ScriptedClient('old'), async () => {
      await clock.sleep(200);
      return fresh;
    });

    // Act
    const first = env.guard.fault(badSignature(), 0);
    const second = env.guard.fault(badSignature(), 0);
    await clock.runUntil(200);

    // Assess: both are tried again with the new secret; nothing stopped.
    expect([await first, await second]).toEqual([true, true]);
    expect(env.refreshes.count).toBe(1);
    expect(env.stops).toEqual([]);
    expect(env.guard.faults).toEqual({ count: 0 });
  });

  it('stops at once, without reading the secret again, for a configuration fault other than a bad signature', async () => {
    // Prepare: an unknown AppId.
    const client = new ScriptedClient('only', [unknownAppId()]);
    const fresh = new ScriptedClient('fresh');
    const env = setup(client, async () => fresh);
    const { gate } = countingGate();

    // Act
    const result = await env.guard.describe('task-1', gate);

    // Assess
    expect(result).toEqual(unknownAppId());
    expect(client.asked).toHaveLength(1);
    expect(fresh.asked).toHaveLength(0);
    expect(env.refreshes.count).toBe(0);
    expect(env.stops).toEqual([1]);
    expect(env.guard.faults).toEqual({ count: 1, last: 'Code 100000010: no ServerSecret for the AppId' });
    expect(env.guard.current().generation).toBe(0);
  });

  it('stops at once for a bad signature when it cannot read the secret again (no refresh)', async () => {
    // Prepare
    const client = new ScriptedClient('only', [badSignature()]);
    const env = setup(client);
    const { gate } = countingGate();

    // Act
    const result = await env.guard.describe('task-1', gate);

    // Assess
    expect(result).toEqual(badSignature(1));
    expect(client.asked).toHaveLength(1);
    expect(env.stops).toEqual([1]);
    expect(env.guard.faults).toEqual({ count: 1, last: 'Code 100000005: invalid signature' });
  });

  it('says to try again, without stopping or counting, for a fault of a request signed with an older secret', async () => {
    // Prepare: the secret was read again (generation 1).
    const env = setup(new ScriptedClient('old'), async () => new ScriptedClient('fresh'));
    const refreshed = await env.guard.fault(badSignature(), 0);

    // Act: late answers to requests signed at generation 0.
    const late = [await env.guard.fault(badSignature(), 0), await env.guard.fault(unknownAppId(), 0)];

    // Assess
    expect(refreshed).toBe(true);
    expect(late).toEqual([true, true]);
    expect(env.guard.current().generation).toBe(1);
    expect(env.refreshes.count).toBe(1);
    expect(env.stops).toEqual([]);
    expect(env.guard.faults).toEqual({ count: 0 });
  });

  it.each([
    { refreshed: 'rejects', refresh: () => Promise.reject(new Error('SSM unavailable')) },
    { refreshed: 'returns undefined (the secret is unchanged)', refresh: () => Promise.resolve(undefined) },
  ])('stops the run when the refresh $refreshed', async ({ refresh }) => {
    // Prepare
    const client = new ScriptedClient('only', [badSignature()]);
    const env = setup(client, refresh);
    const { gate } = countingGate();

    // Act
    const result = await env.guard.describe('task-1', gate);

    // Assess: not tried again; the old client stays.
    expect(result).toEqual(badSignature(1));
    expect(client.asked).toHaveLength(1);
    expect(env.refreshes.count).toBe(1);
    expect(env.stops).toEqual([1]);
    expect(env.guard.faults).toEqual({ count: 1, last: 'Code 100000005: invalid signature' });
    expect(env.guard.current()).toEqual({ client, generation: 0 });
  });

  it('returns a transient or task fault as it came, without stopping', async () => {
    // Prepare
    const transient: DescribeResult = { kind: 'transient', message: 'HTTP 502', attempts: 1 };
    const missing: DescribeResult = {
      kind: 'task',
      code: RETURN_CODE.taskMissing,
      message: 'Code 300001000: task missing',
      attempts: 1,
    };
    const client = new ScriptedClient('only', [transient, missing]);
    const env = setup(client, async () => new ScriptedClient('fresh'));
    const { gate } = countingGate();

    // Act
    const results = [await env.guard.describe('a', gate), await env.guard.describe('b', gate)];

    // Assess
    expect(results).toEqual([transient, missing]);
    expect(env.refreshes.count).toBe(0);
    expect(env.stops).toEqual([]);
  });
});
