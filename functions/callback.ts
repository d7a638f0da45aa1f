// POST /callbacks/zego: ZEGO's recording status callbacks (push). No API key (ZEGO cannot send one); the
// signature covers only the CallbackSecret, timestamp and nonce, never the body, so a verified callback is a
// hint: the task is made due at once and the sweep asks ZEGO. 401/400 for a refusal, with nothing written;
// 200 otherwise, also for a duplicate or an event type recwatch does not use.

import { createCallbackApp } from '../lib/callback/callback-app';
import { callbackText } from '../lib/callback/callback-request';
import { setUpOrFailColdStart } from '../lib/cold-start';
import { loadCallbackConfig } from '../lib/config';
import { httpHandler } from '../lib/http/http-handler';
import { errorResponse, json } from '../lib/http/responses';

const app = setUpOrFailColdStart(() => createCallbackApp(loadCallbackConfig(process.env)));

export const handler = httpHandler(app.logger, async (event) => {
  const answer = await app.receive(callbackText(event.body, event.isBase64Encoded));
  if ('refused' in answer)
    return errorResponse(answer.refused.statusCode, answer.refused.reason, answer.refused.message);
  return json(200, { received: true, action: answer.action });
});
