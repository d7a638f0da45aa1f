// POST /recordings: start watching a task. 201 with the view when new, 200 with the stored view when
// already tracked (nothing changes).

import { setUpOrFailColdStart } from '../lib/cold-start';
import { loadStoreConfig } from '../lib/config';
import { createFunctionBase } from '../lib/function-base';
import { httpHandler } from '../lib/http/http-handler';
import { readJsonObject } from '../lib/http/json-body';
import { json } from '../lib/http/responses';
import { parseTrackRequest } from '../lib/tracking/track-request';
import { trackRecording } from '../lib/tracking/tracking';

const { store, logger } = setUpOrFailColdStart(() => createFunctionBase(loadStoreConfig(process.env), 'track'));

export const handler = httpHandler(logger, async (event) => {
  const request = parseTrackRequest(readJsonObject(event));
  const { created, view } = await trackRecording(store, request, Date.now());
  return json(created ? 201 : 200, view);
});
