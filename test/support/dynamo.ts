// The local DynamoDB lives with the other local stand-ins (infra/local/dynamo.ts), shared by the tests,
// `npm start` and the benchmark; the tests keep importing it from here.
export {
  LOCAL_AWS as TEST_AWS,
  type LocalDynamo,
  startLocalDynamo,
  tasksTableDefinition,
} from '../../infra/local/dynamo';
