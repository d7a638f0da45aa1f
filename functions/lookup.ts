// GET /recordings/{taskId}: where a task stands. One read of the task store; never a ZEGO request.

import { setUpOrFailColdStart } from '../lib/cold-start';
import { loadStoreConfig } from '../lib/config';
import { createFunctionBase } from '../lib/function-base';
import { httpHandler } from '../lib/http/http-handler';
import { HttpError, json } from '../lib/http/responses';
import { parseTaskId } from '../lib/tracking/task-id';
import { lookupRecording } from '../lib/tracking/tracking';

const { store, logger } = setUpOrFailColdStart(() => createFunctionBase(loadStoreConfig(process.env), 'lookup'));

export const handler = httpHandler(logger, async (event) => {
  const taskId = parseTaskId(event.pathParameters?.taskId);
  const view = await lookupRecording(store, taskId);
  if (view === undefined) throw new HttpError(404, 'not_found', `no recording with taskId "${taskId}" is tracked`);
  return json(200, view);
});
