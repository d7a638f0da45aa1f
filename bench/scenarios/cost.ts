// Scenario 9: cost counts per sweep run, for docs/cost.md. What one run of the bundled sweep costs in the
// things AWS bills by the count: DynamoDB requests (by operation) and items, ZEGO requests, SNS publishes,
// bytes of log output (the function process's stdout + stderr: what CloudWatch Logs ingests) and the
// distinct CloudWatch metrics its EMF lines define (namespace × name × dimension values: what CloudWatch
// bills per month). The deployed settings (triage on, keep checking on, LOG_LEVEL INFO), in a warm process.
//   idle:        nothing open: the run that most minutes of a quiet stack are;
//   in progress: `open` recordings in progress, all due: a run that keeps passing until its stop time;
//   completed:   `completed` recordings that ended, all due: the run's counts less the idle run's, ÷ completed.
// The runs with work are time-compressed as scenario 7 is (budgets × k, interval and working time ÷ k):
// passes, requests and items per run are the deployed ones, the wall time is a k-th of a deployed run's.
import { stopReserveMs } from '../../lib/sweep/run-inputs';
import type { SweepSummary } from '../../lib/sweep/summary';
import type { Builds } from '../build';
import type { Container } from '../container';
import { type BenchStack, finished, openTask, recording } from '../stack';

export interface CostOptions {
  /** Recordings in progress in the second run. */
  open: number;
  /** Recordings that ended, all announced by the third run. */
  completed: number;
  /** Time compression of the runs with work (scenario 7's). */
  compression: number;
}

export interface RunCost {
  /** The invocation, measured (compressed for the runs with work). */
  wallMs: number;
  cpuMs: number;
  passes: number;
  dynamo: {
    requests: number;
    byOperation: Record<string, number>;
    itemsRead: number;
    itemsScanned: number;
    itemsWritten: number;
  };
  zego: { status: number; list: number };
  snsPublishes: number;
  logBytes: { stdout: number; stderr: number };
  emfLines: number;
  /** Distinct metrics (namespace/name{dimension=value,…}). */
  emfMetrics: string[];
}

export interface PerCompleted {
  zegoStatus: number;
  zegoList: number;
  dynamoRequests: number;
  dynamoByOperation: Record<string, number>;
  itemsRead: number;
  itemsWritten: number;
  snsPublishes: number;
  logBytes: number;
}

export interface CostResult extends CostOptions {
  idle: RunCost;
  inProgress: RunCost;
  completedRun: RunCost;
  perCompleted: PerCompleted;
}

// serverless.yml: the sweep's deployed settings (provider and function environment).
const DEPLOYED = { rateLimit: 10, intervalS: 30, intervalMaxS: 300, timeoutS: 60, zegoTimeoutMs: 5_000 };

