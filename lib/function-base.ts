// What every function builds once per container from its store configuration: the task store and a
// logger that names the function. Injectable, so tests and the local stack point them at local endpoints.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { StoreConfig } from './config';
import { createLogger, type Logger } from './log';
import { createDocumentClient } from './store/document-client';
import { createDynamoTaskStore } from './store/dynamodb-task-store';
import type { TaskCatalog, TaskStore } from './store/task-store';

export interface FunctionBase {
  store: TaskStore & TaskCatalog;
  logger: Logger;
}

export function createFunctionBase(
  config: StoreConfig,
  name: string,
  overrides: { dynamo?: DynamoDBDocumentClient; logger?: Logger } = {},
): FunctionBase {
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
