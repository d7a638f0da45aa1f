// What a ZEGO return code means for the poller. Source for every code here:
// docs/zego.md, "Return codes" (ZEGOCLOUD docs, common and cloud recording codes).
import type { FaultClass } from './types';
import { GATEWAY_CODES, RETURN_CODE } from './vocabulary';

// ZEGO: the API gateway codes are all configuration errors except the two marked transient below.
const CLASSES: ReadonlyMap<number, 'ok' | FaultClass> = new Map<number, 'ok' | FaultClass>([
  [RETURN_CODE.success, 'ok'],
  [RETURN_CODE.signatureExpired, 'transient'], // a fresh signature may pass
  [RETURN_CODE.gatewayInternal, 'transient'],
  [RETURN_CODE.recordingNotEnabled, 'config'],
  [RETURN_CODE.rateLimited, 'transient'],
  [RETURN_CODE.invalidParameter, 'task'], // permanent for that task
  [RETURN_CODE.gatewayVerificationFailed, 'config'],
  [RETURN_CODE.taskMissing, 'task'],
  [RETURN_CODE.systemError, 'transient'],
  [RETURN_CODE.legacyServerBusy, 'transient'],
  [RETURN_CODE.legacyRateLimited, 'transient'],
]);

// Short meanings, for messages when ZEGO's own Message is empty.
const MEANINGS: ReadonlyMap<number, string> = new Map<number, string>([
  [RETURN_CODE.success, 'success'],
  [RETURN_CODE.appIdFormat, 'AppId format error'],
  [RETURN_CODE.signatureExpired, 'signature expired (check the clock)'],
  [RETURN_CODE.badSignature, 'invalid signature'],
  [RETURN_CODE.serverSecretNotFound, 'ServerSecret not found (check the AppId)'],
  [RETURN_CODE.gatewayInternal, 'gateway internal error'],
  [RETURN_CODE.serviceNotEnabled, 'service not enabled for the app'],
  [RETURN_CODE.recordingNotEnabled, 'cloud recording not enabled'],
  [RETURN_CODE.rateLimited, 'request rate over the limit'],
  [RETURN_CODE.invalidParameter, 'invalid parameter'],
  [RETURN_CODE.gatewayVerificationFailed, 'gateway verification failed'],
  [RETURN_CODE.taskMissing, 'recording task does not exist'],
  [RETURN_CODE.systemError, 'system error'],
  [RETURN_CODE.legacyServerBusy, 'server busy'],
  [RETURN_CODE.legacyRateLimited, 'rate limit'],
]);

/** How to handle a return code. Unknown codes are transient (the reference says: retry with backoff, report them). */
export function classifyCode(code: number): 'ok' | FaultClass {
  const known = CLASSES.get(code);
  if (known !== undefined) return known;
  if (code >= GATEWAY_CODES.first && code <= GATEWAY_CODES.last) return 'config';
  return 'transient';
}

/** True when ZEGO refused the request for its rate limit (300000003, or legacy 7). */
export function isRateRefusal(code: number): boolean {
  return code === RETURN_CODE.rateLimited || code === RETURN_CODE.legacyRateLimited;
}

/** A short meaning of the code, when it is one we know. */
export function describeCode(code: number): string | undefined {
  return MEANINGS.get(code);
}