export async function runCostCounts(stack: BenchStack, builds: Builds, options: CostOptions): Promise<CostResult> {
  const k = options.compression;
  const zegoTimeoutMs = Math.round(DEPLOYED.zegoTimeoutMs / k);
  const workMs = (DEPLOYED.timeoutS * 1000 - stopReserveMs(DEPLOYED.zegoTimeoutMs)) / k;
  const env = {
    LOG_LEVEL: 'INFO',
    POWERTOOLS_SERVICE_NAME: 'recwatch-dev',
    POWERTOOLS_METRICS_NAMESPACE: 'recwatch',
    SWEEP_TIMEOUT_SECONDS: String(DEPLOYED.timeoutS),
    SWEEP_TRIAGE: 'on',
    SWEEP_KEEP_CHECKING: 'on',
    SWEEP_CONCURRENCY: '5',
    ZEGO_RATE_LIMIT: String(DEPLOYED.rateLimit * k),
    ZEGO_DESCRIBE_TASKS_RATE_LIMIT: String(DEPLOYED.rateLimit * k),
    ZEGO_TIMEOUT_MS: String(zegoTimeoutMs),
    CHECK_INTERVAL_SECONDS: String(DEPLOYED.intervalS / k),
    CHECK_INTERVAL_MAX_SECONDS: String(DEPLOYED.intervalMaxS / k),
  };
  const remainingMs = workMs + stopReserveMs(zegoTimeoutMs);
  const beganAt = Date.now() - 3_600_000;

  const scenario = async (ids: string[], ended: boolean): Promise<RunCost> => {
    const table = await stack.newTable();
    const zego = await stack.startZego({
      rateLimit: DEPLOYED.rateLimit * k,
      listRateLimit: DEPLOYED.rateLimit * k,
      latencyMs: 20,
    });
    const now = Date.now();
    zego.setTasks(ids.map((id) => [id, ended ? finished(id, beganAt, now - 1_000) : recording(id, beganAt)] as const));
    const container = await stack.start(builds, 'sweep', { table, zego, env }, { captureOutput: true });
    try {
      // One unmeasured run first, on the empty table: the process is warm, as a deployed one mostly is.
      await container.invoke({}, remainingMs);
      // Each task in its steady state with triage: due, its listing facts known (as scenario 7 seeds them).
      await stack.seed(
        table,
        ids.map((id) => ({ ...openTask(id, now), zegoStatus: 2, recordBeginTimestamp: beganAt, dueAt: now - 1_000 })),
      );
      return await measured(stack, container, zego, remainingMs);
    } finally {
      await container.close();
      await zego.close();
    }
  };

  const idle = await scenario([], false);
  const inProgress = await scenario(
    Array.from({ length: options.open }, (_, i) => `cost-open-${i}`),
    false,
  );
  const completedRun = await scenario(
    Array.from({ length: options.completed }, (_, i) => `cost-done-${i}`),
    true,
  );
  const n = Math.max(1, options.completed);
  const less = (a: number, b: number) => (a - b) / n;
  const byOperation: Record<string, number> = {};
  for (const op of new Set([...Object.keys(completedRun.dynamo.byOperation), ...Object.keys(idle.dynamo.byOperation)]))
    byOperation[op] = less(completedRun.dynamo.byOperation[op] ?? 0, idle.dynamo.byOperation[op] ?? 0);
  return {
    ...options,
    idle,
    inProgress,
    completedRun,
    perCompleted: {
      zegoStatus: less(completedRun.zego.status, idle.zego.status),
      zegoList: less(completedRun.zego.list, idle.zego.list),
      dynamoRequests: less(completedRun.dynamo.requests, idle.dynamo.requests),
      dynamoByOperation: byOperation,
      itemsRead: less(completedRun.dynamo.itemsRead, idle.dynamo.itemsRead),
      itemsWritten: less(completedRun.dynamo.itemsWritten, idle.dynamo.itemsWritten),
      snsPublishes: less(completedRun.snsPublishes, idle.snsPublishes),
      logBytes: less(
        completedRun.logBytes.stdout + completedRun.logBytes.stderr,
        idle.logBytes.stdout + idle.logBytes.stderr,
      ),
    },
  };
}

async function measured(
  stack: BenchStack,
  container: Container,
  zego: { resetStats(): void; stats(): { requests: number; listRequests: number } },
  remainingMs: number,
): Promise<RunCost> {
  // What came before (the warm-up, the process's start) is not this run's.
  await sleep(200);
  let publishes = 0;
  const unhook = stack.sns.onPublish(() => {
    publishes++;
  });
  zego.resetStats();
  stack.meter.reset();
  container.output.reset();
  let report: Awaited<ReturnType<Container['invoke']>>;
  try {
    report = await container.invoke({}, remainingMs);
    if (report.error !== undefined) throw new Error(`scenario 9: a sweep failed: ${report.error}`);
    await sleep(200); // its last lines, on their way through the pipe
  } finally {
    unhook();
  }
  const dynamo = stack.meter.tally();
  const output = container.output.tally();
  const stats = zego.stats();
  return {
    wallMs: report.wallMs,
    cpuMs: report.cpuMs,
    passes: (report.result as SweepSummary).passes,
    dynamo: {
      requests: dynamo.requests,
      byOperation: dynamo.byOperation,
      itemsRead: dynamo.itemsRead,
      itemsScanned: dynamo.itemsScanned,
      itemsWritten: dynamo.itemsWritten,
    },
    zego: { status: stats.requests, list: stats.listRequests },
    snsPublishes: publishes,
    logBytes: { stdout: output.stdoutBytes, stderr: output.stderrBytes },
    emfLines: output.emfLines,
    emfMetrics: output.emfMetrics,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
