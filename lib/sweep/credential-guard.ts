// The run's credentials: the ZEGO client requests are signed with, and what a configuration fault does. The
// first such fault stops the run from sending anything more (contract: so at most SWEEP_CONCURRENCY requests
// are spent on it), unless it is a bad signature and the ServerSecret, read again once a run, is a new one:
// then the request is tried once more with it. While the secret is being read again no request leaves.
// Faults of requests signed with an older secret are not counted. Nothing here writes to a task.
import type { Logger } from '../log';
import type { DescribeResult, RequestGate, ZegoClient } from '../zego/types';
import { RETURN_CODE } from '../zego/vocabulary';

export interface CredentialGuardOptions {
  client: ZegoClient;
  /** Reads the ServerSecret again, bypassing any cache: a client signing with it, or undefined when unchanged. */
  refresh?: () => Promise<ZegoClient | undefined>;
  /** Stops the run (no request may leave after it). */
  stop(): void;
  signal: AbortSignal;
  logger: Logger;
}

export interface CredentialGuard {
  /** The client to sign the next request with, and its generation (each new secret counts it up). */
  current(): { client: ZegoClient; generation: number };
  /** `gate`, holding every request back while a bad signature is looked into, and none leaving once stopped. */
  gated(gate: RequestGate): RequestGate;
  /**
   * A configuration fault of a request signed at `generation`: true when the request should be tried again
   * (it was signed with an older secret, or the secret read again is a new one); otherwise the run stops.
   */
  fault(fault: { message: string; code?: number }, generation: number): Promise<boolean>;
  /** One DescribeRecordStatus through `gate`, tried once more when the guard says so. `attempts` counts both. */
  describe(taskId: string, gate: RequestGate): Promise<DescribeResult>;
  /**
   * The configuration faults that reached the stop (requests in flight at once may each bring one), and the
   * last one's message.
   */
  readonly faults: { count: number; last?: string };
}

export function createCredentialGuard(options: CredentialGuardOptions): CredentialGuard {
  const { logger, signal } = options;
  let client = options.client;
  let generation = 0;
  let refreshed = false;
  /** While set, no new request leaves: a bad signature is being looked into. */
  let held: Promise<void> | undefined;
  const faults: { count: number; last?: string } = { count: 0 };

  const readAgain = async (): Promise<boolean> => {
    refreshed = true;
    let release: () => void = () => undefined;
    held = new Promise<void>((resolve) => (release = resolve));
    try {
      const fresh = await options.refresh!().catch((error: unknown) => {
        logger.warn('could not read the ServerSecret again', { error });
        return undefined;
      });
      if (fresh === undefined) return false;
      client = fresh;
      generation++;
      logger.warn('ZEGO refused the signature; the ServerSecret read again is a new one, and is used from now on');
      return true;
    } finally {
      held = undefined;
      release();
    }
  };

  const guard: CredentialGuard = {
    faults,
    current: () => ({ client, generation }),
    gated: (gate) => ({
      acquire: async () => {
        while (held !== undefined) await held;
        return gate.acquire(signal);
      },
    }),
    async fault(fault, signedWith) {
      if (signedWith < generation) return true;
      if (held !== undefined) {
        await held;
        return signedWith < generation;
      }
      if (fault.code === RETURN_CODE.badSignature && options.refresh !== undefined && !refreshed) {
        if (await readAgain()) return true;
      }
      faults.count++;
      faults.last = fault.message;
      options.stop();
      return false;
    },
    async describe(taskId, gate) {
      let attempts = 0;
      for (let tried = 0; ; tried++) {
        const signer = guard.current();
        const result = await signer.client.describeRecordStatus(taskId, { gate });
        attempts += result.attempts;
        if (result.kind !== 'config') return { ...result, attempts };
        const again = (await guard.fault(result, signer.generation)) && tried === 0 && !signal.aborted;
        if (!again) return { ...result, attempts };
      }
    },
  };
  return guard;
}
