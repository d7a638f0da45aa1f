// GET /recordings?roomId=R or ?state=OPEN: a page of recordings, with `limit` and `nextToken`. One Query
// of the room index or the due index per page; never a Scan, never a ZEGO request.

import { setUpOrFailColdStart } from '../lib/cold-start';
import { loadListConfig } from '../lib/config';
import { createFunctionBase } from '../lib/function-base';
import { httpHandler } from '../lib/http/http-handler';
import { json } from '../lib/http/responses';
import { listRecordings, parseListingQuery } from '../lib/tracking/listing';

const config = setUpOrFailColdStart(() => loadListConfig(process.env));
const { store, logger } = setUpOrFailColdStart(() => createFunctionBase(config, 'list'));

export const handler = httpHandler(logger, async (event) => {
  const query = parseListingQuery(event.multiValueQueryStringParameters);
  return json(200, await listRecordings(store, query, config.pageTokenKey));
});
