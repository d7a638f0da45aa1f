// Runs the real sweep handler once in its own process (as a second Lambda container would) and prints
// its summary as the last line, prefixed, for the parent test to read. argv[2]: remaining time in ms;
// argv[3]: the invocation's event as JSON (default {}, as the schedule sends).
import { randomUUID } from 'node:crypto';
import { handler } from '../../functions/sweep';
import { summaryLine } from './summary-line';

const remaining = Number(process.argv[2] ?? 20_000);
const event: unknown = JSON.parse(process.argv[3] ?? '{}');
const deadline = Date.now() + remaining;
const summary = await handler(event, {
  awsRequestId: randomUUID(),
  getRemainingTimeInMillis: () => deadline - Date.now(),
});
process.stdout.write(`${summaryLine(summary)}\n`);
