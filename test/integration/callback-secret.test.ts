// The deployed path: the CallbackSecret comes from an SSM SecureString (the real SSMClient at the wire),
// read once per container, and read again once when a signature fails, so that a rotated secret works
// without a new container, while forged callbacks cannot turn into a stream of SSM reads.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { restProxyEvent } from '../../infra/local/rest-event';
import { type SsmEndpoint, startSsmEndpoint } from '../../infra/local/ssm-endpoint';
import { zegoCallbackBody } from '../../infra/local/zego-callback';
import type { ApiHandler } from '../../lib/http/http-handler';
import { withCapturedOutput } from '../support/capture-output';
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
