// `npm run bench` at its tiny size, so that it cannot rot: every scenario runs end to end through the real
// handlers, and the hard limits hold. Speeds and ratios are not asserted here (the suite runs files in
// parallel on a small machine); the full run reports them against their targets.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BenchResults, runBench, SIZES } from '../../bench/bench';
import { discoverFunctions } from '../../bench/build';
import { machine, updateResultsPage, writeResults } from '../../bench/report';

let results: BenchResults;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'recwatch-bench-test-'));
  results = await runBench({ size: 'tiny' });
}, 180_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('npm run bench --tiny', () => {
  it('never exceeds the rate limit and is never refused, in every backlog', () => {
    // Act + Assess: the bench ran once, in beforeAll; each test reads its results.
    const { raisedOpen, raisedCompleting, real } = results.scenarios;
    for (const run of [raisedOpen, raisedCompleting, real]) {
      expect(run.maxInAnyWindow).toBeLessThanOrEqual(run.rateLimit);
      expect(run.maxInAnyWindow).toBeGreaterThan(0);
      expect(run.simulatorRefusals).toBe(0);
      expect(run.summary.rateRefusals).toBe(0);
      expect(run.summary.checked).toBe(run.tasks);
      expect(run.requests).toBe(run.tasks);
    }
    expect(raisedCompleting.published).toBe(raisedCompleting.tasks);
    expect(results.scenarios.latency.rateRefusals).toBe(0);
    expect(results.scenarios.latency.maxInAnyWindow).toBeLessThanOrEqual(results.scenarios.latency.rateLimit);
  });

  it('measures the cost of each check at the wire and in the function process alone', () => {
    // Act + Assess
    const { raisedOpen, raisedCompleting } = results.scenarios;
    expect(raisedOpen.perTask.itemsWritten).toBeGreaterThanOrEqual(1);
    expect(raisedCompleting.perTask.itemsWritten).toBeGreaterThanOrEqual(2); // recorded, then marked published
    expect(raisedOpen.dynamo.byOperation.PutItem).toBe(raisedOpen.tasks);
    for (const run of [raisedOpen, raisedCompleting]) {
      expect(run.cpuMs).toBeGreaterThan(0);
      expect(run.peakHeapBytes).toBeGreaterThanOrEqual(run.heapBeforeBytes);
      expect(run.dynamo.largestPage).toBeLessThanOrEqual(100);
    }
  });

  it('reads no closed task, announces every finished recording, and cold-starts every function', async () => {
    // Act + Assess
    const { history, latency, coldStart } = results.scenarios;
    expect(history.withHistory.dynamo.itemsRead).toBe(history.withoutHistory.dynamo.itemsRead);
    expect(latency.published).toBe(latency.tasks);
    expect(coldStart.map((c) => c.name).sort()).toEqual(await discoverFunctions());
    for (const c of coldStart) {
      expect(c.failures).toEqual([]);
      expect(c.bytes).toBeGreaterThan(c.bareBytes / 2);
      expect(c.function.totalMs).toBeGreaterThan(c.function.initMs);
    }
  });

  it('announces every recording a callback hinted at, after asking ZEGO, within both limits', () => {
    // Act + Assess
    const { callback } = results.scenarios;
    const sent = Math.round((callback.perSecond * callback.steadyMs) / 1000) + callback.burst + callback.lone;
    expect(callback.published).toBe(sent);
    expect(callback.statuses).toEqual({ 200: sent });
    expect(callback.all.count + callback.burstLatency.count + callback.idleLatency.count).toBe(sent);
    expect(callback.rateRefusals).toBe(0);
    expect(callback.maxInAnyWindow).toBeLessThanOrEqual(10);
    // A hint: the event comes after the answer, once the sweep has asked ZEGO.
    expect(callback.all.p50Ms).toBeGreaterThan(callback.answer.p50Ms);
  });

  it('runs the capacity scenario with triage on and off, within both rate limits, announcing every completion', () => {
    // Act + Assess
    const { capacity } = results.scenarios;
    expect(capacity.runs.map((r) => r.triage)).toEqual([true, false]);
    for (const run of capacity.runs) {
      expect(run.published).toBe(run.completions);
      expect(run.refusals).toBe(0);
      expect(run.maxInAnyWindow).toBeLessThanOrEqual(capacity.deployed.rateLimit * capacity.compression);
      expect(run.maxListInAnyWindow).toBeLessThanOrEqual(capacity.deployed.listRateLimit * capacity.compression);
      expect(run.passes).toBeGreaterThan(0);
    }
    const [on, off] = capacity.runs;
    expect(on!.listRequests).toBeGreaterThan(0);
    expect(off!.listRequests).toBe(0);
    expect(on!.statusRequestsPerCompletion).toBeLessThan(off!.statusRequestsPerCompletion);
    // A pass's own cost is measured beside the latency (due-index pages read, CPU), and the model's p95 with it.
    for (const run of capacity.runs) {
      expect(run.passCost.cpuMs).toBeGreaterThan(0);
      expect(run.passCost.duePages).toBeGreaterThan(0);
      expect(run.passCost.ownMs).toBeCloseTo(run.passCost.cpuMs + run.passCost.dueReadMs, 6);
      expect(Number.isFinite(run.p95ModelS)).toBe(true);
      expect(run.p95ModelS).toBeLessThanOrEqual(run.p95S);
    }
    expect(on!.passCost.listRequests).toBeGreaterThan(0);
  });

  it('counts what one sweep run costs: idle, with recordings in progress, and per completed recording', () => {
    // Act + Assess
    const cost = results.scenarios.cost!;
    expect(cost.idle.zego).toEqual({ status: 0, list: 0 });
    expect(cost.idle.snsPublishes).toBe(0);
    expect(cost.idle.dynamo.requests).toBeGreaterThan(0); // the lease, and a look at the due index
    expect(cost.idle.logBytes.stdout).toBeGreaterThan(0); // the run's summary line at least
    expect(cost.inProgress.zego.list).toBeGreaterThan(0); // triage: DescribeTasks pages
    expect(cost.inProgress.zego.status).toBe(0); // nothing ended: no status request
    expect(cost.inProgress.passes).toBeGreaterThan(1); // a run keeps passing until its stop time
    expect(cost.completedRun.snsPublishes).toBe(cost.completed);
    expect(cost.perCompleted.snsPublishes).toBe(1);
    expect(cost.perCompleted.zegoStatus).toBeGreaterThanOrEqual(1);
    expect(cost.perCompleted.itemsWritten).toBeGreaterThanOrEqual(2); // recorded, then marked published
    expect(cost.completedRun.emfMetrics.length).toBeGreaterThan(0);
    for (const metric of cost.completedRun.emfMetrics) expect(metric).toMatch(/^recwatch\/\w+\{.*\}$/);
  });

  it('records the duration of each step, and keeps the full capacity table behind --full', () => {
    // Act + Assess
    expect(results.steps.length).toBeGreaterThanOrEqual(10);
    for (const s of results.steps) expect(s.seconds).toBeGreaterThan(0);
    expect(Math.max(...SIZES.full.capacity.sizes)).toBe(10_000);
    expect(Math.max(...SIZES.default.capacity.sizes)).toBeLessThan(10_000);
  });

  it('reads as many items for a listing page amid other rooms as with the listed room alone', () => {
    // Act + Assess
    const { listing } = results.scenarios;
    expect(listing.alone.room.listed).toBe(listing.limit);
    expect(listing.amidOthers.room.listed).toBe(listing.limit);
    expect(listing.amidOthers.room.dynamo.byOperation).toEqual({ Query: 1 });
    expect(listing.amidOthers.room.dynamo.itemsScanned).toBe(listing.alone.room.dynamo.itemsScanned);
    expect(listing.amidOthers.open.dynamo.itemsScanned).toBe(listing.alone.open.dynamo.itemsScanned);
  });

  it('gives every figure a value and a verdict beside its target', () => {
    // Act + Assess
    expect(results.figures.length).toBeGreaterThan(20);
    for (const f of results.figures) {
      expect(Number.isFinite(f.value), f.name).toBe(true);
      if (f.target === undefined) expect(f.status).toBe('INFO');
      else expect(['PASS', 'MISS']).toContain(f.status);
    }
    const hardLimits = results.figures.filter((f) => /rolling second|rate refusals|outcomes published/.test(f.name));
    expect(hardLimits.length).toBeGreaterThanOrEqual(8);
    // Every hard limit with a target passes (an untriaged run's unreached outcomes are information, not a limit).
    for (const f of hardLimits.filter((f) => f.target !== undefined)) expect(f.status, f.name).toBe('PASS');
  });

  it('writes results where it is told and rewrites only docs/benchmark.md between its markers', async () => {
    // Act: results written where told.
    const out = join(dir, 'results.json');
    await writeResults(out, results, machine());
    const written = JSON.parse(await readFile(out, 'utf8')) as {
      machine: { cores: number };
      startedAt: string;
      figures: unknown[];
    };

    // Assess
    expect(written.machine.cores).toBeGreaterThan(0);
    expect(written.figures).toHaveLength(results.figures.length);

    // Act: a page rewritten between its markers.
    const page = join(dir, 'benchmark.md');
    await writeFile(page, '# x\n\n## Benchmark\n\nbefore\n<!-- bench:start -->\nold\n<!-- bench:end -->\nafter\n');
    await updateResultsPage(page, results, machine());
    const text = await readFile(page, 'utf8');

    // Assess
    expect(text).toMatch(/^# x\n\n## Benchmark\n\nbefore\n<!-- bench:start -->\n/);
    expect(text).toMatch(/\n<!-- bench:end -->\nafter\n$/);
    expect(text).not.toContain('\nold\n');
    expect(text).toContain('| scenario | figure | value | target / bound | |');
  });
});
