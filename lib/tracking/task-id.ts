// What a task id may be (contract: 1–64 letters, digits, - and _). ZEGO's own ids are 16 characters.
import { HttpError } from '../http/responses';

export const TASK_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function parseTaskId(value: unknown): string {
  if (value === undefined || value === null) throw new HttpError(400, 'missing_task_id', 'taskId is required');
  if (typeof value !== 'string' || !TASK_ID.test(value)) {
    throw new HttpError(400, 'invalid_task_id', 'taskId must be 1 to 64 characters of letters, digits, - and _');
  }
  return value;
}
