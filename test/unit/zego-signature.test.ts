import { describe, expect, it } from 'vitest';
import { buildActionUrl, computeSignature, signRequest } from '../../lib/zego/signature';

describe('signRequest', () => {
  it('reproduces ZEGO’s published example', () => {
    // Prepare: ZEGO's documented vector (seconds 1615186943).
    const nowMs = 1_615_186_943_000;

    // Act
    const signed = signRequest(12345, '9193cc662a4c0ec135ec71fb57194b38', nowMs, '4fd24687296dd9f3');

    // Assess
    expect(signed).toEqual({
      nonce: '4fd24687296dd9f3',
      timestamp: 1615186943,
      signature: '43e5cfcca828314675f91b001390566a',
    });
    expect(computeSignature(12345, '4fd24687296dd9f3', '9193cc662a4c0ec135ec71fb57194b38', 1615186943)).toBe(
      '43e5cfcca828314675f91b001390566a',
    );
  });

  it('signs with the timestamp in whole seconds', () => {
    // Act
    const signed = signRequest(1, 'secret', 1_700_000_000_999, '0123456789abcdef');

    // Assess
    expect(signed.timestamp).toBe(1_700_000_000);
  });

  it('makes a fresh 16-hex-character nonce, and a different signature, for every call', () => {
    // Act
    const all = Array.from({ length: 200 }, () => signRequest(1, 'secret', 1_700_000_000_000));

    // Assess
    for (const { nonce, signature } of all) {
      expect(nonce).toMatch(/^[0-9a-f]{16}$/);
      expect(signature).toMatch(/^[0-9a-f]{32}$/);
    }
    expect(new Set(all.map((s) => s.nonce)).size).toBe(200);
    expect(new Set(all.map((s) => s.signature)).size).toBe(200);
  });
});

describe('buildActionUrl', () => {
  it('puts every common parameter in the query, whatever the base URL’s trailing slash', () => {
    // Prepare
    const signed = { nonce: '4fd24687296dd9f3', timestamp: 1615186943, signature: '43e5cfcca828314675f91b001390566a' };

    // Act
    const url = new URL(buildActionUrl('https://cloudrecord-api.zego.im/', 'DescribeRecordStatus', 12345, signed));

    // Assess
    expect(url.origin + url.pathname).toBe('https://cloudrecord-api.zego.im/');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      Action: 'DescribeRecordStatus',
      AppId: '12345',
      SignatureNonce: '4fd24687296dd9f3',
      Timestamp: '1615186943',
      Signature: '43e5cfcca828314675f91b001390566a',
      SignatureVersion: '2.0',
    });
  });
});
