// The deployed path: the CallbackSecret comes from an SSM SecureString (the real SSMClient at the wire),
// read once per container, and read again once when a signature fails, so that a rotated secret works
// without a new container, while forged callbacks cannot turn into a stream of SSM reads.
import { SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { restProxyEvent } from '../../infra/local/rest-event';
import { type SsmEndpoint, startSsmEndpoint } from '../../infra/local/ssm-endpoint';
import { zegoCallbackBody } from '../../infra/local/zego-callback';
import { CALLBACK_SECRET_MAX_AGE_MS, createCallbackApp } from '../../lib/callback/callback-app';
import { loadCallbackConfig } from '../../lib/config';
import type { ApiHandler } from '../../lib/http/http-handler';
import { createLogger } from '../../lib/log';
import { withCapturedOutput } from '../support/capture-output';
import { TEST_AWS } from '../support/dynamo';
import { FakeClock } from '../support/fake-clock';
import { APP_ID, type LocalStack, startLocalStack } from '../support/local-stack';

let stack: LocalStack;
let ssm: SsmEndpoint;
let handler: ApiHandler;
const PARAM = '/recwatch/test/zego-callback-secret';
const OLD = 'callback-secret-before-rotation';
const NEW = 'callback-secret-after-rotation';

beforeAll(async () => {
  stack = await startLocalStack();
  ssm = await startSsmEndpoint();
  ssm.setParameter(PARAM, OLD);
  const env: Record<string, string | undefined> = {
    ...stack.sweepEnv(),
    ZEGO_CALLBACK_SECRET_PARAM: PARAM,
    AWS_ENDPOINT_URL_SSM: ssm.url,
  };
  delete env.ZEGO_CALLBACK_SECRET;
  delete process.env.ZEGO_CALLBACK_SECRET;
  Object.assign(process.env, env);
  vi.resetModules();
  ({ handler } = await import('../../functions/callback'));
});
afterAll(async () => {
  delete process.env.ZEGO_CALLBACK_SECRET_PARAM;
  await Promise.all([stack.close(), ssm.close()]);
});

const post = (secret: string, taskId: string) =>
  withCapturedOutput(() =>
    handler(
      restProxyEvent({
        method: 'POST',
        resource: '/callbacks/zego',
        path: '/callbacks/zego',
        body: JSON.stringify(zegoCallbackBody({ appId: APP_ID, callbackSecret: secret, taskId, eventType: 7 })),
        apiKey: null,
      }),
      { awsRequestId: taskId },
    ),
  ).then(({ result, lines }) => ({ statusCode: result.statusCode, lines }));

describe('the CallbackSecret from SSM', () => {
  it('reads it once, picks up a rotated secret with one more read, and never logs either', async () => {
    // Act: two callbacks under the old secret, then the secret is rotated while the container stays warm.
    const first = await post(OLD, 'rot-1');
    const second = await post(OLD, 'rot-2');
    const readsBefore = ssm.calls(PARAM);
    ssm.setParameter(PARAM, NEW);
    const rotated = await post(NEW, 'rot-3');
    const afterRotation = await post(NEW, 'rot-4');

    // Assess
    expect([first.statusCode, second.statusCode, rotated.statusCode, afterRotation.statusCode]).toEqual([
      200, 200, 200, 200,
    ]);
    expect(readsBefore).toBe(1);
    expect(ssm.calls(PARAM)).toBe(2);
    for (const line of [first, second, rotated, afterRotation].flatMap((p) => p.lines)) {
      expect(line).not.toContain(OLD);
      expect(line).not.toContain(NEW);
    }
  });

  it('does not read SSM again for every forged callback', async () => {
    // Act: the refresh just happened; a burst of forged callbacks follows.
    const reads = ssm.calls(PARAM);
    const answers = [];
    for (let n = 0; n < 5; n++) answers.push(await post('forged-secret', `forged-${n}`));

    // Assess
    expect(answers.map((a) => a.statusCode)).toEqual([401, 401, 401, 401, 401]);
    expect(ssm.calls(PARAM) - reads).toBe(0);
    expect(await stack.store.get('forged-0')).toBeUndefined();
  });
});

describe('a rotated CallbackSecret, against a container that sees only the old one', () => {
  it('stops accepting callbacks signed with the old secret within a minute of the rotation', async () => {
    // Prepare: a warm receiver on a fake clock, the real SSMClient at the local endpoint; the secret is
    // rotated, and only callbacks signed with the old (leaked) one keep coming.
    ssm.setParameter(PARAM, OLD);
    const clock = new FakeClock(Date.now());
    const config = loadCallbackConfig({
      ...stack.sweepEnv(),
      ZEGO_CALLBACK_SECRET: undefined,
      ZEGO_CALLBACK_SECRET_PARAM: PARAM,
    });
    const app = createCallbackApp(config, {
      clock,
      ssm: new SSMClient({ ...TEST_AWS, endpoint: ssm.url }),
      dynamo: stack.dynamo.doc,
      logger: createLogger({ level: 'SILENT' }),
    });
    const signedOld = () =>
      JSON.stringify(
        zegoCallbackBody({ appId: APP_ID, callbackSecret: OLD, taskId: 'leaked', eventType: 7, now: clock.now() }),
      );
    const before = await app.receive(signedOld());
    ssm.setParameter(PARAM, NEW);

    // Act
    await clock.runUntil(clock.now() + CALLBACK_SECRET_MAX_AGE_MS - 1_000);
    const soon = await app.receive(signedOld());
    await clock.runUntil(clock.now() + 2_000);
    const later = await app.receive(signedOld());

    // Assess: accepted until the minute is up (the cached secret), refused after it.
    expect(before).toMatchObject({ action: 'candidate' });
    expect(soon).not.toHaveProperty('refused');
    expect(later).toMatchObject({ refused: { statusCode: 401, reason: 'bad_signature' } });
  });
});
