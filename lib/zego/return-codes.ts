// What a ZEGO return code means for the poller. Source for every code here:
// shared/reference/zego-cloud-recording.md, "Return codes" (ZEGOCLOUD docs, common and cloud recording codes).
import type { FaultClass } from './types';

// ZEGO: 100000000–100000017 are API gateway codes; all are configuration errors except the two below.
const GATEWAY_FIRST = 100_000_000;
const GATEWAY_LAST = 100_000_017;

const CLASSES: ReadonlyMap<number, 'ok' | FaultClass> = new Map<number, 'ok' | FaultClass>([
  [0, 'ok'],
  [100_000_004, 'transient'], // ZEGO: signature expired (clock skew > 10 min): a fresh signature may pass
  [100_000_015, 'transient'], // ZEGO: gateway internal error
  [300_000_002, 'config'], // ZEGO: cloud recording not enabled for the app
  [300_000_003, 'transient'], // ZEGO: request rate over the limit
  [300_000_004, 'task'], // ZEGO: invalid parameter (permanent for that task)
  [300_000_005, 'config'], // ZEGO: gateway verification failed
  [300_001_000, 'task'], // ZEGO: task does not exist (wrong id, or started more than 3 days ago)
  [300_010_000, 'transient'], // ZEGO: system error
  [1, 'transient'], // ZEGO (older RTC docs): server busy, retry
  [7, 'transient'], // ZEGO (older RTC docs): rate limit
]);

// Short meanings, for messages when ZEGO's own Message is empty.
const MEANINGS: ReadonlyMap<number, string> = new Map([
  [0, 'success'],
  [100_000_001, 'AppId format error'],
  [100_000_004, 'signature expired (check the clock)'],
  [100_000_005, 'invalid signature'],
  [100_000_010, 'ServerSecret not found (check the AppId)'],
  [100_000_015, 'gateway internal error'],
  [100_000_017, 'service not enabled for the app'],
  [300_000_002, 'cloud recording not enabled'],
  [300_000_003, 'request rate over the limit'],
  [300_000_004, 'invalid parameter'],
  [300_000_005, 'gateway verification failed'],
  [300_001_000, 'recording task does not exist'],
  [300_010_000, 'system error'],
  [1, 'server busy'],
  [7, 'rate limit'],
]);

/** How to handle a return code. Unknown codes are transient (the reference says: retry with backoff, report them). */
export function classifyCode(code: number): 'ok' | FaultClass {
  const known = CLASSES.get(code);
  if (known !== undefined) return known;
  if (code >= GATEWAY_FIRST && code <= GATEWAY_LAST) return 'config';
  return 'transient';
}

/** True when ZEGO refused the request for its rate limit (300000003, or legacy 7). */
export function isRateRefusal(code: number): boolean {
  return code === 300_000_003 || code === 7;
}

/** A short meaning of the code, when it is one we know. */
export function describeCode(code: number): string | undefined {
  return MEANINGS.get(code);
}
