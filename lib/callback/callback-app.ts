// Builds the callback receiver from its configuration: SDK clients, logger, metrics and the CallbackSecret
// source once per container (module scope of the function), injectable so that tests and the local stack
// point them at local endpoints. A verified callback is a hint: it is written down for the sweep, and when
// no sweep is taking work, one is started. The callback itself never asks ZEGO and never announces.
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type Clock, systemClock } from '../clock';
import type { CallbackConfig } from '../config';
import { createLogger, type Logger } from '../log';
import { createMetrics } from '../metrics';
import { createSecretSource } from '../secret';
import { createDocumentClient } from '../store/document-client';
import { createDynamoHintInbox } from '../store/dynamodb-hint-inbox';
import { type CallbackFigures, publishCallbackMetrics } from './callback-metrics';
import { CallbackRefusal, readCallback, type ZegoCallback } from './callback-request';
import type { CallbackAction, RefusalReason } from './callback-vocabulary';
import { receiveCallback, START_EVERY_MS, START_MARGIN_MS } from './receive-callback';
import { verifyCallbackSignature } from './signature';
import { createLambdaSweepStarter, type SweepStarter } from './sweep-starter';

export interface CallbackAppOverrides {
  dynamo?: DynamoDBDocumentClient;
  ssm?: SSMClient;
  lambda?: LambdaClient;
  /** Starts a sweep run (default: an asynchronous invocation of SWEEP_FUNCTION_NAME, when it is set). */
  starter?: SweepStarter;
  logger?: Logger;
  clock?: Clock;
}

export type CallbackAnswer =
  | { refused: { statusCode: 400 | 401; reason: RefusalReason; message: string } }
  | { action: CallbackAction };

/** How long a container keeps the CallbackSecret before reading it again. */
export const CALLBACK_SECRET_MAX_AGE_MS = 60_000;

export interface CallbackApp {
  logger: Logger;
  /** Verifies, then takes the hint of one callback body. */
  receive(text: string): Promise<CallbackAnswer>;
}

export function createCallbackApp(config: CallbackConfig, overrides: CallbackAppOverrides = {}): CallbackApp {
  const clock = overrides.clock ?? systemClock;
  const inbox = createDynamoHintInbox({ client: overrides.dynamo ?? createDocumentClient(), table: config.tasksTable });
  const logger =
    overrides.logger ??
    createLogger({
      level: config.observability.logLevel,
      serviceName: config.observability.serviceName,
      fields: { function: 'callback' },
    });
  const metrics = createMetrics(config.observability);
  // Read again every minute: after a rotation (a leaked secret), a warm container stops accepting the old one
  // within a minute even if it only ever sees callbacks the old one signs. SSM's standard GetParameter is free.
  const secret = createSecretSource(config.callbackSecret, {
    ssm: config.callbackSecret.kind === 'ssm' ? (overrides.ssm ?? new SSMClient({})) : undefined,
    now: () => clock.now(),
    maxAgeMs: CALLBACK_SECRET_MAX_AGE_MS,
  });
  const starter =
    overrides.starter ??
    (config.sweepFunctionName === undefined
      ? undefined
      : createLambdaSweepStarter({
          lambda: overrides.lambda ?? new LambdaClient({}),
          functionName: config.sweepFunctionName,
        }));

  // A signature that fails may mean a rotated secret: read it once more (refresh() limits how often).
  const verifySignature = async (timestamp: string, nonce: string, signature: string): Promise<boolean> => {
    if (verifyCallbackSignature(await secret.get(), timestamp, nonce, signature)) return true;
    const fresh = await secret.refresh();
    return fresh !== undefined && verifyCallbackSignature(fresh, timestamp, nonce, signature);
  };

  /** Starts a sweep when none is taking work; a failure is logged, never the callback's (the hint is kept). */
  const startSweepIfIdle = async (now: number): Promise<boolean> => {
    if (starter === undefined || !(await inbox.claimSweepStart(now, START_MARGIN_MS, START_EVERY_MS))) return false;
    try {
      await starter.start();
      return true;
    } catch (error) {
      logger.warn('could not start a sweep for a hint; the next scheduled run takes it', { error });
      return false;
    }
  };

  return {
    logger,
    async receive(text) {
      const figures: CallbackFigures = {};
      try {
        let callback: ZegoCallback;
        try {
          callback = await readCallback(text, { appId: config.appId, now: clock.now(), verifySignature });
        } catch (error) {
          if (!(error instanceof CallbackRefusal)) throw error;
          figures.refused = error.reason;
          // One warning, with the reason: never the body, the secret or the signature.
          logger.warn('callback refused', { reason: error.reason, status: error.statusCode, detail: error.message });
          return { refused: { statusCode: error.statusCode, reason: error.reason, message: error.message } };
        }
        const now = clock.now();
        const action = await receiveCallback(inbox, callback, now);
        figures.action = action;
        const waiting = action === 'hinted' || action === 'candidate' || action === 'cooldown';
        const sweepStarted = waiting && (await startSweepIfIdle(now));
        logger.info('callback received', {
          taskId: callback.taskId,
          eventType: callback.eventType,
          action,
          ...(sweepStarted ? { sweepStarted } : {}),
        });
        return { action };
      } finally {
        publishCallbackMetrics(metrics, figures);
      }
    },
  };
}
