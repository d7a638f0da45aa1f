// One log line for every failed ZEGO call, with ZEGO's RequestId when its answer carried one (what ZEGO's
// support asks for): the client itself never logs, so the sweep wraps it. The line carries what the fault
// says (kind, return code, a secret-free message), never the request's signature or the secret.
import type { Logger } from '../log';
import type { ZegoClient, ZegoFault } from '../zego/types';

export function logZegoFailures(client: ZegoClient, logger: Logger): ZegoClient {
  const report = (action: string, fault: ZegoFault, about: Record<string, unknown>): void => {
    const { kind, code, message, requestId, attempts } = fault;
    if (attempts === 0) return; // never sent (the run stopped first): no call failed
    // "No such task" and the like are answers about a task, not trouble with ZEGO: information, not a warning.
    (kind === 'task' ? logger.info : logger.warn)('a ZEGO call failed', {
      action,
      ...about,
      kind,
      ...(code === undefined ? {} : { code }),
      fault: message,
      requestId: requestId ?? 'none',
      attempts,
    });
  };
  return {
    async describeRecordStatus(taskId, options) {
      const result = await client.describeRecordStatus(taskId, options);
      if (result.kind !== 'ok') report('DescribeRecordStatus', result, { taskId });
      return result;
    },
    async describeTasks(query, options) {
      const result = await client.describeTasks(query, options);
      if (result.kind !== 'ok')
        report('DescribeTasks', result, {
          status: query.status,
          pageOffset: query.pageOffset,
          startTime: query.startTime,
        });
      return result;
    },
    close: () => client.close(),
  };
}
