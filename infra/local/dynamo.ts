// A real DynamoDB-compatible server (dynalite, in process) with the tasks table created from the very
// resource definition the stack deploys (infra/tasks-table.yml), so tests, the benchmark and cloud share
// one schema.
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { parse } from 'yaml';

/** Any credentials do: dynalite checks no signature. */
export const LOCAL_AWS = { region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };

export interface LocalDynamo {
  endpoint: string;
  /** dynalite's HTTP server, for whoever wants to watch the wire (the benchmark counts requests there). */
  server: Server;
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  createTasksTable(name: string): Promise<void>;
  /** Creates the tasks table unless a table of that name exists (a persisted store that restarts). */
  ensureTasksTable(name: string): Promise<'created' | 'existing'>;
  /** The DynamoDB operations received so far (from X-Amz-Target), oldest first. */
  operations(): string[];
  /** Every item of a table, as stored (for tests that must see all that was written: a Scan, never the product's). */
  scanTable(name: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export function tasksTableDefinition(name: string): CreateTableCommandInput {
  const file = parse(readFileSync(new URL('../tasks-table.yml', import.meta.url), 'utf8')) as {
    Resources: { TasksTable: { Properties: Record<string, unknown> } };
  };
  const props = file.Resources.TasksTable.Properties;
  return {
    TableName: name,
    AttributeDefinitions: props.AttributeDefinitions as CreateTableCommandInput['AttributeDefinitions'],
    KeySchema: props.KeySchema as CreateTableCommandInput['KeySchema'],
    GlobalSecondaryIndexes: props.GlobalSecondaryIndexes as CreateTableCommandInput['GlobalSecondaryIndexes'],
    BillingMode: props.BillingMode as CreateTableCommandInput['BillingMode'],
  };
}

export interface LocalDynamoOptions {
  /** A directory to keep the data in (LevelDB, through dynalite); in memory when left out. */
  path?: string;
}

export async function startLocalDynamo(options: LocalDynamoOptions = {}): Promise<LocalDynamo> {
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.path === undefined ? {} : { path: options.path }),
  });
  const operations: string[] = [];
  // Counted at the wire: whatever client sent it, this is what DynamoDB was asked.
  server.on('request', (request: { headers: Record<string, string | string[] | undefined> }) => {
    const target = request.headers['x-amz-target'];
    if (typeof target === 'string') operations.push(target.replace(/^DynamoDB_\d+\./, ''));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return {
    endpoint,
    server,
    client,
    doc,
    operations: () => [...operations],
    async scanTable(name) {
      const items: Record<string, unknown>[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await doc.send(new ScanCommand({ TableName: name, ExclusiveStartKey: startKey }));
        items.push(...(page.Items ?? []));
        startKey = page.LastEvaluatedKey;
      } while (startKey !== undefined);
      return items;
    },
    async createTasksTable(name) {
      await client.send(new CreateTableCommand(tasksTableDefinition(name)));
    },
    async ensureTasksTable(name) {
      try {
        await client.send(new DescribeTableCommand({ TableName: name }));
        return 'existing';
      } catch (error) {
        if (!(error instanceof ResourceNotFoundException)) throw error;
      }
      await client.send(new CreateTableCommand(tasksTableDefinition(name)));
      return 'created';
    },
    async close() {
      client.destroy();
      // dynalite's close waits for its database to close (and flush, when on disk); other clients' kept-alive
      // sockets (the functions' own SDK clients) would hold it up, so they are ended first.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
