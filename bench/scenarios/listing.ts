// Scenario 8: a listing page's DynamoDB cost follows the page, not the table. The same page of one room
// (GET /recordings?roomId=…, through the real list function) against a table holding only that room, and
// against one holding 100,000 tasks across 1,000 rooms; then the open listing's first page against both;
// then a catch-up page (closedSince) amid the 100,000, closed over about 12 days, at the default index
// settings and at TASK_INDEX_SHARDS=64, and narrowed to the tenth of them that FAILED.
import type { Builds } from '../build';
import type { DynamoTally } from '../dynamo-meter';
import { type BenchStack, closedTask, openTask } from '../stack';

export interface ListingOptions {
  rooms: number;
  perRoom: number;
  limit: number;
}

export interface ListingPage {
  listed: number;
  dynamo: DynamoTally;
}

export interface ListingResult extends ListingOptions {
  alone: { room: ListingPage; open: ListingPage };
  amidOthers: { room: ListingPage; open: ListingPage };
  /** GET /recordings?closedSince=T amid the others: at the default settings, at 64 shards, narrowed to FAILED. */
  closedSince: { defaults: ListingPage; shards64: ListingPage; failed: ListingPage };
}

/** Closed tasks of the crowded table close this far apart, the latest a day ago. */
const CLOSED_APART_MS = 10_000;

const ROOM = 'room-listed';

export async function runListing(stack: BenchStack, builds: Builds, options: ListingOptions): Promise<ListingResult> {
  const now = Date.now();
  // The listed room's recordings: most closed long ago, a few still open (in the due index).
  const listedRoom = (prefix: string) =>
    Array.from({ length: options.perRoom }, (_, i) =>
      i % 10 === 0
        ? { ...openTask(`${prefix}-${i}`, now - i), roomId: ROOM }
        : { ...closedTask(`${prefix}-${i}`, now), roomId: ROOM, trackedAt: now - 86_400_000 - i },
    );
  const alone = await stack.newTable();
  await stack.seed(alone, listedRoom('alone'));
  const crowded = await stack.newTable();
  await stack.seed(
    crowded,
    (function* () {
      yield* listedRoom('amid');
      for (let room = 1; room < options.rooms; room++) {
        for (let i = 0; i < options.perRoom; i++) {
          const closedAt = now - 86_400_000 - (room * options.perRoom + i) * CLOSED_APART_MS;
          const state = i % 10 === 5 ? ('FAILED' as const) : ('COMPLETED' as const);
          const task = { ...closedTask(`r${room}-${i}`, now), roomId: `room-${room}`, trackedAt: now - 86_400_000 - i };
          yield { ...task, state, closedAt, publishedAt: closedAt };
        }
      }
    })(),
  );
  const pageOf = async (
    table: string,
    query: Record<string, string>,
    env: Record<string, string> = {},
  ): Promise<ListingPage> => {
    const container = await stack.start(builds, 'list', { table, env });
    try {
      const event = {
        resource: '/recordings',
        path: '/recordings',
        httpMethod: 'GET',
        headers: {},
        multiValueHeaders: {},
        pathParameters: null,
        body: null,
        queryStringParameters: query,
        multiValueQueryStringParameters: Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]])),
        stageVariables: null,
        isBase64Encoded: false,
        requestContext: { requestId: `bench-${Date.now()}`, identity: { sourceIp: '203.0.113.7' } },
      };
      await container.invoke(event, 10_000); // warm: the measured call is a warm container's page
      stack.meter.reset();
      const report = await container.invoke(event, 10_000);
      if (report.error) throw new Error(`listing: the list function failed: ${report.error}`);
      const body = JSON.parse((report.result as { body: string }).body) as { recordings: unknown[] };
      return { listed: body.recordings.length, dynamo: stack.meter.tally() };
    } finally {
      await container.close();
    }
  };
  const room = { roomId: ROOM, limit: String(options.limit) };
  const open = { state: 'OPEN', limit: String(options.limit) };
  // Half-way back through the closed tasks: most of the table lies before T, much after it.
  const since = new Date(now - 86_400_000 - (options.rooms * options.perRoom * CLOSED_APART_MS) / 2).toISOString();
  const closed = { closedSince: since, limit: String(options.limit) };
  return {
    ...options,
    alone: { room: await pageOf(alone, room), open: await pageOf(alone, open) },
    amidOthers: { room: await pageOf(crowded, room), open: await pageOf(crowded, open) },
    closedSince: {
      defaults: await pageOf(crowded, closed),
      shards64: await pageOf(crowded, closed, { TASK_INDEX_SHARDS: '64' }),
      failed: await pageOf(crowded, { ...closed, state: 'FAILED' }),
    },
  };
}
