// What each scenario's measurements mean against the issue's targets (or, where a target does not apply,
// what they are beside: a contract floor, a bound, the bare handler).
import { atLeast, atMost, figure, type Figure } from './figures';
import type { BacklogResult } from './scenarios/backlog';
import type { ColdStartResult } from './scenarios/cold-start';
import type { HistoryResult } from './scenarios/history';
import type { LatencyResult } from './scenarios/latency';

const MB = 1024 * 1024;

/** What the scenarios measured, as bench/results.json keeps it. */
export interface Scenarios {
  raisedOpen: BacklogResult;
  raisedCompleting: BacklogResult;
  real: BacklogResult;
  history: HistoryResult;
  latency: LatencyResult;
  coldStart: ColdStartResult[];
}

export function evaluate(s: Scenarios): Figure[] {
  return [...rate(s.raisedOpen), ...rate(s.raisedCompleting), ...rate(s.real), ...cost(s.raisedOpen, s.raisedCompleting), ...history(s.history), ...latency(s.latency), ...s.coldStart.flatMap(coldStart)];
}

function rate(r: BacklogResult): Figure[] {
  const scenario = '1 rate budget under backlog';
  const label = `${r.tasks.toLocaleString('en-US')} ${r.kind === 'mixed' ? 'mixed' : r.kind} tasks, ${r.rateLimit} req/s, ${r.latencyMs} ms`;
  const ceiling = 1 / (1 + r.latencyMs / 1000);
  return [
    figure(scenario, `requests/s ÷ limit (${label})`, r.utilisation, '', 3, atLeast(0.95), `gate's ceiling ${ceiling.toFixed(3)}`),
    figure(scenario, `most requests in any rolling second (${label})`, r.maxInAnyWindow, '', 0, atMost(r.rateLimit)),
    figure(scenario, `rate refusals (${label})`, r.simulatorRefusals + r.summary.rateRefusals, '', 0, atMost(0)),
  ];
}

function cost(open: BacklogResult, completing: BacklogResult): Figure[] {
  const scenario = `2 per-task cost (sweeps of ${open.tasks.toLocaleString('en-US')}, warm process)`;
  const floor = (r: BacklogResult, writes: number) => `contract: ${writes} write${writes > 1 ? 's' : ''} + 1/${r.dynamo.largestPage || 100} Query page`;
  return [
    figure(scenario, 'CPU per open check', open.perTask.cpuMs, 'ms', 2, atMost(1)),
    figure(scenario, 'DynamoDB requests per open check', open.perTask.dynamoRequests, '', 3, atMost(2), floor(open, 1)),
    figure(scenario, 'items read / written per open check', open.perTask.itemsRead, '', 2, undefined, `written ${open.perTask.itemsWritten.toFixed(2)}${counted(open)}`),
    figure(scenario, 'peak heap, open sweep', open.peakHeapBytes / MB, 'MB', 1, undefined, `${(open.heapBeforeBytes / MB).toFixed(1)} MB before; max RSS ${(open.maxRssBytes / MB).toFixed(0)} MB`),
    figure(scenario, 'CPU per completing check', completing.perTask.cpuMs, 'ms', 2, undefined, 'contract: 2 writes + 1 publish'),
    figure(scenario, 'DynamoDB requests per completing check', completing.perTask.dynamoRequests, '', 3, undefined, floor(completing, 2)),
    figure(scenario, 'items read / written per completing check', completing.perTask.itemsRead, '', 2, undefined, `written ${completing.perTask.itemsWritten.toFixed(2)}${counted(completing)}`),
    figure(scenario, 'peak heap, completing sweep', completing.peakHeapBytes / MB, 'MB', 1, undefined, `max RSS ${(completing.maxRssBytes / MB).toFixed(0)} MB`),
    ...(open.firstSweep ? [figure(scenario, 'CPU per open check, first sweep of a fresh process', open.firstSweep.cpuMsPerTask, 'ms', 2, undefined, `${open.firstSweep.checked} checks; includes V8 compiling the bundle`)] : []),
  ];
}

/** The sweep counts the open tasks on one run in five (by the clock): said when the measured run was one. */
const counted = (r: BacklogResult) => (r.dynamo.countPages > 0 ? `; this run also counted the open tasks: ${r.dynamo.itemsCounted} items` : '');

function history(h: HistoryResult): Figure[] {
  const scenario = '3 cost independent of history';
  const closed = h.closed.toLocaleString('en-US');
  const note = (sweep: HistoryResult['withHistory']) =>
    `${sweep.dynamo.requests} requests, ${sweep.durationMs} ms${sweep.dynamo.countPages > 0 ? `; ${sweep.dynamo.itemsCounted} of the items by the COUNT of open tasks` : ''}`;
  return [
    figure(scenario, `items read, ${h.open} open tasks alone`, h.withoutHistory.dynamo.itemsScanned, '', 0, undefined, note(h.withoutHistory)),
    figure(scenario, `items read, ${h.open} open amid ${closed} closed`, h.withHistory.dynamo.itemsScanned, '', 0, undefined, note(h.withHistory)),
    figure(scenario, 'items read, with history ÷ without', h.readRatio, '', 2, atMost(1.1), h.ratioBasis),
  ];
}

function latency(l: LatencyResult): Figure[] {
  const scenario = `4 notification latency (${l.tasks} open, ${l.rateLimit} req/s, interval ${l.intervalSeconds} s, schedule ${l.schedulePeriodMs / 1000} s)`;
  const bound = `bound ${(l.boundMs / 1000).toFixed(2)} s`;
  return [
    figure(scenario, 'completion → publish, p50', l.p50Ms / 1000, 's', 2, undefined, bound),
    figure(scenario, 'completion → publish, p95', l.p95Ms / 1000, 's', 2, atMost((1.1 * l.boundMs) / 1000), `1.1 × ${bound}`),
    figure(scenario, 'completion → publish, max', l.maxMs / 1000, 's', 2, undefined, bound),
    figure(scenario, 'outcomes published', l.published, '', 0, atLeast(l.tasks)),
  ];
}

function coldStart(c: ColdStartResult): Figure[] {
  const scenario = `5 cold start (median of ${c.runs})`;
  const KB = 1024;
  return [
    figure(scenario, `${c.name}: bundle`, c.bytes / KB, 'KB', 0, undefined, `bare handler ${(c.bareBytes / KB).toFixed(0)} KB`),
    figure(scenario, `${c.name}: process start → first answer`, c.function.totalMs, 'ms', 0, undefined, `bare ${c.bare.totalMs.toFixed(0)} ms; import ${c.function.initMs.toFixed(0)} vs ${c.bare.initMs.toFixed(0)} ms`),
    figure(scenario, `${c.name}: cold start ÷ bare handler`, c.ratio, '×', 2, atMost(1.3), c.failures.length > 0 ? `answered: ${c.failures.join(', ')}` : undefined),
  ];
}
