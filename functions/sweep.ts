// Scheduled door (and the callback receiver's, when no run is taking work): run one sweep within this
// invocation's time, return its summary. A configuration fault (bad signature, unknown AppId, service off)
// fails the invocation so that it alarms.
import type { Context } from 'aws-lambda';
import { setUpOrFailColdStart } from '../lib/cold-start';
import { loadSweepConfig } from '../lib/config';
import type { SweepSummary } from '../lib/sweep/summary';
import { createSweep, SweepConfigurationError } from '../lib/sweep/sweep-app';
import { isHintStart } from '../lib/task/hint';

const sweep = setUpOrFailColdStart(() => createSweep(loadSweepConfig(process.env)));

export const handler = async (
  event: unknown,
  context: Pick<Context, 'awsRequestId' | 'getRemainingTimeInMillis'>,
): Promise<SweepSummary> => {
  const summary = await sweep({
    runId: context.awsRequestId,
    deadline: Date.now() + context.getRemainingTimeInMillis(),
    context,
    startedByHint: isHintStart(event),
  });
  if (summary.stoppedBy === 'configuration') throw new SweepConfigurationError(summary);
  return summary;
};
