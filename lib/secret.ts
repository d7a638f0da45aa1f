// Where the ZEGO ServerSecret comes from: given directly (local use) or read from an SSM SecureString
// (deployed use) through Powertools Parameters. The SSM read happens once per container; a failed read
// is retried on the next call.
// No message or error built here ever contains the secret.
import type { SSMClient } from '@aws-sdk/client-ssm';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';

export interface SecretSource {
  get(): Promise<string>;
}

/** The secret could not be had; the message names where it was looked for, never a value. */
export class SecretError extends Error {
  override readonly name = 'SecretError';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
  }
}

export interface SecretSourceOptions {
  secret?: string;
  parameterName?: string;
  ssm?: SSMClient;
}

export function createSecretSource(options: SecretSourceOptions): SecretSource {
  const { secret, parameterName, ssm } = options;
  if (secret !== undefined) {
    return { get: async () => nonEmpty(secret, 'the ServerSecret given is empty') };
  }
  if (parameterName === undefined || parameterName === '') {
    throw new SecretError('no ServerSecret source: give the secret or the name of an SSM parameter holding it');
  }
  if (ssm === undefined) throw new SecretError(`an SSM client is needed to read parameter "${parameterName}"`);

  // Powertools Parameters reads it (decrypted) and caches it for the container's life; the promise is
  // shared so concurrent first callers make one request between them.
  const provider = new SSMProvider({ awsSdkV3Client: ssm });
  let pending: Promise<string> | undefined;
  return {
    get() {
      pending ??= readParameter(provider, parameterName).catch((error: unknown) => {
        pending = undefined;
        throw error;
      });
      return pending;
    },
  };
}

/** Once per cold start: the value is kept until the container goes (a rotated secret needs a redeploy or a new container). */
const FOR_THE_CONTAINERS_LIFE_S = 365 * 24 * 3600;

async function readParameter(provider: SSMProvider, name: string): Promise<string> {
  let value: string | undefined;
  try {
    value = await provider.get(name, { decrypt: true, maxAge: FOR_THE_CONTAINERS_LIFE_S });
  } catch (error) {
    // Powertools wraps the SDK's error; its cause is what SSM said.
    const sdkError = (error as { cause?: unknown }).cause ?? error;
    const code = errorName(sdkError);
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

function errorName(error: unknown): string {
  if (typeof error !== 'object' || error === null) return 'Unknown';
  const { name, code } = error as { name?: unknown; code?: unknown };
  // SDK service errors name themselves (ParameterNotFound, AccessDeniedException); network errors carry `code`.
  if (typeof code === 'string' && code !== '') return code;
  return typeof name === 'string' && name !== '' && name !== 'Error' ? name : 'Unknown';
}
