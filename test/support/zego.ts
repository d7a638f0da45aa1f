// The ZEGO simulator with a real client pointed at it, shared by the client's tests and the simulator's own.

import type { SimulatorOptions, ZegoSimulator } from '../../infra/local/zego-simulator';
import { startZegoSimulator, zegoFile } from '../../infra/local/zego-simulator';
import type { ZegoClientOptions } from '../../lib/zego/client';
import { createZegoClient } from '../../lib/zego/client';
import { buildActionUrl, signRequest } from '../../lib/zego/signature';
import type { ZegoClient } from '../../lib/zego/types';

export const APP_ID = 1234567890;
export const SECRET = '9193cc662a4c0ec135ec71fb57194b38';
export const TASK = 'X3CgNeE4I1qAAABN';
export const ENDED = {
  Status: 3,
  RoomId: 'room-1',
  RecordBeginTimestamp: 1601221452099,
  RecordEndTimestamp: 1601221508795,
};

const cleanups: Array<() => Promise<void>> = [];

/** Runs after the current test, in reverse order of registration (see runCleanups). */
export function deferCleanup(cleanup: () => Promise<void>): void {
  cleanups.push(cleanup);
}

/** For afterEach: closes what the test started, last first. */
export async function runCleanups(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
}

/** A simulator holding TASK as ended with one stored file, and a client for it; both closed by runCleanups. */
export async function setup(
  simOptions: Partial<SimulatorOptions> = {},
  clientOptions: Partial<ZegoClientOptions> = {},
): Promise<{ sim: ZegoSimulator; client: ZegoClient }> {
  const sim = await startZegoSimulator({ appId: APP_ID, serverSecret: SECRET, ...simOptions });
  deferCleanup(() => sim.close());
  sim.setTask(TASK, { ...ENDED, RecordFiles: [zegoFile({ status: 3 })] });
  const client = createZegoClient({
    appId: APP_ID,
    serverSecret: SECRET,
    baseUrl: sim.url,
    timeoutMs: 2_000,
    ...clientOptions,
  });
  deferCleanup(() => client.close());
  return { sim, client };
}

/** A properly signed POST of any action and body, as the client would not send it; ZEGO's answer, parsed. */
export async function postSigned(
  baseUrl: string,
  action: string,
  body: unknown,
  nowMs: number = Date.now(),
): Promise<{ Code: number; Message: string; Data?: unknown }> {
  const url = buildActionUrl(baseUrl, action, APP_ID, signRequest(APP_ID, SECRET, nowMs));
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return (await response.json()) as { Code: number; Message: string; Data?: unknown };
}
