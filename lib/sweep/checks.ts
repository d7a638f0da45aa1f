// The work one job does: check a task with ZEGO and record what it says, publish an outcome a run left
// pending, expire a task past ZEGO's window, confirm a callback's candidate, track a listed recording
// (discovery). Every ZEGO answer goes through the task core's outcome rules and its recorder; a hinted task
// is decided by exactly the same rules as a polled one, only sooner.
import type { Clock } from '../clock';
import type { Logger } from '../log';
import type { TaskStore } from '../store/task-store';
import type { CheckPolicy } from '../task/backoff';
import { backoffDelay } from '../task/backoff';
import { CANDIDATE_ATTEMPTS, type Candidate } from '../task/hint';
import { adoptRoomId } from '../task/ids';
import { applyHintedResult, applyResult, type Decision } from '../task/outcome';
import { type Recorded, type Recorder, RefusedAfterWrite } from '../task/recorder';
import { setAside } from '../task/set-aside';
import { newTask, type Task } from '../task/task';
import type { DescribeResult, ListedTask, RecordingStatus, RequestGate } from '../zego/types';
import { LIST_STATUS, RECORD_STATUS, RETURN_CODE } from '../zego/vocabulary';
import type { CredentialGuard } from './credential-guard';
import type { PlannedWork } from './planner';
import type { Tally } from './tally';

/** How long an unreadable item is put aside (it stops costing reads meanwhile). */
const MALFORMED_POSTPONE_MS = 3_600_000;
/** ZEGO: DescribeTasks pages hold at most 50; a candidate's room is looked for in this many pages at most. */
const LIST_PAGE_SIZE = 50;
const ROOM_LIST_PAGES = 4;

export interface ChecksDeps {
  store: TaskStore;
  recorder: Recorder;
  guard: CredentialGuard;
  /** The status and listing gates, already held back by the guard. */
  gates: { status: RequestGate; list: RequestGate };
  tally: Tally;
  clock: Clock;
  policy: CheckPolicy;
  random: () => number;
  logger: Logger;
  /** An outcome's publish claim outlives the run: a run killed at its deadline keeps others off it until surely gone. */
  claimUntil: number;
  signal: AbortSignal;
  /** Called when a job closed a task: the run may have nothing left open. */
  onClosed(): void;
}

export interface Checks {
  /** Does one planned piece of a pass's work; `hinted` when a callback's hint asked for it. */
  perform(item: PlannedWork, hinted?: boolean): Promise<void>;
  /** Asks ZEGO whether a candidate exists; tracks it (and decides it) when it does, drops it when not. */
  confirm(candidate: Candidate): Promise<void>;
  /** Tracks a listed recording nobody tracked (DISCOVER_TASKS). */
  discover(listed: ListedTask): Promise<void>;
  /** A task whose processing threw: set aside with backoff, reported once per step. */
  setAside(task: Task, error: unknown): Promise<void>;
  /** A candidate whose processing threw: counted as a passing fault of its check. */
  candidateFailed(candidate: Candidate, error: unknown): Promise<void>;
  /** An item that cannot be read: reported, and put aside for an hour. */
  malformed(entry: { taskId: string; message: string }): Promise<void>;
  /**
   * Whether an index entry is older than what this run wrote for its task: the due index is read eventually
   * consistent, so an entry the run has just moved or rewritten may still show (checking it again would spend
   * a request on a write that is bound to lose).
   */
  isStale(task: Task): boolean;
}

