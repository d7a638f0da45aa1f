// ServerSecret loading, through the real SSMClient talking to the local SSM endpoint.
import { SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SsmEndpoint, startSsmEndpoint } from '../../infra/local/ssm-endpoint';
import { createSecretSource, SecretError } from '../../lib/secret';

const SECRET = '0123456789abcdef0123456789abcdef';

describe('createSecretSource', () => {
  let endpoint: SsmEndpoint;
  let ssm: SSMClient;
  let n = 0;
  // Each test gets its own parameter, so call counts never mix.
  const freshName = (): string => {
    n += 1;
    return `/recwatch/test-${n}/zego-server-secret`;
  };

  beforeAll(async () => {
    endpoint = await startSsmEndpoint();
    ssm = new SSMClient({
      region: 'us-east-1',
      endpoint: endpoint.url,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  });
  afterAll(async () => {
    ssm.destroy();
    await endpoint.close();
  });

  it('returns a secret given directly, without asking SSM', async () => {
    // Prepare
    const source = createSecretSource({ kind: 'value', value: SECRET }, { ssm });

    // Act
    const value = await source.get();

    // Assess
    expect(value).toBe(SECRET);
    expect(endpoint.calls()).toBe(0);
  });

  it('reads the SSM parameter once and serves it from memory afterwards', async () => {
    // Prepare
    const name = freshName();
    endpoint.setParameter(name, SECRET);
    const source = createSecretSource({ kind: 'ssm', parameterName: name }, { ssm });

    // Act
    const concurrent = await Promise.all([source.get(), source.get()]);
    const later = [await source.get(), await source.get()];

    // Assess
    expect([...concurrent, ...later]).toStrictEqual([SECRET, SECRET, SECRET, SECRET]);
    expect(endpoint.calls(name)).toBe(1);
  });

  it('names a missing parameter, and does not cache the failure', async () => {
    // Prepare
    const name = freshName();
    const source = createSecretSource({ kind: 'ssm', parameterName: name }, { ssm });

    // Act
    const error = await source.get().catch((e: unknown) => e);
    endpoint.setParameter(name, SECRET);
    const value = await source.get();

    // Assess
    expect(error).toBeInstanceOf(SecretError);
    expect((error as SecretError).message).toBe(`SSM parameter "${name}" does not exist`);
    expect((error as SecretError).cause).toMatchObject({ name: 'ParameterNotFound' });
    expect(value).toBe(SECRET);
    expect(endpoint.calls(name)).toBe(2);
  });

  it('reports a refused read with the AWS code and never the value', async () => {
    // Prepare
    const name = freshName();
    endpoint.setParameter(name, SECRET);
    endpoint.failNext(1, {
      status: 400,
      code: 'AccessDeniedException',
      message: 'not authorized to perform ssm:GetParameter',
    });
    const source = createSecretSource({ kind: 'ssm', parameterName: name }, { ssm });

    // Act
    const error = await source.get().catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(SecretError);
    expect((error as SecretError).message).toBe(`SSM parameter "${name}" could not be read (AccessDeniedException)`);
    expect(String((error as SecretError).message)).not.toContain(SECRET);
  });

  it.each([
    ['an empty secret given directly', () => createSecretSource({ kind: 'value', value: '' })],
    ['a blank SSM value', () => createSecretSource({ kind: 'ssm', parameterName: blankParameter() }, { ssm })],
  ])('refuses %s', async (_, make) => {
    // Act
    const error = await make()
      .get()
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(SecretError);
    expect((error as SecretError).message).toMatch(/empty/);
  });

  it('reads the parameter again on refresh(), bypassing the cache, at most once per interval', async () => {
    // Prepare
    const name = freshName();
    endpoint.setParameter(name, SECRET);
    let now = 1_000_000;
    const source = createSecretSource(
      { kind: 'ssm', parameterName: name },
      { ssm, now: () => now, minRefreshIntervalMs: 60_000 },
    );
    await source.get();
    endpoint.setParameter(name, 'rotated-secret');

    // Act
    const cached = await source.get();
    const refreshed = await source.refresh();
    const afterRefresh = await source.get();
    now += 30_000;
    const tooSoon = await source.refresh();
    now += 31_000;
    const nextMinute = await source.refresh();

    // Assess
    expect([cached, refreshed, afterRefresh, tooSoon, nextMinute]).toStrictEqual([
      SECRET,
      'rotated-secret',
      'rotated-secret',
      undefined,
      'rotated-secret',
    ]);
    expect(endpoint.calls(name)).toBe(3);
  });

  it('reads the parameter again once the value is older than its bounded age, even when nothing failed', async () => {
    // Prepare
    const name = freshName();
    endpoint.setParameter(name, SECRET);
    let now = 5_000_000;
    const source = createSecretSource(
      { kind: 'ssm', parameterName: name },
      { ssm, now: () => now, maxAgeMs: 15 * 60_000 },
    );
    await source.get();
    endpoint.setParameter(name, 'rotated-secret');

    // Act
    now += 14 * 60_000;
    const young = await source.get();
    now += 2 * 60_000;
    const aged = await source.get();
    const again = await source.get();

    // Assess
    expect([young, aged, again]).toStrictEqual([SECRET, 'rotated-secret', 'rotated-secret']);
    expect(endpoint.calls(name)).toBe(2);
  });

  it('has nothing to refresh for a secret given directly', async () => {
    // Act + Assess
    await expect(createSecretSource({ kind: 'value', value: SECRET }).refresh()).resolves.toBeUndefined();
  });

  it('refuses to be created with no source', () => {
    // Act + Assess
    expect(() => createSecretSource({ kind: 'ssm', parameterName: '' }, { ssm })).toThrow(SecretError);
    expect(() => createSecretSource({ kind: 'ssm', parameterName: '/x' })).toThrow(/SSM client/);
  });

  function blankParameter(): string {
    const name = freshName();
    endpoint.setParameter(name, '   ');
    return name;
  }
});
