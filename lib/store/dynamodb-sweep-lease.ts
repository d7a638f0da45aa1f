// The sweep's lease, one item in the tasks table: a run holds it while it spends the AppId's ZEGO budget, and
// hands the rate windows' tails to the next holder through it. The callback receiver reads it to tell whether
// a sweep is taking work (lib/store/dynamodb-hint-inbox.ts).
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { conditionally } from './dynamodb-errors';
import type { LeaseHandOver, SweepLease } from './task-store';

/** Task ids are letters, digits, - and _; '#' keeps the lease item out of their way. */
export const LEASE_KEY = '#lease#sweep';

export function createDynamoSweepLease(options: { client: DynamoDBDocumentClient; table: string }): SweepLease {
  const { client, table } = options;
  return {
    async acquire(holder, now, until, stopsAt = until) {
      let attributes: Record<string, unknown> | undefined;
      const taken = await conditionally(async () => {
        ({ Attributes: attributes } = await client.send(
          new UpdateCommand({
            TableName: table,
            Key: { taskId: LEASE_KEY },
            UpdateExpression: 'SET holder = :holder, leaseUntil = :until, acquiredAt = :now, stopsAt = :stops',
            ConditionExpression: 'attribute_not_exists(leaseUntil) OR leaseUntil <= :now OR holder = :holder',
            ExpressionAttributeValues: { ':holder': holder, ':until': until, ':now': now, ':stops': stopsAt },
            ReturnValues: 'ALL_NEW',
          }),
        ));
      });
      if (!taken) return undefined;
      // Written by this or an older version (which carried no listing window): read defensively.
      const times = (carried: unknown): number[] =>
        Array.isArray(carried) ? carried.filter((t): t is number => typeof t === 'number' && Number.isFinite(t)) : [];
      const from = attributes?.listingFrom;
      const handOver: LeaseHandOver = {
        carriedOver: times(attributes?.carryOver),
        carriedOverListing: times(attributes?.carryOverListing),
      };
      if (typeof from === 'number' && Number.isFinite(from)) handOver.listingFrom = from;
      return handOver;
    },

    async state() {
      const { Item } = await client.send(
        new GetCommand({ TableName: table, Key: { taskId: LEASE_KEY }, ConsistentRead: true }),
      );
      const numberOr = (value: unknown): number | undefined =>
        typeof value === 'number' && Number.isFinite(value) ? value : undefined;
      const heldUntil = numberOr(Item?.leaseUntil);
      const stopsAt = numberOr(Item?.stopsAt);
      // A lease given back holds leaseUntil 0: free.
      const held = heldUntil !== undefined && heldUntil > 0;
      return { ...(held ? { heldUntil } : {}), ...(held && stopsAt !== undefined ? { stopsAt } : {}) };
    },

    async stopping(holder, now) {
      // A callback that finds the holder stopping claims a start for the next run (dynamodb-hint-inbox.ts).
      await conditionally(() =>
        client.send(
          new UpdateCommand({
            TableName: table,
            Key: { taskId: LEASE_KEY },
            UpdateExpression: 'SET stopsAt = :now',
            ConditionExpression: 'holder = :holder',
            ExpressionAttributeValues: { ':holder': holder, ':now': now },
          }),
        ),
      );
    },

    async release(holder, carryOver, listingCarryOver = [], listingFrom) {
      // A lease that ran out and went to someone else has nothing to give back: the condition fails, quietly.
      await conditionally(() =>
        client.send(
          new UpdateCommand({
            TableName: table,
            Key: { taskId: LEASE_KEY },
            UpdateExpression: `SET leaseUntil = :zero, carryOver = :carry, carryOverListing = :listing${listingFrom === undefined ? '' : ', listingFrom = :from'} REMOVE holder, stopsAt${listingFrom === undefined ? ', listingFrom' : ''}`,
            ConditionExpression: 'holder = :holder',
            ExpressionAttributeValues: {
              ':holder': holder,
              ':zero': 0,
              ':carry': carryOver,
              ':listing': listingCarryOver,
              ...(listingFrom === undefined ? {} : { ':from': listingFrom }),
            },
          }),
        ),
      );
    },
  };
}
