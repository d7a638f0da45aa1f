// DELETE /recordings/{taskId}: stop watching a task. 204 when it was tracked, 404 when not. The task leaves
// every index at once; a sweep holding it finds it gone at its next (conditional) write.

import { setUpOrFailColdStart } from '../lib/cold-start';
import { loadStoreConfig } from '../lib/config';
import { createFunctionBase } from '../lib/function-base';
import { httpHandler } from '../lib/http/http-handler';
import { HttpError } from '../lib/http/responses';
import { untrackRecording } from '../lib/tracking/listing';
import { parseTaskId } from '../lib/tracking/task-id';

const { store, logger } = setUpOrFailColdStart(() => createFunctionBase(loadStoreConfig(process.env), 'untrack'));

export const handler = httpHandler(logger, async (event) => {
  const taskId = parseTaskId(event.pathParameters?.taskId);
  if (!(await untrackRecording(store, taskId)))
    throw new HttpError(404, 'not_found', `no recording with taskId "${taskId}" is tracked`);
  return { statusCode: 204, headers: { 'cache-control': 'no-store' }, body: '' };
});
