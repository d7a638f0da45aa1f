// ZEGO's callback signature: lowercase hex sha1 of the three strings CallbackSecret, timestamp and nonce,
// sorted and concatenated (ZEGOCLOUD docs, "Recording status callback": verification; the published
// example is a test). Shared by the receiver, the local simulator's demos and `npm run callback`.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function callbackSignature(secret: string, timestamp: string, nonce: string): string {
  // Sorted as JavaScript sorts strings (UTF-16 code units), which is byte order for the ASCII ZEGO sends.
  return createHash('sha1').update([secret, timestamp, nonce].sort().join('')).digest('hex');
}

/** Constant time in the signature's content: a wrong one tells nothing about how close it came. */
export function verifyCallbackSignature(secret: string, timestamp: string, nonce: string, signature: string): boolean {
  const expected = Buffer.from(callbackSignature(secret, timestamp, nonce), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The signing fields of a callback sent at `nowMs`, as ZEGO sends them (timestamp in seconds, as a string). */
export function signCallback(
  secret: string,
  nowMs: number,
  nonce: string = randomBytes(8).toString('hex'),
): { timestamp: string; nonce: string; signature: string } {
  const timestamp = String(Math.floor(nowMs / 1000));
  return { timestamp, nonce, signature: callbackSignature(secret, timestamp, nonce) };
}
