// What the API doors share, built once per container from the store configuration.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { StoreConfig } from '../config';
import { createLogger, type Logger } from '../log';
import { createDocumentClient } from '../store/document-client';
import { createDynamoTaskStore } from '../store/dynamodb-task-store';
import type { TaskCatalog, TaskStore } from '../store/task-store';

export interface ApiApp {
  store: TaskStore & TaskCatalog;
  logger: Logger;
}

export function createApiApp(
  config: StoreConfig,
  name: string,
  overrides: { dynamo?: DynamoDBDocumentClient; logger?: Logger } = {},
): ApiApp {
  return {
    store: createDynamoTaskStore({
      client: overrides.dynamo ?? createDocumentClient(),
      table: config.tasksTable,
      shards: config.indexShards,
      retentionDays: config.retentionDays,
    }),
    logger:
      overrides.logger ??
      createLogger({
        level: config.observability.logLevel,
        serviceName: config.observability.serviceName,
        fields: { function: name },
      }),
  };
}
