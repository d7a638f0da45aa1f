// What `npm start` prints once everything runs: what started, where, the demo recordings, two curl lines
// and the `npm run callback` line, which work as they are.
import { relative, resolve, sep } from 'node:path';
import { DEFAULT_PORT, type DevConfig } from './dev-config';
import type { Paint } from './terminal';

export interface DemoStatus {
  taskId: string;
  story: string;
  /** "tracked now", "already tracked (COMPLETED)", "not tracked"… */
  tracking: string;
}

export interface StackInfo {
  config: DevConfig;
  apiUrl: string;
  dynamoUrl: string;
  snsUrl: string;
  eventBridgeUrl: string;
  /** The bus the sweep puts events on (EVENT_BUS_NAME). */
  eventBus: string;
  /** Where ZEGO's callbacks are received. */
  callbackUrl: string;
  /** The file holding the run's CallbackSecret; undefined when it comes from ZEGO_CALLBACK_SECRET. */
  callbackSecretFile: string | undefined;
  /** The simulator's URL; undefined when the real ZEGO API is used. */
  simulatorUrl?: string;
  table: string;
  tableState: 'created' | 'existing';
  store: string;
  eventsFile: string;
  logFile: string;
  rateLimit: number;
  /** SWEEP_TRIAGE, ZEGO_DESCRIBE_TASKS_RATE_LIMIT and DISCOVER_TASKS, as the sweep read them. */
  triage: { on: boolean; listRateLimit: number; discover: boolean };
  checkIntervals: { shortestS: number; longestS: number };
  demos: DemoStatus[];
  /** The task the curl lines track. */
  tryTaskId: string;
  tryRoomId?: string;
  /** The task the `npm run callback` line hints at (a demo nobody tracked). */
  hintTaskId?: string;
}

