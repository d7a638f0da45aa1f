// The ZEGO simulator's gateway: the checks ZEGO makes on every call's public parameters and signature before
// the action runs. Codes and messages: ZEGOCLOUD's "common return codes" table (100000001 AppId format error ...
// 100000014 unsupported SignatureVersion) and shared/reference/zego-cloud-recording.md.
import { timingSafeEqual } from 'node:crypto';
import { computeSignature } from '../../lib/zego/signature';

/** A gateway refusal, as ZEGO's Code and Message. */
export interface GatewayRefusal {
  code: number;
  message: string;
}

const MAX_SKEW_S = 600; // ZEGO: at most 10 minutes of clock difference

/** The actions the simulator answers; any other is 100000007. */
export const SIMULATED_ACTIONS = ['DescribeRecordStatus', 'DescribeTasks'] as const;
export type SimulatedAction = (typeof SIMULATED_ACTIONS)[number];

export const isSimulatedAction = (action: string): action is SimulatedAction =>
  (SIMULATED_ACTIONS as readonly string[]).includes(action);

/** Gateway checks, in ZEGO's common-code terms; undefined when the request is properly signed. */
export function verifyGateway(query: URLSearchParams, appId: number, secret: string, nowMs: number): GatewayRefusal | undefined {
  const param = (name: string): string => query.get(name) ?? '';
  const action = param('Action');
  if (action === '') return { code: 100_000_006, message: 'Action is empty' };
  if (!isSimulatedAction(action)) return { code: 100_000_007, message: 'unsupported Action' };
  if (!/^\d{1,10}$/.test(param('AppId')) || Number(param('AppId')) > 0xffff_ffff) {
    return { code: 100_000_001, message: 'AppId format error' };
  }
  if (Number(param('AppId')) !== appId) return { code: 100_000_010, message: 'failed to get ServerSecret' };
  if (param('SignatureVersion') === '') return { code: 100_000_013, message: 'SignatureVersion is empty' };
  if (param('SignatureVersion') !== '2.0') return { code: 100_000_014, message: 'unsupported SignatureVersion' };
  // Stricter than ZEGO documents (its own sample uses a decimal nonce): we want 16 hex characters.
  if (!/^[0-9a-f]{16}$/.test(param('SignatureNonce'))) {
    return { code: 100_000_008, message: 'SignatureNonce is empty or ill-formed' };
  }
  if (param('Timestamp') === '') return { code: 100_000_002, message: 'Timestamp is empty' };
  if (!/^\d{1,12}$/.test(param('Timestamp'))) return { code: 100_000_003, message: 'Timestamp format error' };
  const timestamp = Number(param('Timestamp'));
  if (Math.abs(timestamp - nowMs / 1000) > MAX_SKEW_S) return { code: 100_000_004, message: 'signature expired' };
  if (param('Signature') === '') return { code: 100_000_009, message: 'Signature is empty' };
  const expected = Buffer.from(computeSignature(appId, param('SignatureNonce'), secret, timestamp));
  const given = Buffer.from(param('Signature'));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { code: 100_000_005, message: 'signature error' };
  }
  return undefined;
}
