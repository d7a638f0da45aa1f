// The one helper behind every "what code does this error carry" question (SSM, SNS, the ZEGO client).
import { describe, expect, it } from 'vitest';
import { errorCode } from '../../lib/error-code';

describe('errorCode', () => {
  it('takes the first listed field that holds a non-empty string', () => {
    // Prepare
    const snsError = Object.assign(new Error('not allowed'), {
      name: 'AuthorizationErrorException',
      Code: 'AuthorizationError',
    });

    // Act + Assess
    expect(errorCode(snsError, ['Code', 'code', 'name'])).toBe('AuthorizationError');
    expect(errorCode(snsError, ['code', 'name'])).toBe('AuthorizationErrorException');
    expect(errorCode(Object.assign(new Error('x'), { code: '' }), ['code', 'name'])).toBe('Error');
  });

  it("reads a wrapped error's code", () => {
    // Prepare
    const undiciError = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } });

    // Act + Assess
    expect(errorCode(undiciError, ['code', 'cause.code', 'name'])).toBe('ECONNRESET');
    expect(errorCode({ cause: null }, ['cause.code'])).toBeUndefined();
  });

  it('skips what the caller does not accept', () => {
    // Prepare
    const plain = new Error('boom');

    // Act + Assess
    expect(
      errorCode(plain, ['code', 'name'], (candidate, field) => !(field === 'name' && candidate === 'Error')),
    ).toBeUndefined();
    expect(
      errorCode({ code: 'has spaces', name: 'SocketError' }, ['code', 'name'], (candidate) =>
        /^[A-Za-z_]+$/.test(candidate),
      ),
    ).toBe('SocketError');
  });

  it.each([undefined, null, 'ECONNREFUSED', 42])('finds nothing in %j', (thrown) => {
    // Act + Assess
    expect(errorCode(thrown, ['Code', 'code', 'cause.code', 'name'])).toBeUndefined();
  });
});
