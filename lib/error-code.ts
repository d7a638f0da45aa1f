// The code a thrown error names itself by, for messages and decisions that must not depend on its text.
// AWS SDK service errors name themselves (`name`: ParameterNotFound, AccessDeniedException), and awsQuery
// services (SNS) also carry their own code in `Code` (AuthorizationError); Node's network errors carry
// `code` (ECONNREFUSED), and undici's wrap one in `cause.code`. Each caller says where to look, in order.

/** Where an error may carry its code. */
export type CodeField = 'Code' | 'code' | 'cause.code' | 'name';

/**
 * The first field of `fields` that holds a non-empty string which `accept` takes (default: any), or
 * undefined when none does (or the error is not an object).
 */
export function errorCode(
  error: unknown,
  fields: readonly CodeField[],
  accept: (candidate: string, field: CodeField) => boolean = () => true,
): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  for (const field of fields) {
    const value =
      field === 'cause.code'
        ? (error as { cause?: { code?: unknown } | null }).cause?.code
        : (error as Record<string, unknown>)[field];
    if (typeof value === 'string' && value !== '' && accept(value, field)) return value;
  }
  return undefined;
}
