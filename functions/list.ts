// GET /recordings?roomId=R, ?state=OPEN or ?closedSince=T[&state=…]: a page of recordings, with `limit` and
// `nextToken`. Queries of the room index, the due index or the closed index; never a Scan, never a ZEGO request.

import { setUpOrFailColdStart } from '../lib/cold-start';
import { loadListConfig } from '../lib/config';
import { createFunctionBase } from '../lib/function-base';
import { httpHandler } from '../lib/http/http-handler';
import { json } from '../lib/http/responses';
import { listRecordings, parseListingQuery } from '../lib/tracking/listing';

const config = setUpOrFailColdStart(() => loadListConfig(process.env));
const { store, logger } = setUpOrFailColdStart(() => createFunctionBase(config, 'list'));

export const handler = httpHandler(logger, async (event) => {
  const now = Date.now();
  const query = parseListingQuery(event.multiValueQueryStringParameters, now);
  const options = { tokenKey: config.pageTokenKey, retentionDays: config.retentionDays, now };
  return json(200, await listRecordings(store, query, options));
});
