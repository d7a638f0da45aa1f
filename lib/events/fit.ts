// Fitting an outcome event into a target's size limit, shared by the SNS message and the EventBridge entry:
// the event with fewer files (the cut said), the largest count that fits, and a JSON escaping's worst size.
import type { OutcomeEvent } from '../task/outcome-event';

/** The event whole, or with its first `kept` files, `fileCount` (the total) and `filesTruncated: true`. */
export function withFiles(event: OutcomeEvent, kept: number): OutcomeEvent {
  const files = event.recording.files ?? [];
  if (kept >= files.length && event.recording.filesTruncated !== true) return event;
  const total = event.recording.fileCount ?? files.length;
  return {
    ...event,
    recording: { ...event.recording, files: files.slice(0, kept), fileCount: total, filesTruncated: true },
  };
}

/** The most files of `event` for which `fits` holds (it holds up to some count and not past it), at least none. */
export function fitFiles(event: OutcomeEvent, fits: (carried: OutcomeEvent) => boolean): OutcomeEvent {
  if (fits(event)) return event;
  const files = event.recording.files?.length ?? 0;
  return withFiles(
    event,
    largest(files - 1, (kept) => fits(withFiles(event, kept))),
  );
}

/**
 * After a target refused an event for its size: how many files to send next, half of what the refused event
 * (its JSON) carried, then none; undefined when it carried none already (nothing is left to cut).
 */
export function fewerFiles(refusedJson: string | undefined): number | undefined {
  const carried =
    (JSON.parse(refusedJson ?? '{}') as { recording?: { files?: unknown[] } }).recording?.files?.length ?? 0;
  if (carried === 0) return undefined;
  return carried > 1 ? Math.floor(carried / 2) : 0;
}

/**
 * A service's error message for a PublishError: one line of at most 200 characters, in parentheses after the
 * code, or nothing when it says no more than the code. AWS's messages name the parameter or resource at
 * fault, never the message's content or credentials.
 */
export function errorDetail(message: string, code: string): string {
  const line = message.replace(/\s+/g, ' ').trim();
  if (line === '' || line === code || line === 'Unknown' || line === 'UnknownError') return '';
  return ` (${line.length > 200 ? `${line.slice(0, 197)}...` : line})`;
}

/** The largest n in [0, high] for which `ok(n)` holds, `ok` being true up to some n and false past it. */
export function largest(high: number, ok: (n: number) => boolean): number {
  let low = 0;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (ok(mid)) low = mid;
    else high = mid - 1;
  }
  return Math.max(0, low);
}

/**
 * The bytes of `text` as a JSON string's content, at worst: `"` and `\` escaped, `/` too (some encoders
 * do), control characters as `\u00XX`, and every non-ASCII UTF-16 unit as `\uXXXX` (an encoder may keep UTF-8,
 * which is shorter). An upper bound, whoever escapes.
 */
export function escapedBytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x22 || code === 0x5c || code === 0x2f) bytes += 2;
    else if (code < 0x20 || code > 0x7e) bytes += 6;
    else bytes += 1;
  }
  return bytes;
}
