// What a verified ZEGO callback does (contract: "ZEGO callbacks"). Its signature covers the CallbackSecret,
// `timestamp` and `nonce`, never the body: whoever saw one genuine callback can attach its signature to any
// body for 10 minutes. So a callback is a signed *hint*: events 1, 2, 5 and 7 make the task due at once, and
// the sweep asks ZEGO (lib/sweep, hint lane); what ZEGO answers decides the task. The body's file list and
// room id are never read. A task nobody tracked becomes a candidate, tracked only once ZEGO shows it exists.
import type { HintInbox } from '../store/task-store';
import { HINT_COOLDOWN_MS } from '../task/hint';
import { CALLBACK_EVENT } from '../zego/vocabulary';
import type { ZegoCallback } from './callback-request';
import type { CallbackAction } from './callback-vocabulary';

// ZEGO: 1 upload finished, 2 ended abnormally, 5 completed, 7 stopped and uploading: the task may have an
// outcome now. The other event types (4 no stream, new ones) change nothing.
const HINT_EVENTS = new Set<number>([
  CALLBACK_EVENT.uploadFinished,
  CALLBACK_EVENT.endedAbnormally,
  CALLBACK_EVENT.completed,
  CALLBACK_EVENT.uploading,
]);

/** Takes a callback's hint: one conditional write (a candidate costs one more read and write). */
export async function receiveCallback(inbox: HintInbox, callback: ZegoCallback, now: number): Promise<CallbackAction> {
  if (!HINT_EVENTS.has(callback.eventType)) return 'ignored';
  const taken = await inbox.hint(callback.taskId, now, HINT_COOLDOWN_MS);
  if (taken === 'hinted') return 'hinted';
  if (taken === 'cooldown') return 'cooldown';
  if (taken === 'closed') return 'closed_already';
  return (await inbox.addCandidate(callback.taskId, now, HINT_COOLDOWN_MS)) === 'added' ? 'candidate' : 'cooldown';
}

/** How close to its stop time a run may be and still count as taking work: later, a hint starts the next run. */
export const START_MARGIN_MS = 2_000;
/** At most one sweep start is asked for in this time, across every container of the callback function. */
export const START_EVERY_MS = 2_000;
