// A task whose processing threw (an item that breaks an invariant, a write DynamoDB refuses, a bug) is set
// aside with backoff, up to an hour: reported once per step, never retried in every pass of every run.
import { backoffDelay } from './backoff';
import type { Task } from './task';

/** The longest a task whose processing keeps failing is set aside for. */
export const SET_ASIDE_MAX_MS = 3_600_000;

export interface Aside {
  version: number;
  until: number;
  /** Failures in a row, this one included. */
  errors: number;
  error: { message: string; at: number };
}

/** How long a task is set aside after its processing failed once more, and what its view says meanwhile. */
export function setAside(task: Task, now: number, checkIntervalMs: number, random: () => number): Aside {
  const errors = (task.processingErrors ?? 0) + 1;
  const until = now + backoffDelay(errors, { checkIntervalMs, checkIntervalMaxMs: SET_ASIDE_MAX_MS }, random);
  const retryAt = new Date(until).toISOString();
  const message = `recwatch could not process this task (${errors} time${errors === 1 ? '' : 's'} in a row); it tries again at ${retryAt}: see the sweep's logs`;
  return { version: task.version, until, errors, error: { message, at: now } };
}
