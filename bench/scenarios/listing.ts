// Scenario 8: a listing page's DynamoDB cost follows the page, not the table. The same page of one room
// (GET /recordings?roomId=…, through the real list function) against a table holding only that room, and
// against one holding 100,000 tasks across 1,000 rooms; then the open listing's first page against both.
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
}

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
        for (let i = 0; i < options.perRoom; i++)
          yield { ...closedTask(`r${room}-${i}`, now), roomId: `room-${room}`, trackedAt: now - 86_400_000 - i };
      }
    })(),
  );
  const pageOf = async (table: string, query: Record<string, string>): Promise<ListingPage> => {
    const container = await stack.start(builds, 'list', { table });
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
  return {
    ...options,
    alone: { room: await pageOf(alone, room), open: await pageOf(alone, open) },
    amidOthers: { room: await pageOf(crowded, room), open: await pageOf(crowded, open) },
  };
}
