// What `npm start` reads from the environment, read once before anything starts. The functions read their
// own variables (lib/config.ts); the local stack only adds the ones that point them at the local stand-ins.
import { isAbsolute, resolve } from 'node:path';
import { DEFAULTS } from '../../lib/config';

/** A problem the user fixes (a port in use, a bad variable): printed as one line, no stack trace. */
export class StartError extends Error {
  override name = 'StartError';
}

type Env = Record<string, string | undefined>;

export type ZegoMode =
  | { kind: 'simulator' }
  /** The real ZEGO API: both ZEGO_APP_ID and ZEGO_SERVER_SECRET are set. */
  | { kind: 'real'; appId: string; serverSecret: string; apiUrl: string };

export interface DevConfig {
  /** Loopback only: the local API asks for no API key. */
  host: '127.0.0.1';
  /** PORT; 0 picks any free port. */
  port: number;
  /** SWEEP_INTERVAL_SECONDS, in milliseconds. */
  sweepIntervalMs: number;
  /** RECWATCH_DATA_DIR, absolute: the store, the events file and the function logs. */
  dataDir: string;
  zego: ZegoMode;
  /** ZEGO_CALLBACK_SECRET, when set; otherwise the stack makes one up for the run (and keeps it in the data directory). */
  callbackSecret?: string;
  /** The functions' variables that get local defaults (checks every few seconds, so the demo moves). */
  functionDefaults: Record<string, string>;
}

export const DEFAULT_PORT = 3000;
/** The AppId the ZEGO simulator answers for, and the callbacks of `npm run callback` are signed for by default. */
export const SIMULATED_APP_ID = '1234567890';
const DEFAULT_SWEEP_INTERVAL_SECONDS = 5;

const value = (env: Env, name: string): string | undefined => {
  const raw = env[name]?.trim();
  return raw === undefined || raw === '' ? undefined : raw;
};

function wholeNumber(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = value(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new StartError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return Number(raw);
}

function zegoMode(env: Env): ZegoMode {
  const appId = value(env, 'ZEGO_APP_ID');
  const serverSecret = value(env, 'ZEGO_SERVER_SECRET');
  if (value(env, 'ZEGO_SERVER_SECRET_PARAM') !== undefined) {
    throw new StartError(
      'ZEGO_SERVER_SECRET_PARAM names an SSM parameter, which the local stack does not read: set ZEGO_SERVER_SECRET instead',
    );
  }
  if (appId === undefined && serverSecret === undefined) return { kind: 'simulator' };
  if (appId === undefined || serverSecret === undefined) {
    // Never echo the secret, not even to say it is there.
    throw new StartError(
      'set both ZEGO_APP_ID and ZEGO_SERVER_SECRET to use the real ZEGO API, or neither to use the simulator',
    );
  }
  return { kind: 'real', appId, serverSecret, apiUrl: value(env, 'ZEGO_API_URL') ?? DEFAULTS.ZEGO_API_URL };
}

export function loadDevConfig(env: Env, cwd: string): DevConfig {
  const dataDir = value(env, 'RECWATCH_DATA_DIR') ?? '.data';
  if (value(env, 'ZEGO_CALLBACK_SECRET_PARAM') !== undefined) {
    throw new StartError(
      'ZEGO_CALLBACK_SECRET_PARAM names an SSM parameter, which the local stack does not read: set ZEGO_CALLBACK_SECRET instead, or neither',
    );
  }
  const callbackSecret = value(env, 'ZEGO_CALLBACK_SECRET');
  return {
    host: '127.0.0.1',
    port: wholeNumber(env, 'PORT', DEFAULT_PORT, 0, 65_535),
    sweepIntervalMs: wholeNumber(env, 'SWEEP_INTERVAL_SECONDS', DEFAULT_SWEEP_INTERVAL_SECONDS, 1, 3600) * 1000,
    dataDir: isAbsolute(dataDir) ? dataDir : resolve(cwd, dataDir),
    zego: zegoMode(env),
    ...(callbackSecret === undefined ? {} : { callbackSecret }),
    // The deployed defaults (30 s, capped at 300 s) suit a sweep every minute; a local sweep every few
    // seconds wants checks about as often. Set either variable to override.
    functionDefaults: checkIntervals(env),
  };
}

function checkIntervals(env: Env): Record<string, string> {
  const shortest = value(env, 'CHECK_INTERVAL_SECONDS') ?? '5';
  // A longer shortest interval given alone lifts the cap with it, rather than failing the functions' check.
  const cap = value(env, 'CHECK_INTERVAL_MAX_SECONDS') ?? String(Math.max(15, Number(shortest) || 0));
  // The local schedule invokes the sweep every few seconds, which is what runs that keep checking do for a
  // minute-long schedule: each local run makes one sweep and returns, so its line prints and Ctrl-C is quick.
  return {
    CHECK_INTERVAL_SECONDS: shortest,
    CHECK_INTERVAL_MAX_SECONDS: cap,
    SWEEP_KEEP_CHECKING: value(env, 'SWEEP_KEEP_CHECKING') ?? 'off',
  };
}
