// Where a ZEGO secret (the ServerSecret, the CallbackSecret) comes from: given directly (local use) or read
// from an SSM SecureString (deployed use) through Powertools Parameters. The SSM read happens once per
// container; a failed read is retried on the next call; refresh() reads it again, bypassing the cache, so a
// rotated secret is picked up without a new container.
// No message or error built here ever contains the secret.

import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { SecretConfig } from './config';
import { errorCode } from './error-code';

export interface SecretSource {
  get(): Promise<string>;
  /**
   * Reads the secret again, bypassing the cache (after a signature that did not verify: the secret may have
   * been rotated). At most one refresh per `minRefreshIntervalMs`, so that forged requests cannot turn into SSM
   * reads; undefined when no fresh read was made (a secret given directly, or a refresh too soon).
   */
  refresh(): Promise<string | undefined>;
}

/** The secret could not be had; the message names where it was looked for, never a value. */
export class SecretError extends Error {
  override readonly name = 'SecretError';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
  }
}

/** How an SSM parameter is read; ignored for a secret given directly. */
export interface SecretSourceOptions {
  /** Needed for an SSM parameter. */
  ssm?: SSMClient;
  /** The least time between two refreshes (default 60 s). */
  minRefreshIntervalMs?: number;
  /** A value read longer ago than this is read again on the next get(), bypassing the cache (default 15 minutes). */
  maxAgeMs?: number;
  /** Epoch ms (default Date.now). */
  now?: () => number;
}

export function createSecretSource(source: SecretConfig, options: SecretSourceOptions = {}): SecretSource {
  if (source.kind === 'value') {
    const secret = source.value;
    return { get: async () => nonEmpty(secret, 'the secret given is empty'), refresh: async () => undefined };
  }
  const { parameterName } = source;
  const { ssm } = options;
  if (parameterName === '')
    throw new SecretError('no secret source: give the secret or the name of an SSM parameter holding it');
  if (ssm === undefined) throw new SecretError(`an SSM client is needed to read parameter "${parameterName}"`);

  // Powertools Parameters reads it (decrypted) and caches it for the container's life; the promise is
  // shared so concurrent first callers make one request between them.
  const provider = new SSMProvider({ awsSdkV3Client: ssm });
  const now = options.now ?? Date.now;
  const minRefreshIntervalMs = options.minRefreshIntervalMs ?? 60_000;
  const maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
  let pending: Promise<string> | undefined;
  let readAt = -Infinity;
  let lastRefreshAt = -Infinity;
  const read = (forceFetch: boolean): Promise<string> => {
    readAt = now();
    const reading = readParameter(provider, parameterName, forceFetch).catch((error: unknown) => {
      if (pending === reading) pending = undefined;
      throw error;
    });
    pending = reading;
    return reading;
  };
  return {
    // A read that is too old is done again; until the new one answers, callers wait for it (a rotated
    // secret must not be used for 15 minutes more), and a failed re-read is retried on the next call.
    get: () => (pending !== undefined && now() - readAt < maxAgeMs ? pending : read(pending !== undefined)),
    async refresh() {
      if (now() - lastRefreshAt < minRefreshIntervalMs) return undefined;
      lastRefreshAt = now();
      return read(true);
    },
  };
}

/** A rotated secret is picked up within this long even when nothing fails (contract: a bounded age). */
const DEFAULT_MAX_AGE_MS = 15 * 60_000;

/** Powertools' own cache is not used for expiry: this module decides when to read again (forceFetch). */
const FOR_THE_CONTAINERS_LIFE_S = 365 * 24 * 3600;

async function readParameter(provider: SSMProvider, name: string, forceFetch: boolean): Promise<string> {
  let value: string | undefined;
  try {
    value = await provider.get(name, { decrypt: true, maxAge: FOR_THE_CONTAINERS_LIFE_S, forceFetch });
  } catch (error) {
    // Powertools wraps the SDK's error; its cause is what SSM said.
    const sdkError = (error as { cause?: unknown }).cause ?? error;
    const code = ssmErrorCode(sdkError);
    const what = code === 'ParameterNotFound' ? 'does not exist' : `could not be read (${code})`;
    throw new SecretError(`SSM parameter "${name}" ${what}`, { cause: sdkError });
  }
  return nonEmpty(value, `SSM parameter "${name}" is empty`);
}

// Trimmed: a secret pasted into SSM with a trailing newline would otherwise sign every request wrongly.
function nonEmpty(value: string | undefined, message: string): string {
  if (value === undefined || value.trim() === '') throw new SecretError(message);
  return value.trim();
}

// SDK service errors name themselves (ParameterNotFound, AccessDeniedException); network errors carry `code`.
// A bare `Error` says nothing.
const ssmErrorCode = (error: unknown): string =>
  errorCode(error, ['code', 'name'], (candidate, field) => !(field === 'name' && candidate === 'Error')) ?? 'Unknown';
