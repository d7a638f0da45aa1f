// The event publisher's SNS adapter. SDK errors stop here and become a PublishError; the outcome then stays
// pending and a later run retries it. A message SNS refuses for its size is sent again at once with fewer
// files (half, then none beyond `fileCount`): a big recording is announced, never set aside.
import { PublishCommand, type PublishCommandInput, type SNSClient } from '@aws-sdk/client-sns';
import { errorCode } from '../error-code';
import type { OutcomeEvent } from '../task/outcome-event';
import { type EventPublisher, PublishError } from '../task/publisher';
import { errorDetail, fewerFiles } from './fit';
import { buildSnsPublishInput } from './sns-message';

// SNS: InvalidParameter (e.g. "Message too long") and InvalidParameterValue are about the message itself.
const PERMANENT_CODES = new Set(['InvalidParameter', 'InvalidParameterValue']);
// SNS: "Invalid parameter: Message too long" (and the like, for the message and its attributes).
const TOO_LONG = /too long|too large|exceeds|size/i;

export function createEventPublisher(options: { sns: SNSClient; topicArn: string }): EventPublisher {
  const { sns, topicArn } = options;
  return {
    target: 'sns',
    async publish(event) {
      let input = buildSnsPublishInput(event, topicArn);
      for (;;) {
        let messageId: string | undefined;
        try {
          ({ MessageId: messageId } = await sns.send(new PublishCommand(input)));
        } catch (error) {
          const code = publishErrorCode(error);
          const smaller = tooLong(error, code) ? lessOf(event, input, topicArn) : undefined;
          if (smaller !== undefined) {
            input = smaller;
            continue;
          }
          const message = error instanceof Error ? error.message : '';
          throw new PublishError(`SNS Publish failed: ${code}${errorDetail(message, code)}`, {
            cause: error,
            code,
            permanent: PERMANENT_CODES.has(code),
          });
        }
        if (!messageId) throw new PublishError('SNS Publish failed: the answer carried no MessageId');
        return { messageId };
      }
    },
  };
}

const tooLong = (error: unknown, code: string): boolean =>
  PERMANENT_CODES.has(code) && error instanceof Error && TOO_LONG.test(error.message);

/** The input again with fewer files than the refused one's JSON event carried; undefined when it carried none. */
function lessOf(event: OutcomeEvent, refused: PublishCommandInput, topicArn: string): PublishCommandInput | undefined {
  const maxFiles = fewerFiles((JSON.parse(refused.Message ?? '{}') as { default?: string }).default);
  return maxFiles === undefined ? undefined : buildSnsPublishInput(event, topicArn, { maxFiles });
}

// awsQuery errors carry SNS's own code in `Code` (e.g. "AuthorizationError" for AuthorizationErrorException);
// network errors carry Node's in `code` (e.g. "ECONNREFUSED").
const publishErrorCode = (error: unknown): string => errorCode(error, ['Code', 'code', 'name']) ?? 'Unknown';
