// Wraps an API door: known client errors become their 4xx answer; anything else becomes a 500 that
// carries the request id of the log line describing it, and never a stack trace, an SDK error name or a
// table name.
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { Logger } from '../log';
import { errorResponse, HttpError } from './responses';

export type ApiContext = Pick<Context, 'awsRequestId'> & Partial<Pick<Context, 'getRemainingTimeInMillis'>>;
export type ApiHandler = (event: APIGatewayProxyEvent, context: ApiContext) => Promise<APIGatewayProxyResult>;

export function httpHandler(
  logger: Logger,
  handle: (event: APIGatewayProxyEvent, context: ApiContext) => Promise<APIGatewayProxyResult>,
): ApiHandler {
  return async (event, context) => {
    const requestId = event.requestContext?.requestId ?? context.awsRequestId;
    logger.addContext(context);
    const request = { requestId, method: event.httpMethod, resource: event.resource };
    try {
      const result = await handle(event, context);
      logger.info('request', { ...request, status: result.statusCode });
      return result;
    } catch (error) {
      if (error instanceof HttpError) {
        logger.info('request refused', { ...request, status: error.statusCode, code: error.code });
        return errorResponse(error.statusCode, error.code, error.message);
      }
      logger.error('request failed', { ...request, status: 500, error });
      return errorResponse(
        500,
        'internal_error',
        'something went wrong on our side; quote the request id if you report it',
        requestId,
      );
    }
  };
}
