// The callback's signature and the checks made on its body, as pure functions (no sockets).
import { describe, expect, it } from 'vitest';
import { CallbackRefusal, MAX_CALLBACK_BYTES, readCallback } from '../../lib/callback/callback-request';
import { callbackSignature, signCallback, verifyCallbackSignature } from '../../lib/callback/signature';

const SECRET = 'secret';
const APP_ID = 1234567890;
const NOW = 1_700_000_000_000;

describe('callback signature', () => {
  it('reproduces ZEGO’s published example', () => {
    // Prepare: ZEGO's documented vector.
    const [timestamp, nonce, secret] = ['1470820198', '123412', 'secret'];

    // Act
    const signature = callbackSignature(secret, timestamp, nonce);

    // Assess
    expect(signature).toBe('5bd59fd62953a8059fb7eaba95720f66d19e4517');
    expect(verifyCallbackSignature(secret, timestamp, nonce, signature)).toBe(true);
  });

  it('refuses a signature that differs in one character, in length, or that was made with another secret', () => {
    // Prepare
    const good = callbackSignature(SECRET, '1470820198', '123412');
    const flipped = `${good.slice(0, -1)}${good.endsWith('0') ? '1' : '0'}`;

    // Act + Assess
    expect(verifyCallbackSignature(SECRET, '1470820198', '123412', flipped)).toBe(false);
    expect(verifyCallbackSignature(SECRET, '1470820198', '123412', good.slice(1))).toBe(false);
    expect(verifyCallbackSignature(SECRET, '1470820198', '123412', good.toUpperCase())).toBe(false);
    expect(verifyCallbackSignature('other', '1470820198', '123412', good)).toBe(false);
  });

  it('signs with the timestamp in whole seconds, as a string', () => {
    // Act + Assess
    expect(signCallback(SECRET, 1_470_820_198_999, '123412')).toEqual({
      timestamp: '1470820198',
      nonce: '123412',
      signature: '5bd59fd62953a8059fb7eaba95720f66d19e4517',
    });
  });
});

function body(fields: Record<string, unknown> = {}, at = NOW): Record<string, unknown> {
  return {
    app_id: APP_ID,
    task_id: 'X3CgNeE4I1qAAABN',
    room_id: 'room-1',
    event_type: 5,
    sequence: 3,
    detail: {},
    ...signCallback(SECRET, at),
    ...fields,
  };
}
const checks = {
  appId: APP_ID,
  now: NOW,
  verifySignature: async (t: string, n: string, s: string) => verifyCallbackSignature(SECRET, t, n, s),
};
const refusal = (text: string) =>
  readCallback(text, checks).then(
    () => undefined,
    (error: unknown) => error as CallbackRefusal,
  );

describe('readCallback', () => {
  it('reads a signed callback, tolerating fields it does not know', async () => {
    // Act
    const callback = await readCallback(JSON.stringify(body({ new_field: { nested: true }, message: 'x' })), checks);

    // Assess
    expect(callback).toEqual({ taskId: 'X3CgNeE4I1qAAABN', eventType: 5, sentAt: Math.floor(NOW / 1000) * 1000 });
  });

  it('accepts a numeric timestamp and a numeric-string app_id', async () => {
    // Prepare
    const signed = signCallback(SECRET, NOW);

    // Act
    const callback = await readCallback(
      JSON.stringify(body({ ...signed, timestamp: Number(signed.timestamp), app_id: String(APP_ID) })),
      checks,
    );

    // Assess
    expect(callback.taskId).toBe('X3CgNeE4I1qAAABN');
  });

  it.each([
    ['a forged signature', () => JSON.stringify(body({ signature: 'f'.repeat(40) })), 401, 'bad_signature'],
    ['a missing signature', () => JSON.stringify(body({ signature: undefined })), 401, 'missing_signature'],
    ['a missing nonce', () => JSON.stringify(body({ nonce: '' })), 401, 'missing_signature'],
    ['a replayed (old) timestamp', () => JSON.stringify(body({}, NOW - 11 * 60_000)), 401, 'stale_timestamp'],
    ['a future timestamp', () => JSON.stringify(body({}, NOW + 11 * 60_000)), 401, 'stale_timestamp'],
    ['a timestamp that is not a number', () => JSON.stringify(body(signedWith('soon'))), 401, 'stale_timestamp'],
    ['another AppId', () => JSON.stringify(body({ app_id: 42 })), 401, 'wrong_app_id'],
    ['a missing AppId', () => JSON.stringify(body({ app_id: undefined })), 401, 'wrong_app_id'],
    ['a body that is not JSON', () => 'task_id=X3CgNeE4I1qAAABN', 400, 'invalid_json'],
    ['an array', () => JSON.stringify([body()]), 400, 'invalid_body'],
    ['null', () => 'null', 400, 'invalid_body'],
    ['a missing task_id', () => JSON.stringify(body({ task_id: undefined })), 400, 'invalid_task_id'],
    ['a task_id outside the taskId rule', () => JSON.stringify(body({ task_id: 'a/b' })), 400, 'invalid_task_id'],
    ['a missing event_type', () => JSON.stringify(body({ event_type: undefined })), 400, 'invalid_event_type'],
    [
      'an event_type that is not an integer',
      () => JSON.stringify(body({ event_type: '1' })),
      400,
      'invalid_event_type',
    ],
    [
      'an oversized body',
      () => JSON.stringify(body({ padding: 'x'.repeat(MAX_CALLBACK_BYTES) })),
      400,
      'body_too_large',
    ],
  ])('refuses %s', async (_, make, statusCode, reason) => {
    // Act
    const error = await refusal(make());

    // Assess
    expect(error).toBeInstanceOf(CallbackRefusal);
    expect({ statusCode: error!.statusCode, reason: error!.reason }).toEqual({ statusCode, reason });
  });

  it('accepts a timestamp 9 minutes off either way', async () => {
    // Act + Assess
    await expect(readCallback(JSON.stringify(body({}, NOW - 9 * 60_000)), checks)).resolves.toMatchObject({
      eventType: 5,
    });
    await expect(readCallback(JSON.stringify(body({}, NOW + 9 * 60_000)), checks)).resolves.toMatchObject({
      eventType: 5,
    });
  });

  it('checks the signature before the AppId, so an unsigned probe learns nothing of the AppId', async () => {
    // Act
    const error = await refusal(JSON.stringify(body({ app_id: 42, signature: 'f'.repeat(40) })));

    // Assess
    expect(error?.reason).toBe('bad_signature');
  });

  it('keeps only task_id and event_type of the body: room_id and detail are not signed, so they are not read', async () => {
    // Prepare: a signed body whose unsigned parts claim a room and a file.
    const claims = {
      room_id: 'room-of-the-forger',
      detail: { file_info: [{ file_url: 'https://evil.example.test/x.mp4' }] },
    };

    // Act
    const callback = await readCallback(JSON.stringify(body(claims)), checks);

    // Assess
    expect(callback).toEqual({ taskId: expect.any(String), eventType: expect.any(Number), sentAt: expect.any(Number) });
    expect(JSON.stringify(callback)).not.toMatch(/room-of-the-forger|evil\.example/);
  });
});

function signedWith(timestamp: string) {
  const nonce = '0123456789abcdef';
  return { timestamp, nonce, signature: callbackSignature(SECRET, timestamp, nonce) };
}
