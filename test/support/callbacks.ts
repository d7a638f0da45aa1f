// ZEGO's callbacks as the tests send them: signed bodies (infra/local/zego-callback.ts) posted to the real
// callback handler in API Gateway's REST (v1 proxy) shape, with no API key, as ZEGO calls it.
import { restProxyEvent } from '../../infra/local/rest-event';
import { type ZegoCallbackOptions, zegoCallbackBody } from '../../infra/local/zego-callback';
import type { ApiHandler } from '../../lib/http/http-handler';
import { APP_ID, CALLBACK_SECRET } from './local-stack';

/** A callback body for a task, signed with the test stack's CallbackSecret. */
export const signedCallback = (options: Partial<ZegoCallbackOptions> & { taskId: string; eventType: number }) =>
  zegoCallbackBody({ appId: APP_ID, callbackSecret: CALLBACK_SECRET, ...options });

/** Posts a body (an object, or text as it came) to the callback handler; resolves with its answer. */
export async function postCallback(handler: ApiHandler, body: string | Record<string, unknown>) {
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
  return handler(event, { awsRequestId: `cb-${Math.random()}`, getRemainingTimeInMillis: () => 10_000 });
}

/** The `action` a callback's 200 answer names. */
export const actionOf = (answer: { body: string }): unknown => (JSON.parse(answer.body) as { action?: unknown }).action;
