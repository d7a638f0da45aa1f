// A function's module-scope setup. When it fails (a missing or malformed variable) the cold start fails
// with one JSON log line that names the problem, and the error is rethrown so Lambda reports an init error.
import { describeError } from './log';

export function setUpOrFailColdStart<T>(setup: () => T): T {
  try {
    return setup();
  } catch (error) {
    process.stdout.write(
      `${JSON.stringify({ level: 'error', message: 'cold start failed', error: describeError(error) })}\n`,
    );
    throw error;
  }
}
