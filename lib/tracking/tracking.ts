// Tracking and looking up recordings: the domain behind POST /recordings and GET /recordings/{taskId}.
// Neither ever calls ZEGO: a lookup is one read of the task store.
import { toRecordingView, type RecordingView, type Task } from '../recording';
import type { TaskStore } from '../store/task-store';
import type { TrackRequest } from './track-request';

/** Starts watching a task, due for its first check at once; a known task is returned unchanged. */
export async function trackRecording(store: TaskStore, request: TrackRequest, now: number): Promise<{ created: boolean; view: RecordingView }> {
  const task: Task = {
    taskId: request.taskId,
    state: 'OPEN',
    trackedAt: now,
    dueAt: now,
    checks: 0,
    quietChecks: 0,
    faultStreak: 0,
    notFoundStreak: 0,
    version: 0,
  };
  if (request.roomId !== undefined) task.roomId = request.roomId;
  const { created, task: stored } = await store.create(task);
  return { created, view: toRecordingView(stored) };
}

export async function lookupRecording(store: TaskStore, taskId: string): Promise<RecordingView | undefined> {
  const task = await store.get(taskId);
  return task === undefined ? undefined : toRecordingView(task);
}
