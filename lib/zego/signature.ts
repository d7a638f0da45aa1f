// Signing of ZEGO server API calls (signature version 2.0), shared by the client and the local simulator.
import { createHash, randomBytes } from 'node:crypto';

/** The three signing query parameters of one request. */
export interface SignedParams {
  nonce: string;
  /** Unix time in seconds. */
  timestamp: number;
  signature: string;
}

/** ZEGO: SignatureNonce = 16 hex characters (8 random bytes, hex-encoded), fresh for every request. */
export function newNonce(): string {
  return randomBytes(8).toString('hex');
}

/** ZEGO: Signature = lowercase hex md5(AppId + SignatureNonce + ServerSecret + Timestamp), plain concatenation. */
export function computeSignature(appId: number, nonce: string, serverSecret: string, timestamp: number): string {
  return createHash('md5').update(`${appId}${nonce}${serverSecret}${timestamp}`).digest('hex');
}

/** Signs one request at `nowMs` (epoch ms). Pass `nonce` only to reproduce a known signature. */
export function signRequest(
  appId: number,
  serverSecret: string,
  nowMs: number,
  nonce: string = newNonce(),
): SignedParams {
  // ZEGO: Timestamp is Unix time in seconds; the server accepts at most 10 minutes of clock difference.
  const timestamp = Math.floor(nowMs / 1000);
  return { nonce, timestamp, signature: computeSignature(appId, nonce, serverSecret, timestamp) };
}

/** The query string of a signed call, without the leading `?` (it holds the signature: never log it). */
export function buildQuery(action: string, appId: number, signed: SignedParams): string {
  return new URLSearchParams({
    Action: action,
    AppId: String(appId),
    SignatureNonce: signed.nonce,
    Timestamp: String(signed.timestamp),
    Signature: signed.signature,
    // ZEGO: only signature version 2.0 exists.
    SignatureVersion: '2.0',
  }).toString();
}

/** `${baseUrl}/?Action=..&AppId=..&...` for a signed call (it holds the signature: never log it). */
export function buildActionUrl(baseUrl: string, action: string, appId: number, signed: SignedParams): string {
  return `${baseUrl.replace(/\/+$/, '')}/?${buildQuery(action, appId, signed)}`;
}