export function createChecks(deps: ChecksDeps): Checks {
  const { store, recorder, guard, gates, tally, clock, logger, claimUntil, signal } = deps;
  const decideOptions = () => ({ now: clock.now(), policy: deps.policy, random: deps.random });

  /** The version this run last wrote of each task it wrote (see isStale). */
  const written = new Map<string, number>();
  const remember = (recorded: Recorded): Recorded => {
    if (recorded.task !== undefined) written.set(recorded.task.taskId, recorded.task.version);
    return recorded;
  };

  const record = async (decision: Decision, closedBy: 'poll' | 'callback'): Promise<void> => {
    tally.recorded(remember(await recorder.record(decision, { claimUntil, closedBy })), decision.outcome);
    if (decision.outcome !== undefined) deps.onClosed();
  };

  const warnAbout = (result: DescribeResult, taskId: string): void => {
    if (result.kind !== 'ok' && result.rateRefused)
      logger.warn("ZEGO refused a request for its rate limit: is another client spending this AppId's budget?", {
        taskId,
      });
    if (result.kind === 'transient' && result.code === RETURN_CODE.signatureExpired)
      logger.warn('ZEGO says the signature expired: check the clock', { taskId });
  };

  const check = async (task: Task, hinted: boolean): Promise<void> => {
    const result = await guard.describe(task.taskId, gates.status);
    tally.answered(result, { hinted, stopped: signal.aborted });
    if (result.kind === 'config') return; // not checked: stays due
    if (signal.aborted && result.kind === 'transient') return; // not (fully) checked: stays due
    warnAbout(result, task.taskId);
    const decide = hinted ? applyHintedResult : applyResult;
    return record(decide(task, result, decideOptions()), hinted ? 'callback' : 'poll');
  };

  /**
   * The room ZEGO's listing gives a recording, for a status answer that gave none (DescribeRecordStatus
   * documents no RoomId): the recordings that began within a second of it, page by page. `known` is false
   * when the listing could not be read to its end (the candidate is then asked about again).
   */
  const roomFromListing = async (
    taskId: string,
    status: RecordingStatus,
  ): Promise<{ roomId?: string; known: boolean }> => {
    const begin = status.recordBeginTimestamp;
    if (begin === undefined) return { known: true };
    const { client } = guard.current();
    const ended = status.status === RECORD_STATUS.ended || status.status === RECORD_STATUS.endedAbnormally;
    // ZEGO: only recordings that began within the window are listed; a window that starts 3 days ago at most.
    const earliest = clock.now() - 3 * 86_400_000 + 60_000;
    const window = {
      status: ended ? LIST_STATUS.ended : LIST_STATUS.recording,
      startTime: Math.round(Math.max(begin - 1_000, earliest)),
      endTime: Math.round(Math.max(begin + 1_000, earliest + 2_000)),
      pageSize: LIST_PAGE_SIZE,
    };
    for (let pageOffset = 1; pageOffset <= ROOM_LIST_PAGES; pageOffset++) {
      const listed = await client.describeTasks({ ...window, pageOffset }, { gate: gates.list, signal });
      tally.summary.listRequests += listed.attempts;
      if (listed.kind !== 'ok') return { known: false };
      const found = listed.page.tasks.find((t) => t.taskId === taskId);
      if (found !== undefined) return { roomId: adoptRoomId(undefined, found.roomId), known: true };
      if (listed.page.tasks.length < LIST_PAGE_SIZE) return { known: true };
    }
    return { known: true }; // a second with more recordings than this is not worth the listing budget
  };

  const dropCandidate = async (candidate: Candidate, why: string): Promise<void> => {
    tally.summary.candidates.dropped++;
    logger.info('a task id a callback named was dropped: nothing is tracked or announced for it', {
      taskId: candidate.taskId,
      why,
    });
    await store.dropCandidate(candidate.taskId);
  };

  const retryCandidate = async (candidate: Candidate, why: string): Promise<void> => {
    const attempts = candidate.attempts + 1;
    if (attempts >= CANDIDATE_ATTEMPTS) return dropCandidate(candidate, `${why}, ${attempts} times in a row`);
    const dueAt = clock.now() + backoffDelay(attempts, deps.policy, deps.random);
    await store.saveCandidate({ ...candidate, attempts, dueAt });
  };

  return {
    async perform(item, hinted = false) {
      switch (item.kind) {
        case 'expire':
          return record(item.decision, 'poll');
        case 'publish': {
          const recorded = tally.recorded(remember(await recorder.publishPending(item.task, { claimUntil })));
          if (recorded.announced !== undefined) tally.summary.republished++;
          if (recorded.announced === 'published') deps.onClosed();
          return;
        }
        case 'refresh':
          if (item.superseded) tally.summary.hintsSuperseded++;
          tally.recorded(remember(await recorder.record({ task: item.task }, { claimUntil, closedBy: 'poll' })));
          return;
        case 'check':
          return check(item.task, hinted);
      }
    },

    async confirm(candidate) {
      // Untracked with DELETE lately: a callback does not track it again (a new POST does).
      if (await store.wasUntracked(candidate.taskId)) return dropCandidate(candidate, 'it was untracked (DELETE)');
      const result = await guard.describe(candidate.taskId, gates.status);
      tally.answered(result, { candidate: true, stopped: signal.aborted });
      if (result.kind === 'config' || (signal.aborted && result.kind === 'transient')) return; // stays a candidate
      warnAbout(result, candidate.taskId);
      // ZEGO: 300001000 / 300000004, "no such task" for this AppId. An answer too large to read is of a task that exists.
      if (result.kind === 'task' && !result.oversized)
        return dropCandidate(candidate, `ZEGO does not know it (${result.message})`);
      if (result.kind === 'transient') return retryCandidate(candidate, result.message);
      const facts: Partial<Task> = { trackedBy: 'callback' };
      if (result.kind === 'ok') {
        let roomId = adoptRoomId(undefined, result.recording.roomId);
        if (roomId === undefined) {
          const listed = await roomFromListing(candidate.taskId, result.recording);
          // The room steers listings and filter policies: ask again rather than track without it, a few times.
          if (!listed.known && candidate.attempts + 1 < CANDIDATE_ATTEMPTS)
            return retryCandidate(candidate, 'its room could not be listed');
          roomId = listed.roomId;
        }
        if (roomId !== undefined) facts.roomId = roomId;
        else
          logger.warn('a task a callback named is tracked without a room: ZEGO gave none', {
            taskId: candidate.taskId,
          });
      }
      const now = clock.now();
      // A conditional put: a task tracked meanwhile (through the API) is kept, and this answer applies to it.
      // Either way the answer is a hinted check's: files still uploading are looked at again within seconds.
      const { created, task } = await store.create(newTask(candidate.taskId, now, facts));
      if (created) tally.summary.candidates.tracked++;
      const hinted: Task = { ...task, hinted: true, hintedAt: candidate.hintedAt };
      if (task.state === 'OPEN') await record(applyHintedResult(hinted, result, decideOptions()), 'callback');
      await store.dropCandidate(candidate.taskId);
    },

    async discover(listed) {
      if (await store.wasUntracked(listed.taskId)) return;
      const facts: Partial<Task> = { zegoStatus: listed.status, trackedBy: 'discovery' };
      const roomId = adoptRoomId(undefined, listed.roomId);
      if (roomId !== undefined) facts.roomId = roomId;
      if (listed.recordBeginTimestamp !== undefined) facts.recordBeginTimestamp = listed.recordBeginTimestamp;
      // A conditional put: a task somebody tracked already (just not due now) is left as it is.
      const { created } = await store.create(newTask(listed.taskId, clock.now(), facts));
      if (created) tally.summary.discovered++;
    },

    async setAside(read, error) {
      tally.summary.errors++;
      // The recorder may have written the task before its error (a target refused the event after another took it).
      const task = error instanceof RefusedAfterWrite ? error.task : read;
      const aside = setAside(task, clock.now(), deps.policy.checkIntervalMs, deps.random);
      logger.error('a task could not be processed; it is set aside and tried again later', {
        taskId: task.taskId,
        attempt: aside.errors,
        retryAt: new Date(aside.until).toISOString(),
        error,
      });
      await store
        .setAside(task.taskId, aside)
        .catch((failure: unknown) =>
          logger.error('could not set the task aside; it stays due', { taskId: task.taskId, error: failure }),
        );
    },

    async candidateFailed(candidate, error) {
      tally.summary.errors++;
      logger.error('a candidate could not be processed; it is tried again later', { taskId: candidate.taskId, error });
      await retryCandidate(candidate, 'processing failed').catch((failure: unknown) =>
        logger.error('could not reschedule the candidate; its item expires within a day', {
          taskId: candidate.taskId,
          error: failure,
        }),
      );
    },

    isStale: (task) => (written.get(task.taskId) ?? -1) > task.version,

    async malformed(entry) {
      tally.summary.malformed++;
      logger.error('skipping an unreadable task item; look at it by hand', entry);
      await store.postpone(entry.taskId, clock.now() + MALFORMED_POSTPONE_MS);
    },
  };
}
