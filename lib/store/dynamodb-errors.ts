// DynamoDB's answers that the adapters turn into domain answers at their edge.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';

/** A conditional write that lost: someone else got there first (or the item is not what the write required). */
export const isConflict = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException ||
  (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';

export class StoreError extends Error {
  override name = 'StoreError';
}

/** Runs a conditional write: true when it was written, false when its condition failed. */
export async function conditionally(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (isConflict(error)) return false;
    throw error;
  }
}
