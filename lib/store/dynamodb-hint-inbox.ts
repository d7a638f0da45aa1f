// The callback receiver's port on the tasks table: a hint is one conditional UpdateItem (and, when it is
// refused, one read to say why), a candidate one conditional PutItem, a sweep's start one conditional
// UpdateItem of the lease item. A callback never reads or writes anything else: its body is not signed, so it
// only ever says "look now".
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { conditionally } from './dynamodb-errors';
import { LEASE_KEY } from './dynamodb-sweep-lease';
import { candidateItem, DUE_ATTR, HINT_SHARD, SHARD_ATTR } from './task-item';
import type { HintInbox } from './task-store';

export function createDynamoHintInbox(options: { client: DynamoDBDocumentClient; table: string }): HintInbox {
  const { client, table } = options;
  return {
    async hint(taskId, now, cooldownMs) {
      // Only a task not hinted already: a hint waiting (or being followed up) keeps its place, so that
      // re-hinting cannot push a task back in line, nor knock out the check under way. The version moves on:
      // a sweep that read the task before the hint finds it changed at its next (conditional) write, and
      // leaves the task to the hinted check.
      const hinted = await conditionally(() =>
        client.send(
          new UpdateCommand({
            TableName: table,
            Key: { taskId },
            UpdateExpression:
              'SET #shard = :hint, #due = :now, hintedAt = :now, #v = if_not_exists(#v, :zero) + :one REMOVE hintFollowUps',
            ConditionExpression:
              'attribute_exists(taskId) AND #state = :open AND #shard <> :hint AND (attribute_not_exists(hintedAt) OR hintedAt <= :cutoff)',
            ExpressionAttributeNames: { '#shard': SHARD_ATTR, '#due': DUE_ATTR, '#v': 'version', '#state': 'state' },
            ExpressionAttributeValues: {
              ':hint': HINT_SHARD,
              ':now': now,
              ':zero': 0,
              ':one': 1,
              ':open': 'OPEN',
              ':cutoff': now - cooldownMs,
            },
          }),
        ),
      );
      if (hinted) return 'hinted';
      const { Item } = await client.send(new GetCommand({ TableName: table, Key: { taskId }, ConsistentRead: true }));
      if (Item === undefined) return 'untracked';
      return Item.state === 'OPEN' ? 'cooldown' : 'closed';
    },

    async addCandidate(taskId, now, cooldownMs) {
      const added = await conditionally(() =>
        client.send(
          new PutCommand({
            TableName: table,
            Item: candidateItem({ taskId, hintedAt: now, dueAt: now, attempts: 0, version: 0 }),
            // A candidate named again after its cooldown starts afresh (its faults forgotten).
            ConditionExpression: 'attribute_not_exists(taskId) OR hintedAt <= :cutoff',
            ExpressionAttributeValues: { ':cutoff': now - cooldownMs },
          }),
        ),
      );
      return added ? 'added' : 'cooldown';
    },

    async claimSweepStart(now, marginMs, everyMs) {
      // One conditional write on the lease item, whatever the number of containers: the first callback to find
      // no run taking work claims the start; the others within `everyMs` find it claimed.
      return conditionally(() =>
        client.send(
          new UpdateCommand({
            TableName: table,
            Key: { taskId: LEASE_KEY },
            UpdateExpression: 'SET startRequestedAt = :now',
            ConditionExpression:
              '(attribute_not_exists(leaseUntil) OR leaseUntil <= :now OR stopsAt <= :soon) AND (attribute_not_exists(startRequestedAt) OR startRequestedAt <= :recent)',
            ExpressionAttributeValues: { ':now': now, ':soon': now + marginMs, ':recent': now - everyMs },
          }),
        ),
      );
    },
  };
}
