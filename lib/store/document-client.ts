// One way to build the DynamoDB document client, for every function. The SDK reads AWS_REGION and
// AWS_ENDPOINT_URL_DYNAMODB itself, which is how local runs and tests point it elsewhere.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export function createDocumentClient(client: DynamoDBClient = new DynamoDBClient({})): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
