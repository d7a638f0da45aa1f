// The entry of `npm start`: starts the local stack (dev-stack.ts) and stops it on Ctrl-C (SIGINT) or SIGTERM.
// The process then ends because nothing is left running, not because it is told to exit: if something
// were left, the guard below would say so and exit 1.
import { loadDevConfig, StartError } from './dev-config';
import { type DevStack, startDevStack } from './dev-stack';
import { createTerminal } from './terminal';

const terminal = createTerminal({ noColor: (process.env.NO_COLOR ?? '') !== '' });
/** npm forwards Ctrl-C to its child as well, so a terminal delivers it twice: one signal means stop. */
const REPEAT_IGNORED_MS = 1_000;
const STOP_LIMIT_MS = 15_000;
const LINGER_LIMIT_MS = 5_000;

let stack: DevStack | undefined;
let stopRequestedAt: number | undefined;

function onSignal(signal: NodeJS.Signals): void {
  if (stopRequestedAt !== undefined) {
    if (Date.now() - stopRequestedAt < REPEAT_IGNORED_MS) return;
    terminal.warn(`${signal} again: stopping without waiting`);
    process.exit(130);
  }
  stopRequestedAt = Date.now();
  if (stack !== undefined) void stop(stack);
  // Otherwise the start is still under way; it stops as soon as it is done.
}

async function stop(running: DevStack): Promise<void> {
  terminal.say('\nStopping…');
  const limit = setTimeout(() => {
    terminal.warn(`recwatch did not stop within ${STOP_LIMIT_MS / 1000} s; exiting anyway`);
    process.exit(1);
  }, STOP_LIMIT_MS).unref();
  await running.close();
  clearTimeout(limit);
  terminal.say(`Stopped. Tracked tasks, events and logs are kept in ${running.dataDir} (delete it to start afresh).`);
  process.exitCode = 0;
  // unref'd: it fires only if something still keeps the process alive.
  setTimeout(() => {
    terminal.warn('something was still running after the stop; exiting');
    process.exit(1);
  }, LINGER_LIMIT_MS).unref();
}

process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

try {
  const config = loadDevConfig(process.env, process.cwd());
  stack = await startDevStack(config, terminal, process.env, process.cwd());
  if (stopRequestedAt !== undefined) await stop(stack);
} catch (error) {
  if (error instanceof StartError) {
    terminal.warn(error.message);
  } else {
    terminal.warn(
      `recwatch could not start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
  }
  process.exitCode = 1;
}
