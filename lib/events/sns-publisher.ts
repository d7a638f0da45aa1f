// The event publisher's SNS adapter. SDK errors stop here and become a PublishError; the outcome then stays
// pending and a later run retries it.
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { errorCode } from '../error-code';
import { type EventPublisher, PublishError } from '../task/publisher';
import { buildSnsPublishInput } from './sns-message';

// SNS: InvalidParameter (e.g. "Message too long") and InvalidParameterValue are about the message itself.
const PERMANENT_CODES = new Set(['InvalidParameter', 'InvalidParameterValue']);

export function createEventPublisher(options: { sns: SNSClient; topicArn: string }): EventPublisher {
  const { sns, topicArn } = options;
  return {
    async publish(event) {
      let messageId: string | undefined;
      try {
        ({ MessageId: messageId } = await sns.send(new PublishCommand(buildSnsPublishInput(event, topicArn))));
      } catch (error) {
        const code = publishErrorCode(error);
        throw new PublishError(`SNS Publish failed: ${code}${detailOf(error, code)}`, {
          cause: error,
          code,
          permanent: PERMANENT_CODES.has(code),
        });
      }
      if (!messageId) throw new PublishError('SNS Publish failed: the answer carried no MessageId');
      return { messageId };
    },
  };
}

// awsQuery errors carry SNS's own code in `Code` (e.g. "AuthorizationError" for AuthorizationErrorException);
// network errors carry Node's in `code` (e.g. "ECONNREFUSED").
const publishErrorCode = (error: unknown): string => errorCode(error, ['Code', 'code', 'name']) ?? 'Unknown';

// SNS's messages name the parameter or principal at fault, never message content or credentials; kept short.
function detailOf(error: unknown, code: string): string {
  const message = error instanceof Error ? error.message.replace(/\s+/g, ' ').trim() : '';
  if (message === '' || message === code || message === 'Unknown' || message === 'UnknownError') return '';
  return ` (${message.length > 200 ? `${message.slice(0, 197)}...` : message})`;
}
