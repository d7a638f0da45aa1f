// In Lambda, what a function writes to stdout and stderr goes to its log group. Locally it goes to one file
// (RECWATCH_DATA_DIR/recwatch.log), so that the JSON log lines and the metrics' EMF lines do not drown the
// console; each warning or error still gets one short console line that points at the file.
import { closeSync, openSync, writeSync } from 'node:fs';

export interface FunctionLogs {
  readonly file: string;
  /** Gives stdout and stderr back and closes the file. */
  close(): void;
}

type Write = typeof process.stdout.write;

/**
 * Diverts everything written through process.stdout and process.stderr in this process to `file`. Whoever
 * must still reach the console holds the streams' original writers from before (terminal.ts does).
 */
export function divertFunctionLogs(file: string, onProblem: (summary: string) => void): FunctionLogs {
  const fd = openSync(file, 'a');
  const originals = { stdout: process.stdout.write, stderr: process.stderr.write };
  // Synchronous appends: a handful of lines per request or sweep, and nothing is lost when the process ends.
  const divert = (chunk: unknown, encodingOrDone?: unknown, done?: unknown): boolean => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    writeSync(fd, text);
    for (const line of text.split('\n')) {
      const problem = problemOf(line);
      if (problem !== undefined) onProblem(problem);
    }
    const callback = typeof encodingOrDone === 'function' ? encodingOrDone : done;
    if (typeof callback === 'function') process.nextTick(callback as () => void);
    return true;
  };
  process.stdout.write = divert as Write;
  process.stderr.write = divert as Write;
  return {
    file,
    close() {
      process.stdout.write = originals.stdout;
      process.stderr.write = originals.stderr;
      closeSync(fd);
    },
  };
}

/** "sweep: <message> (taskId …; <error>)" for a WARN or ERROR log line; undefined for anything else. */
export function problemOf(line: string): string | undefined {
  if (!line.startsWith('{')) return undefined;
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const level = String(entry.level ?? '').toUpperCase();
  if (level !== 'WARN' && level !== 'ERROR' && level !== 'CRITICAL') return undefined;
  // Every run's summary line has its console form already: the sweep loop's progress or failure line.
  if (entry.message === 'sweep finished') return undefined;
  const details: string[] = [];
  if (typeof entry.taskId === 'string') details.push(`taskId ${entry.taskId}`);
  const error = entry.error as { name?: unknown; message?: unknown } | undefined;
  if (error && typeof error.message === 'string')
    details.push(`${typeof error.name === 'string' ? `${error.name}: ` : ''}${error.message}`);
  const source = typeof entry.function === 'string' ? entry.function : 'function';
  return `${source}: ${String(entry.message ?? '')}${details.length > 0 ? ` (${details.join('; ')})` : ''}`;
}
