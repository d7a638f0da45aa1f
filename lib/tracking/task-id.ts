// A task id from an HTTP request: the task core's rule (lib/task/ids.ts), or a 400 saying it.
import { HttpError } from '../http/responses';
import { isTaskId } from '../task/ids';

export function parseTaskId(value: unknown): string {
  if (value === undefined || value === null) throw new HttpError(400, 'missing_task_id', 'taskId is required');
  if (!isTaskId(value)) {
    throw new HttpError(400, 'invalid_task_id', 'taskId must be 1 to 64 characters of letters, digits, - and _');
  }
  return value;
}
