// Starts a sweep run when a callback finds none taking work (between two scheduled runs, or while the last
// one is stopping), so that its hint is asked about within seconds instead of at the next minute. The port,
// and its adapter: an asynchronous Lambda invocation of the sweep function (InvocationType Event), which
// answers at once; the run it starts waits for the lease to come free.
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { errorCode } from '../error-code';
import { HINT_START_EVENT } from '../task/hint';

export interface SweepStarter {
  /** Asks for a run; rejects when the request could not be made (the hint still waits for the next run). */
  start(): Promise<void>;
}

export function createLambdaSweepStarter(options: { lambda: LambdaClient; functionName: string }): SweepStarter {
  const payload = new TextEncoder().encode(JSON.stringify(HINT_START_EVENT));
  return {
    async start() {
      try {
        await options.lambda.send(
          new InvokeCommand({ FunctionName: options.functionName, InvocationType: 'Event', Payload: payload }),
        );
      } catch (error) {
        const code = errorCode(error, ['name', 'code']) ?? 'Unknown';
        throw new Error(`could not start a sweep (Lambda Invoke: ${code})`, { cause: error });
      }
    },
  };
}
