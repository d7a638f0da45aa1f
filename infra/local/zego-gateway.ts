// The ZEGO simulator's gateway: the checks ZEGO makes on every call's public parameters and signature before
// the action runs. Codes and messages: ZEGOCLOUD's "common return codes" table (100000001 AppId format error ...
// 100000014 unsupported SignatureVersion) and docs/zego.md.
import { timingSafeEqual } from 'node:crypto';
import { computeSignature } from '../../lib/zego/signature';
import { RETURN_CODE as CODE } from '../../lib/zego/vocabulary';

/** A gateway refusal, as ZEGO's Code and Message. */
export interface GatewayRefusal {
  code: number;
  message: string;
}

const MAX_SKEW_S = 600; // ZEGO: at most 10 minutes of clock difference

/** The actions the simulator answers; any other is refused (unsupported Action). */
export const SIMULATED_ACTIONS = ['DescribeRecordStatus', 'DescribeTasks'] as const;
export type SimulatedAction = (typeof SIMULATED_ACTIONS)[number];

export const isSimulatedAction = (action: string): action is SimulatedAction =>
  (SIMULATED_ACTIONS as readonly string[]).includes(action);

/** Gateway checks, in ZEGO's common-code terms; undefined when the request is properly signed. */
export function verifyGateway(
  query: URLSearchParams,
  appId: number,
  secret: string,
  nowMs: number,
): GatewayRefusal | undefined {
  const param = (name: string): string => query.get(name) ?? '';
  const action = param('Action');
  if (action === '') return { code: CODE.actionEmpty, message: 'Action is empty' };
  if (!isSimulatedAction(action)) return { code: CODE.unsupportedAction, message: 'unsupported Action' };
  if (!/^\d{1,10}$/.test(param('AppId')) || Number(param('AppId')) > 0xffff_ffff) {
    return { code: CODE.appIdFormat, message: 'AppId format error' };
  }
  if (Number(param('AppId')) !== appId)
    return { code: CODE.serverSecretNotFound, message: 'failed to get ServerSecret' };
  if (param('SignatureVersion') === '')
    return { code: CODE.signatureVersionEmpty, message: 'SignatureVersion is empty' };
  if (param('SignatureVersion') !== '2.0')
    return { code: CODE.unsupportedSignatureVersion, message: 'unsupported SignatureVersion' };
  // Stricter than ZEGO documents (its own sample uses a decimal nonce): we want 16 hex characters.
  if (!/^[0-9a-f]{16}$/.test(param('SignatureNonce'))) {
    return { code: CODE.nonceInvalid, message: 'SignatureNonce is empty or ill-formed' };
  }
  if (param('Timestamp') === '') return { code: CODE.timestampEmpty, message: 'Timestamp is empty' };
  if (!/^\d{1,12}$/.test(param('Timestamp'))) return { code: CODE.timestampFormat, message: 'Timestamp format error' };
  const timestamp = Number(param('Timestamp'));
  if (Math.abs(timestamp - nowMs / 1000) > MAX_SKEW_S)
    return { code: CODE.signatureExpired, message: 'signature expired' };
  if (param('Signature') === '') return { code: CODE.signatureEmpty, message: 'Signature is empty' };
  const expected = Buffer.from(computeSignature(appId, param('SignatureNonce'), secret, timestamp));
  const given = Buffer.from(param('Signature'));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { code: CODE.badSignature, message: 'signature error' };
  }
  return undefined;
}
