// The pool's jobs: one task's (or one candidate's, one listed recording's) work, and what a failure of it
// does. A failure is that job's own: the task is set aside, the candidate retried later, the others go on.
import type { Logger } from '../log';
import type { Candidate } from '../task/hint';
import type { Task } from '../task/task';
import type { ListedTask } from '../zego/types';
import type { Checks } from './checks';
import { type DatedListing, type PlannedWork, planHint } from './planner';
import type { Tally } from './tally';
import type { PoolJob } from './worker-pool';

/** A planned piece of a pass's work: its task's, so that a failure sets that task aside. */
export function taskJob(checks: Checks, item: PlannedWork, hinted = false): PoolJob {
  const task = item.kind === 'expire' ? item.decision.task : item.task;
  return {
    key: task.taskId,
    run: () => checks.perform(item, hinted),
    onError: (error) => checks.setAside(task, error),
  };
}

/** A hinted task's work: a hinted check, unless the latest listing shows the hint wrong (planHint). */
export function hintJob(checks: Checks, task: Task, latest: DatedListing | undefined, now: number): PoolJob {
  return taskJob(checks, planHint(task, latest, now), true);
}

export function candidateJob(checks: Checks, candidate: Candidate): PoolJob {
  return {
    key: `candidate:${candidate.taskId}`,
    run: () => checks.confirm(candidate),
    onError: (error) => checks.candidateFailed(candidate, error),
  };
}

/** Tracking a listed recording nobody tracked (DISCOVER_TASKS): a failure is retried by the next pass. */
export function discoverJob(checks: Checks, listed: ListedTask, tally: Tally, logger: Logger): PoolJob {
  return {
    key: `discover:${listed.taskId}`,
    run: () => checks.discover(listed),
    onError: async (error) => {
      tally.summary.errors++;
      logger.error('a listed recording could not be tracked; the next pass tries again', {
        taskId: listed.taskId,
        error,
      });
    },
  };
}
