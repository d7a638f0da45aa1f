// The variables that point the functions, and the AWS SDK inside them, at the local stand-ins: what the
// deployed stack sets from its resources, set here from local endpoints (tests and `npm start`).
import { LOCAL_AWS } from './dynamo';

export interface LocalFunctionTargets {
  dynamoEndpoint: string;
  table: string;
  /** The SNS endpoint and the topic there; the sweep needs them, the HTTP functions do not. */
  sns?: { url: string; topicArn: string };
  /** The EventBridge endpoint, and the bus the sweep also puts every event on (EVENT_BUS_NAME) when named. */
  eventBridge?: { url: string; busName?: string };
  /** What the sweep signs its ZEGO requests with, and where it sends them. */
  zego?: { appId: string | number; serverSecret: string; apiUrl: string };
  /** Signs the listing's nextTokens. */
  pageTokenKey?: string;
  /** What the callback receiver verifies ZEGO's callbacks with. */
  callbackSecret?: string;
  /** The Lambda endpoint, and the sweep function there, that the callback receiver starts a sweep through. */
  lambda?: { url: string; sweepFunctionName: string };
}

export function localFunctionEnv(targets: LocalFunctionTargets): Record<string, string> {
  return {
    AWS_REGION: LOCAL_AWS.region,
    AWS_ACCESS_KEY_ID: LOCAL_AWS.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_AWS.credentials.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: targets.dynamoEndpoint,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    TASKS_TABLE: targets.table,
    // Signs the listing's nextTokens (functions/list.ts); any value of 16+ characters does locally.
    PAGE_TOKEN_KEY: targets.pageTokenKey ?? 'local-page-token-key-0123456789',
    ...(targets.sns ? { AWS_ENDPOINT_URL_SNS: targets.sns.url, EVENTS_TOPIC_ARN: targets.sns.topicArn } : {}),
    ...(targets.eventBridge ? { AWS_ENDPOINT_URL_EVENTBRIDGE: targets.eventBridge.url } : {}),
    ...(targets.eventBridge?.busName === undefined ? {} : { EVENT_BUS_NAME: targets.eventBridge.busName }),
    ...(targets.zego
      ? {
          ZEGO_APP_ID: String(targets.zego.appId),
          ZEGO_SERVER_SECRET: targets.zego.serverSecret,
          ZEGO_API_URL: targets.zego.apiUrl,
        }
      : {}),
    ...(targets.callbackSecret === undefined ? {} : { ZEGO_CALLBACK_SECRET: targets.callbackSecret }),
    ...(targets.lambda
      ? { AWS_ENDPOINT_URL_LAMBDA: targets.lambda.url, SWEEP_FUNCTION_NAME: targets.lambda.sweepFunctionName }
      : {}),
  };
}
