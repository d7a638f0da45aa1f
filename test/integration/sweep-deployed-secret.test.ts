// The deployed path: the ServerSecret comes from an SSM SecureString (through the real SSMClient at the
// wire), read once per cold start; a missing parameter fails the run without touching tasks.
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type SsmEndpoint, startSsmEndpoint } from '../../infra/local/ssm-endpoint';
import { zegoFile } from '../../infra/local/zego-simulator';
import { type LocalStack, lambdaContext, SECRET, startLocalStack } from '../support/local-stack';

let stack: LocalStack;
let ssm: SsmEndpoint;
const PARAM = '/recwatch/test/zego-server-secret';

beforeAll(async () => {
  stack = await startLocalStack();
  ssm = await startSsmEndpoint();
});
afterAll(async () => {
  await Promise.all([stack.close(), ssm.close()]);
});

async function load() {
  const env = stack.sweepEnv({ ZEGO_SERVER_SECRET_PARAM: PARAM, AWS_ENDPOINT_URL_SSM: ssm.url });
  delete (env as Record<string, string | undefined>).ZEGO_SERVER_SECRET;
  delete process.env.ZEGO_SERVER_SECRET;
  Object.assign(process.env, env);
  vi.resetModules();
  return (await import('../../functions/sweep')).handler;
}

describe('the ServerSecret from SSM', () => {
  it('fails the run while the parameter is missing, then reads it once for every later invocation', async () => {
    // Prepare
    stack.zego.setTask('ssm-1', {
      Status: 3,
      RecordBeginTimestamp: Date.now() - 1000,
      RecordFiles: [zegoFile({ status: 3 })],
    });
    await stack.track('ssm-1');
    const handler = await load();

    // Act + Assess: while the parameter is missing.
    await expect(handler({}, lambdaContext())).rejects.toThrow(`SSM parameter "${PARAM}" does not exist`);
    expect(stack.zego.stats().requests).toBe(0);
    expect((await stack.store.get('ssm-1'))?.state).toBe('OPEN');

    // Act + Assess: once it is there.
    ssm.setParameter(PARAM, `${SECRET}\n`); // pasted with a trailing newline
    expect((await handler({}, lambdaContext())).published).toBe(1);

    // Act + Assess: a later invocation, with no read of its own.
    stack.zego.setTask('ssm-2', {
      Status: 3,
      RecordBeginTimestamp: Date.now() - 1000,
      RecordFiles: [zegoFile({ status: 3 })],
    });
    await stack.track('ssm-2');
    expect((await handler({}, lambdaContext())).published).toBe(1);
    expect(ssm.calls(PARAM)).toBe(2); // the failed read, then one read for the container's life
    expect(stack.zego.stats().badSignatures).toBe(0);
  });

  it('skips an unreadable task item, keeps its data, and moves it out of the way for an hour', async () => {
    // Prepare
    const handler = await load();
    // (trackedAt stays a number: it is a key of the room index, which DynamoDB itself type-checks.)
    const bad = {
      taskId: 'corrupt-1',
      state: 'WEIRD',
      trackedAt: Date.now(),
      checks: 'many',
      dueShard: 'due#0',
      dueAt: Date.now() - 5,
    };
    await stack.dynamo.doc.send(new PutCommand({ TableName: stack.table, Item: bad }));

    // Act
    const summary = await handler({}, lambdaContext());

    // Assess
    expect(summary.malformed).toBe(1);
    const item = await stack.store.get('corrupt-1').catch((error: Error) => error);
    expect(item).toBeInstanceOf(Error); // still unreadable: nothing was guessed or overwritten
    const listed: unknown[] = [];
    for await (const entry of stack.store.listDue(Date.now() + 30 * 60_000)) listed.push(entry);
    expect(listed).toEqual([]);
  });

  it('picks up a rotated ServerSecret without a new container: one re-read and one retried request', async () => {
    // Prepare: a warm container that has signed with the old secret.
    ssm.setParameter(PARAM, SECRET);
    const handler = await load();
    stack.zego.setTask('rot-1', {
      Status: 3,
      RecordBeginTimestamp: Date.now() - 1000,
      RecordFiles: [zegoFile({ status: 3 })],
    });
    await stack.track('rot-1');
    expect((await handler({}, lambdaContext())).published).toBe(1);
    const reads = ssm.calls(PARAM);

    // Act: the secret is rotated at ZEGO and in SSM; the container stays warm.
    const rotated = 'abcdefabcdefabcdefabcdefabcdef12';
    stack.zego.setServerSecret(rotated);
    ssm.setParameter(PARAM, rotated);
    for (const id of ['rot-2', 'rot-3', 'rot-4']) {
      stack.zego.setTask(id, {
        Status: 3,
        RecordBeginTimestamp: Date.now() - 1000,
        RecordFiles: [zegoFile({ status: 3 })],
      });
      await stack.track(id);
    }
    stack.zego.resetStats();
    const summary = await handler({}, lambdaContext());

    // Assess
    expect(summary).toMatchObject({ published: 3, faults: { config: 0 } });
    expect(summary.stoppedBy).toBeUndefined();
    expect(ssm.calls(PARAM) - reads).toBe(1);
    expect(stack.zego.stats().badSignatures).toBeGreaterThanOrEqual(1);
    expect(stack.zego.stats().badSignatures).toBeLessThanOrEqual(5); // SWEEP_CONCURRENCY
    stack.zego.setServerSecret(SECRET);
  });

  it('gives up after one re-read when the ServerSecret in SSM is simply wrong, having spent at most SWEEP_CONCURRENCY requests', async () => {
    // Prepare
    ssm.setParameter(PARAM, 'ffffffffffffffffffffffffffffffff');
    const handler = await load();
    for (let i = 0; i < 20; i++) {
      stack.zego.setTask(`wrong-${i}`, {
        Status: 3,
        RecordBeginTimestamp: Date.now() - 1000,
        RecordFiles: [zegoFile({ status: 3 })],
      });
      await stack.track(`wrong-${i}`);
    }
    stack.zego.resetStats();
    const reads = ssm.calls(PARAM);

    // Act + Assess
    await expect(handler({}, lambdaContext())).rejects.toThrow(/100000005/);

    expect(stack.zego.stats().requests).toBeLessThanOrEqual(5);
    expect(ssm.calls(PARAM) - reads).toBe(2); // the cold start's read, then the one re-read after the bad signature
    expect((await stack.store.get('wrong-0'))?.checks).toBe(0);
    ssm.setParameter(PARAM, SECRET);
  });
});
