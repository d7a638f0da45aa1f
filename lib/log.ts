// One structured logger for every function: AWS Lambda Powertools' Logger (JSON lines, the Lambda
// request id and cold-start flag once addContext() has seen the invocation), behind a small port so the
// domain never depends on the library. Callers pass fields, never secrets.
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';

export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** Stamps later lines with this invocation's request id, function name and cold start. */
  addContext(context: LambdaContextLike): void;
}

/** The parts of a Lambda context the logger reads; local runs pass what they have. */
export interface LambdaContextLike {
  awsRequestId: string;
  functionName?: string;
  functionVersion?: string;
  invokedFunctionArn?: string;
  memoryLimitInMB?: string;
}

export function describeError(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'NonError', message: String(error) };
}

export function createLogger(
  options: { level?: LogLevel; serviceName?: string; fields?: Record<string, unknown> } = {},
): Logger {
  const logger = new PowertoolsLogger({
    serviceName: options.serviceName ?? 'recwatch',
    ...(options.level === undefined ? {} : { logLevel: options.level }),
    persistentKeys: options.fields ?? {},
  });
  return {
    debug: (message, fields) => logger.debug(message, fields ?? {}),
    info: (message, fields) => logger.info(message, fields ?? {}),
    warn: (message, fields) => logger.warn(message, fields ?? {}),
    error: (message, fields) => logger.error(message, fields ?? {}),
    addContext: (context) =>
      logger.addContext({
        functionName: 'local',
        functionVersion: '$LATEST',
        invokedFunctionArn: 'local',
        memoryLimitInMB: '0',
        ...context,
      } as Parameters<PowertoolsLogger['addContext']>[0]),
  };
}
