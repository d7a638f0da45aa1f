// How a sweep run in a process of its own tells its summary to the test that started it: one line, prefixed.
import type { SweepSummary } from '../../lib/sweep/summary';

export const SUMMARY_PREFIX = 'SUMMARY ';

/** The line a process prints for its run's summary. */
export const summaryLine = (summary: unknown): string => `${SUMMARY_PREFIX}${JSON.stringify(summary)}`;

/** The summary a process printed, or undefined when it printed none. */
export function readSummaryLine(output: string): SweepSummary | undefined {
  const line = output.split('\n').find((l) => l.startsWith(SUMMARY_PREFIX));
  return line === undefined ? undefined : (JSON.parse(line.slice(SUMMARY_PREFIX.length)) as SweepSummary);
}