export function bannerLines(info: StackInfo, paint: Paint, cwd: string): string[] {
  const shown = (path: string): string => {
    const inside = relative(cwd, path);
    return inside !== '' && !inside.startsWith('..') && !inside.startsWith(sep) ? inside : path;
  };
  const { config } = info;
  const row = (name: string, text: string): string => `  ${paint.bold(name.padEnd(9))} ${text}`;
  const zego =
    info.simulatorUrl !== undefined
      ? `the ZEGO simulator at ${info.simulatorUrl}, playing ${info.demos.length} demo recordings`
      : config.zego.kind === 'real'
        ? `the real ZEGO API at ${config.zego.apiUrl}, AppId ${config.zego.appId} (ServerSecret from ZEGO_SERVER_SECRET, not shown)`
        : '';
  const lines = [
    paint.bold('recwatch is running locally'),
    '',
    row('HTTP API', `${info.apiUrl}  (functions/track.ts, lookup.ts, list.ts and untrack.ts; no API key locally)`),
    row(
      'callbacks',
      `POST ${info.callbackUrl}  (functions/callback.ts; ZEGO's signature checked with ` +
        (info.callbackSecretFile === undefined
          ? 'the CallbackSecret from ZEGO_CALLBACK_SECRET, not shown)'
          : `this run's CallbackSecret, in ${shown(info.callbackSecretFile)})`),
    ),
    row(
      'sweep',
      `functions/sweep.ts every ${config.sweepIntervalMs / 1000} s; each task checked every ${info.checkIntervals.shortestS}–${info.checkIntervals.longestS} s, at most ${info.rateLimit} ZEGO requests/s`,
    ),
    row(
      'triage',
      info.triage.on
        ? `on: each pass lists the recordings in progress with DescribeTasks (at most ${info.triage.listRateLimit}/s) first, so only ended ones get a status request` +
            (info.triage.discover ? '; discovery on: listed recordings nobody tracked are tracked' : '')
        : 'off (SWEEP_TRIAGE=off): every due task gets a status request',
    ),
    row('ZEGO', zego),
    row(
      'DynamoDB',
      `dynalite at ${info.dynamoUrl}, table ${info.table} (${info.tableState === 'created' ? 'new' : 'kept from the last run'}) in ${shown(info.store)}`,
    ),
    row(
      'SNS',
      `a local endpoint at ${info.snsUrl}: events are printed here and appended to ${shown(info.eventsFile)}; an SQS-style queue (256 KiB) is subscribed`,
    ),
    row(
      'bus',
      `${info.eventBus} (EVENT_BUS_NAME) on a local EventBridge endpoint at ${info.eventBridgeUrl}: events are printed here too; an SQS-style queue (256 KiB) is its target`,
    ),
    row('logs', `the functions' JSON log lines go to ${shown(info.logFile)}`),
  ];
  if (config.zego.kind === 'real') {
    lines.push(
      '',
      paint.yellow(
        "  This sweep spends the AppId's DescribeRecordStatus budget: do not run it beside a deployed recwatch on the same AppId.",
      ),
    );
  }
  if (info.demos.length > 0) {
    lines.push('', paint.bold('Demo recordings'));
    const idWidth = Math.max(...info.demos.map((demo) => demo.taskId.length)) + 2;
    const trackingWidth = Math.max(...info.demos.map((demo) => demo.tracking.length)) + 2;
    for (const demo of info.demos)
      lines.push(`  ${demo.taskId.padEnd(idWidth)}${demo.tracking.padEnd(trackingWidth)}${paint.dim(demo.story)}`);
  }
  const body = JSON.stringify(
    info.tryRoomId === undefined ? { taskId: info.tryTaskId } : { taskId: info.tryTaskId, roomId: info.tryRoomId },
  );
  lines.push(
    '',
    paint.bold('Try it'),
    `  curl -sS -X POST ${info.apiUrl}/recordings -H 'content-type: application/json' -d '${body}'`,
    `  curl -sS ${info.apiUrl}/recordings/${info.tryTaskId}`,
    `  curl -sS '${info.apiUrl}/recordings?roomId=${info.tryRoomId ?? 'YOUR_ROOM_ID'}'   ${paint.dim("# a room's recordings, newest first; ?state=OPEN lists the open ones")}`,
    `  curl -sS '${info.apiUrl}/recordings?closedSince=${new Date(Date.now() - 3_600_000).toISOString().slice(0, 19)}Z'   ${paint.dim('# what closed in the last hour, earliest first: how a subscriber catches up')}`,
    `  curl -sS -X DELETE ${info.apiUrl}/recordings/${info.tryTaskId}   ${paint.dim('# stop watching it')}`,
    `  ${callbackCommand(info, cwd, info.hintTaskId ?? 'YOUR_TASK_ID')}   ${paint.dim('# a signed callback (--event 1|2|5|7): a hint, recwatch asks ZEGO and believes only its answer')}`,
    '',
    `${paint.green('Ready.')} Outcome events appear below as they happen. Ctrl-C stops everything.`,
    '',
  );
  return lines;
}

/** The `npm run callback` line that reaches this stack as it runs: its data directory, AppId and URL. */
export function callbackCommand(info: Pick<StackInfo, 'config' | 'callbackUrl'>, cwd: string, taskId: string): string {
  const { config } = info;
  const env: string[] = [];
  if (config.dataDir !== resolve(cwd, '.data')) env.push(`RECWATCH_DATA_DIR=${shellWord(config.dataDir)}`);
  if (config.zego.kind === 'real') env.push(`ZEGO_APP_ID=${shellWord(config.zego.appId)}`);
  const url =
    info.callbackUrl === `http://127.0.0.1:${DEFAULT_PORT}/callbacks/zego` ? '' : ` --url ${info.callbackUrl}`;
  return [...env, `npm run callback -- ${taskId}${url}`].join(' ');
}

const shellWord = (word: string): string =>
  /^[\w./:@%+=-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
