// POST /callbacks/zego: ZEGO's recording status callbacks (push). No API key (ZEGO cannot send one): the
// body's signature authenticates it. 401/400 for a refusal, with nothing written; 200 otherwise, also for a
// duplicate or an event type recwatch does not use. An outcome is published before the answer.

import { createCallbackApp } from '../lib/callback/callback-app';
import { callbackText } from '../lib/callback/callback-request';
import { setUpOrFailColdStart } from '../lib/cold-start';
import { loadCallbackConfig } from '../lib/config';
import { httpHandler } from '../lib/http/http-handler';
import { errorResponse, json } from '../lib/http/responses';

const app = setUpOrFailColdStart(() => createCallbackApp(loadCallbackConfig(process.env)));

/** Without a Lambda context (a local call), the function's own timeout. */
const TIMEOUT_MS = 10_000;

export const handler = httpHandler(app.logger, async (event, context) => {
  const deadline = Date.now() + (context.getRemainingTimeInMillis?.() ?? TIMEOUT_MS);
  const answer = await app.receive(callbackText(event.body, event.isBase64Encoded), deadline);
  if ('refused' in answer)
    return errorResponse(answer.refused.statusCode, answer.refused.reason, answer.refused.message);
  const { action, outcome } = answer.result;
  return json(200, { received: true, action, ...(outcome === undefined ? {} : { outcome }) });
});
