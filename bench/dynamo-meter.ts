// Counts what DynamoDB would bill, at the wire of the local server: requests by operation, items read
// (Count and ScannedCount of a Query or Scan, one per item a GetItem or BatchGetItem found) and items
// written. Counting at the server sees every client in every process, the functions' own included,
// without touching their code.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

export interface DynamoTally {
  requests: number;
  byOperation: Record<string, number>;
  /** Items returned (Query/Scan Count, GetItem/BatchGetItem found). */
  itemsRead: number;
  /** Items evaluated before any filter (Query/Scan ScannedCount, COUNT pages included): what reads are billed on. */
  itemsScanned: number;
  /** The most items one Query or Scan page returned (a check on the page size the sweep asks for). */
  largestPage: number;
  /** Query pages with Select COUNT (the sweep's periodic count of open tasks) and the items they scanned; not in itemsRead. */
  countPages: number;
  itemsCounted: number;
  /** PutItem, UpdateItem, DeleteItem and each BatchWriteItem entry (conditional failures included: they are billed). */
  itemsWritten: number;
  /** Answers other than 200 (conditional check failures included). */
  refused: number;
  /** Milliseconds from each request's arrival to its answer, summed (requests in parallel each count). */
  busyMs: number;
  /** Query requests by index and page size asked for (`due-index limit 100`): how many, their time, items scanned. */
  queries: Record<string, { requests: number; busyMs: number; itemsScanned: number }>;
}

export interface DynamoMeter {
  reset(): void;
  tally(): DynamoTally;
}

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem']);
const READS_WITH_BODY = new Set(['Query', 'Scan', 'GetItem', 'BatchGetItem']);

const empty = (): DynamoTally => ({
  requests: 0,
  byOperation: {},
  itemsRead: 0,
  itemsScanned: 0,
  largestPage: 0,
  countPages: 0,
  itemsCounted: 0,
  itemsWritten: 0,
  refused: 0,
  busyMs: 0,
  queries: {},
});

/** Puts itself in front of the server's request listeners. */
export function meterDynamo(server: Server): DynamoMeter {
  let tally = empty();
  const listeners = server.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  server.removeAllListeners('request');

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.slice(target.indexOf('.') + 1) || 'unknown';
    const counting = tally; // a reset while the request is in flight does not move it
    const arrived = performance.now();
    counting.requests++;
    counting.byOperation[operation] = (counting.byOperation[operation] ?? 0) + 1;
    if (WRITES.has(operation)) counting.itemsWritten++;
    // The request body is needed for BatchWriteItem (how many items) and Query (a COUNT or not).
    const chunks: Buffer[] = [];
    if (operation === 'BatchWriteItem' || operation === 'Query') req.on('data', (chunk: Buffer) => chunks.push(chunk));
    const request = () =>
      parseJson(Buffer.concat(chunks).toString('utf8')) as {
        RequestItems?: Record<string, unknown[]>;
        Select?: string;
        IndexName?: string;
        Limit?: number;
      };
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    res.end = ((...args: unknown[]) => {
      const tookMs = performance.now() - arrived;
      let answer: Record<string, unknown> | undefined; // parsed once: a 100-item page is not small
      counting.busyMs += tookMs;
      if (operation === 'Query') {
        const { IndexName, Limit } = request();
        const key = `${IndexName ?? 'table'} limit ${Limit ?? 'none'}`;
        const query = counting.queries[key] ?? { requests: 0, busyMs: 0, itemsScanned: 0 };
        counting.queries[key] = query;
        query.requests++;
        query.busyMs += tookMs;
        answer = typeof args[0] === 'string' ? parseJson(args[0]) : {};
        query.itemsScanned += (answer as { ScannedCount?: number }).ScannedCount ?? 0;
      }
      if (res.statusCode !== 200) counting.refused++;
      else if (operation === 'BatchWriteItem')
        counting.itemsWritten += Object.values(request().RequestItems ?? {}).reduce(
          (n, entries) => n + entries.length,
          0,
        );
      else if (READS_WITH_BODY.has(operation) && typeof args[0] === 'string')
        countRead(counting, operation, answer ?? parseJson(args[0]), request().Select === 'COUNT');
      return end(...args);
    }) as ServerResponse['end'];
    for (const listener of listeners) listener(req, res);
  });

  return {
    reset: () => {
      tally = empty();
    },
    tally: () => structuredClone(tally),
  };
}

function countRead(tally: DynamoTally, operation: string, parsed: Record<string, unknown>, selectCount: boolean): void {
  const answer = parsed as {
    Count?: number;
    ScannedCount?: number;
    Item?: unknown;
    Responses?: Record<string, unknown[]>;
  };
  if (selectCount) {
    tally.countPages++;
    tally.itemsCounted += answer.ScannedCount ?? 0;
    tally.itemsScanned += answer.ScannedCount ?? 0;
    return;
  }
  if (operation === 'Query' || operation === 'Scan') {
    tally.itemsRead += answer.Count ?? 0;
    tally.itemsScanned += answer.ScannedCount ?? 0;
    tally.largestPage = Math.max(tally.largestPage, answer.ScannedCount ?? 0);
    return;
  }
  const found =
    operation === 'GetItem'
      ? answer.Item === undefined
        ? 0
        : 1
      : Object.values(answer.Responses ?? {}).reduce((n, items) => n + items.length, 0);
  tally.itemsRead += found;
  tally.itemsScanned += found;
}

function parseJson(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return {};
  }
}
