// Tracking and looking up recordings: the domain behind POST /recordings and GET /recordings/{taskId}.
// Neither ever calls ZEGO: a lookup is one read of the task store.

import type { TaskStore } from '../store/task-store';
import { newTask } from '../task/task';
import { type RecordingView, toRecordingView } from '../task/view';
import type { TrackRequest } from './track-request';

/** Starts watching a task, due for its first check at once; a known task is returned unchanged. */
export async function trackRecording(
  store: TaskStore,
  request: TrackRequest,
  now: number,
): Promise<{ created: boolean; view: RecordingView }> {
  const task = newTask(
    request.taskId,
    now,
    request.roomId === undefined ? { trackedBy: 'api' } : { roomId: request.roomId, trackedBy: 'api' },
  );
  const { created, task: stored } = await store.create(task);
  return { created, view: toRecordingView(stored) };
}

export async function lookupRecording(store: TaskStore, taskId: string): Promise<RecordingView | undefined> {
  const task = await store.get(taskId);
  return task === undefined ? undefined : toRecordingView(task);
}
