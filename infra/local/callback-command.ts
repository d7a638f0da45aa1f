// What `npm run callback` (send-callback.ts) does: reads its arguments and settings, signs one ZEGO recording
// status callback as ZEGO signs it, sends it to the local stack (`npm start`) and says what came back.
// The CallbackSecret comes from ZEGO_CALLBACK_SECRET, or else from the running stack's data directory
// (RECWATCH_DATA_DIR, default .data); the AppId from ZEGO_APP_ID, or else the simulator's. The URL defaults to
// http://127.0.0.1:$PORT/callbacks/zego (PORT as for `npm start`, default 3000).
//
// Event 1 (upload finished) carries two files, as ZEGO's does. recwatch takes a callback as a hint only (its
// signature does not cover the body): the files and the room in it are never believed, so what the simulator
// (ZEGO) says of the task decides, once the sweep has asked.
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CALLBACK_EVENT, FILE_STATUS } from '../../lib/zego/vocabulary';
import { callbackSecretFile } from './data-dir';
import { DEFAULT_PORT, SIMULATED_APP_ID } from './dev-config';
import { callbackFile, sendZegoCallback, uploadFinishedDetail, zegoCallbackBody } from './zego-callback';

export const USAGE = 'usage: npm run callback -- <taskId> [--event 1|2|5|7] [--room <roomId>] [--url <url>]';
const EVENTS: Record<string, string> = {
  '1': 'upload finished',
  '2': 'ended abnormally',
  '5': 'completed',
  '7': 'stopped, uploading',
};
const TIMEOUT_MS = 15_000;

/** A problem the user fixes, said in one line; `status` is the exit status. */
export class CallbackCommandError extends Error {
  constructor(
    message: string,
    readonly status: 1 | 2,
  ) {
    super(message);
  }
}

export interface CallbackCommand {
  url: string;
  taskId: string;
  roomId?: string;
  eventType: number;
  appId: number;
  callbackSecret: string;
}

type Env = Record<string, string | undefined>;
const setting = (env: Env, name: string): string | undefined => {
  const raw = env[name]?.trim();
  return raw === undefined || raw === '' ? undefined : raw;
};

function parseCommandLine(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      options: {
        event: { type: 'string', short: 'e' },
        room: { type: 'string' },
        url: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new CallbackCommandError(`${(error as Error).message.split('\n')[0]} (${USAGE})`, 2);
  }
}

/** What to send, from the arguments and the environment; a CallbackCommandError says what is wrong. */
export function readCommand(args: string[], env: Env, cwd: string): CallbackCommand | 'help' {
  const { values, positionals } = parseCommandLine(args);
  if (values.help) return 'help';
  if (positionals.length !== 1 || positionals[0] === '') {
    throw new CallbackCommandError(
      `${positionals.length === 0 ? 'give the TaskId to send a callback for' : `give one TaskId, not ${positionals.length}`} (${USAGE})`,
      2,
    );
  }
  const event = values.event ?? '1';
  if (!Object.hasOwn(EVENTS, event))
    throw new CallbackCommandError(`--event must be 1, 2, 5 or 7, got "${event}" (${USAGE})`, 2);

  const port = setting(env, 'PORT') ?? String(DEFAULT_PORT);
  const url = values.url ?? `http://127.0.0.1:${port}/callbacks/zego`;
  try {
    if (!/^https?:$/.test(new URL(url).protocol)) throw new Error('not http');
  } catch {
    throw new CallbackCommandError(`--url must be an http:// or https:// URL, got "${url}"`, 2);
  }

  const appIdText = setting(env, 'ZEGO_APP_ID') ?? SIMULATED_APP_ID;
  if (!/^\d{1,10}$/.test(appIdText) || Number(appIdText) > 0xffff_ffff || Number(appIdText) === 0) {
    throw new CallbackCommandError(`ZEGO_APP_ID must be an unsigned 32-bit integer above 0, got "${appIdText}"`, 2);
  }
  return {
    url,
    taskId: positionals[0]!,
    ...(values.room === undefined ? {} : { roomId: values.room }),
    eventType: Number(event),
    appId: Number(appIdText),
    callbackSecret: readSecret(env, cwd),
  };
}

function readSecret(env: Env, cwd: string): string {
  const given = setting(env, 'ZEGO_CALLBACK_SECRET');
  if (given !== undefined) return given;
  const dataDir = setting(env, 'RECWATCH_DATA_DIR') ?? '.data';
  const file = callbackSecretFile(isAbsolute(dataDir) ? dataDir : resolve(cwd, dataDir));
  let secret: string;
  try {
    secret = readFileSync(file, 'utf8').trim();
  } catch {
    throw new CallbackCommandError(
      `no CallbackSecret in ${file}: is \`npm start\` running (with this RECWATCH_DATA_DIR)? Or set ZEGO_CALLBACK_SECRET`,
      1,
    );
  }
  if (secret === '')
    throw new CallbackCommandError(`${file} is empty: restart \`npm start\`, or set ZEGO_CALLBACK_SECRET`, 1);
  return secret;
}

/** The callback's body, signed now. */
export function commandBody(command: CallbackCommand, now: number = Date.now()): Record<string, unknown> {
  const file = (n: number) =>
    callbackFile({
      status: FILE_STATUS.uploaded,
      file_id: `${command.taskId}_user${n}_VA.mp4`,
      user_id: `user_${n}`,
      user_name: `user_${n}`,
      stream_id: `stream_${n}`,
    });
  return zegoCallbackBody({
    appId: command.appId,
    callbackSecret: command.callbackSecret,
    taskId: command.taskId,
    ...(command.roomId === undefined ? {} : { roomId: command.roomId }),
    eventType: command.eventType,
    ...(command.eventType === CALLBACK_EVENT.uploadFinished
      ? {
          detail: uploadFinishedDetail([file(1), file(2)]),
        }
      : {}),
    now,
  });
}

/** Sends it; resolves with the line to print and whether the answer was a 2xx. */
export async function sendCommand(command: CallbackCommand): Promise<{ ok: boolean; line: string }> {
  const what = `event ${command.eventType} (${EVENTS[String(command.eventType)]}) for ${command.taskId}`;
  let answer: { statusCode: number; body: string };
  try {
    answer = await sendZegoCallback(command.url, commandBody(command), { timeoutMs: TIMEOUT_MS });
  } catch (error) {
    const code = (error as { code?: string }).code;
    const origin = new URL(command.url).origin;
    if (code === 'ECONNREFUSED') {
      throw new CallbackCommandError(
        `nothing answers at ${origin} (connection refused): is \`npm start\` running there? Set PORT or --url if it runs on another port`,
        1,
      );
    }
    throw new CallbackCommandError(`sending ${what} to ${command.url} failed: ${code ?? (error as Error).message}`, 1);
  }
  const ok = answer.statusCode >= 200 && answer.statusCode < 300;
  return { ok, line: `POST ${command.url} ${what} → ${answer.statusCode} ${answer.body.trim()}` };
}
