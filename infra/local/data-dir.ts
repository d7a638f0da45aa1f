// The local stack's data directory: the store (LevelDB, through dynalite), the events file, the function
// logs and the run's CallbackSecret (for `npm run callback`). One running stack owns it at a time: LevelDB allows a single process per database, and dynalite
// turns a second one into an uncaught exception, so the stack claims the directory first and says so clearly.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StartError } from './dev-config';

export interface DataDir {
  readonly path: string;
  readonly store: string;
  readonly eventsFile: string;
  readonly logFile: string;
  /** The running stack's CallbackSecret, for `npm run callback` (infra/local/send-callback.ts); removed at stop. */
  readonly callbackSecretFile: string;
  release(): void;
}

export function claimDataDir(path: string): DataDir {
  const pidFile = join(path, 'recwatch.pid');
  try {
    mkdirSync(path, { recursive: true });
  } catch (error) {
    throw new StartError(
      `cannot create the data directory ${path} (${(error as Error).message}): set RECWATCH_DATA_DIR to a writable directory`,
    );
  }
  const holder = runningHolder(pidFile);
  if (holder !== undefined) {
    throw new StartError(
      `${path} is in use by another recwatch (process ${holder}): stop it first, or set RECWATCH_DATA_DIR to another directory ` +
        `(if process ${holder} is not recwatch, delete ${pidFile})`,
    );
  }
  // A stale file (a stack that was killed) is simply replaced.
  writeFileSync(pidFile, `${process.pid}\n`);
  return {
    path,
    store: join(path, 'dynamo'),
    eventsFile: join(path, 'events.jsonl'),
    logFile: join(path, 'recwatch.log'),
    callbackSecretFile: callbackSecretFile(path),
    release: () => rmSync(pidFile, { force: true }),
  };
}

/** Where the running stack keeps its CallbackSecret, in the data directory `path`. */
export function callbackSecretFile(path: string): string {
  return join(path, 'callback-secret');
}

function runningHolder(pidFile: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0); // signal 0: only asks whether the process exists
    return pid;
  } catch (error) {
    // EPERM: it exists but belongs to someone else; still a live holder.
    return (error as { code?: string }).code === 'EPERM' ? pid : undefined;
  }
}
