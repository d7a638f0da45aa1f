// Builds the callback receiver from its configuration: SDK clients, logger, metrics and the CallbackSecret
// source once per container (module scope of the function), injectable so that tests and the local stack
// point them at local endpoints.
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type Clock, systemClock } from '../clock';
import type { CallbackConfig } from '../config';
import { createEventPublisher } from '../events/publisher';
import { createFunctionBase } from '../function-base';
import type { Logger } from '../log';
import { createSecretSource } from '../secret';
import { createMetrics } from '../sweep/sweep-metrics';
import { createRecorder } from '../task/recorder';
import { type CallbackFigures, publishCallbackMetrics, type RefusalReason } from './callback-metrics';
import { CallbackRefusal, readCallback, type ZegoCallback } from './callback-request';
import { type CallbackResult, receiveCallback } from './receive-callback';
import { verifyCallbackSignature } from './signature';

export interface CallbackAppOverrides {
  dynamo?: DynamoDBDocumentClient;
  sns?: SNSClient;
  ssm?: SSMClient;
  logger?: Logger;
  clock?: Clock;
}

export type CallbackAnswer =
  | { refused: { statusCode: 400 | 401; reason: RefusalReason; message: string } }
  | { result: CallbackResult };

/** How long an outcome's publish claim outlives the invocation: a function killed mid-publish keeps the sweep off it that long. */
const CLAIM_GRACE_MS = 5_000;

export interface CallbackApp {
  logger: Logger;
  /** Verifies, then acts on one callback body; `deadline` is when the invocation is killed (epoch ms). */
  receive(text: string, deadline: number): Promise<CallbackAnswer>;
}

export function createCallbackApp(config: CallbackConfig, overrides: CallbackAppOverrides = {}): CallbackApp {
  const { store, logger } = createFunctionBase(config, 'callback', overrides);
  const metrics = createMetrics(config.observability);
  const clock = overrides.clock ?? systemClock;
  const secret = createSecretSource(config.callbackSecret, {
    ssm: config.callbackSecret.kind === 'ssm' ? (overrides.ssm ?? new SSMClient({})) : undefined,
    now: () => clock.now(),
  });
  const publisher = createEventPublisher({ sns: overrides.sns ?? new SNSClient({}), topicArn: config.eventsTopicArn });
  const recorder = createRecorder({ store, publisher, clock, logger, retryAfterMs: config.checkIntervalMs });
  const policy = { checkIntervalMs: config.checkIntervalMs, checkIntervalMaxMs: config.checkIntervalMaxMs };

  // A signature that fails may mean a rotated secret: read it once more (refresh() limits how often).
  const verifySignature = async (timestamp: string, nonce: string, signature: string): Promise<boolean> => {
    if (verifyCallbackSignature(await secret.get(), timestamp, nonce, signature)) return true;
    const fresh = await secret.refresh();
    return fresh !== undefined && verifyCallbackSignature(fresh, timestamp, nonce, signature);
  };

  return {
    logger,
    async receive(text, deadline) {
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
        const result = await receiveCallback({ store, recorder, policy, random: Math.random }, callback, {
          now,
          claimUntil: deadline + CLAIM_GRACE_MS,
        });
        Object.assign(figures, {
          action: result.action,
          outcome: result.outcome,
          published: result.announced === 'published',
          publishFailed: result.announced === 'failed',
        });
        logger.info('callback received', {
          taskId: callback.taskId,
          eventType: callback.eventType,
          action: result.action,
          ...(result.outcome ? { outcome: result.outcome } : {}),
        });
        return { result };
      } finally {
        publishCallbackMetrics(metrics, figures);
      }
    },
  };
}
