// CloudFormation as the deploy tests read it: the shape of a packaged template, and its intrinsic and
// condition functions evaluated as CloudFormation would, in a fixed account, region and stage.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };
export interface Resource {
  Type: string;
  Condition?: string;
  Properties: JsonObject;
  [attribute: string]: Json | undefined;
}
export interface Template {
  Parameters: Record<string, JsonObject>;
  Conditions: Record<string, Json>;
  Resources: Record<string, Resource>;
  Outputs: Record<string, JsonObject>;
}
export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: Json;
  Condition?: JsonObject;
}

export const STAGE = 'dev';
export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';

export const tableArn = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/recwatch-${STAGE}-tasks`;
export const topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:recwatch-${STAGE}-events`;
export const opsTopicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:recwatch-${STAGE}-ops`;
export const restApiId = 'a1b2c3d4e5';
export const serverSecretArn = `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/recwatch/${STAGE}/zego-server-secret`;
export const callbackSecretArn = `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/recwatch/${STAGE}/zego-callback-secret`;

/**
 * Evaluates the intrinsic functions IAM statements use (Ref, Fn::GetAtt, Fn::Join, Fn::Sub) as
 * CloudFormation would in a fixed account and region, so ARNs are compared as the strings AWS sees,
 * whichever way the YAML spells them. Parameters take their defaults, as in a deploy without overrides.
 */
export function evaluate(template: Pick<Template, 'Parameters'>, value: Json): string {
  const ref = (name: string): string => {
    const pseudo: Record<string, string> = {
      'AWS::Partition': 'aws',
      'AWS::Region': REGION,
      'AWS::AccountId': ACCOUNT,
      'AWS::URLSuffix': 'amazonaws.com',
    };
    if (pseudo[name] !== undefined) return pseudo[name];
    if (template.Parameters[name]) return String(template.Parameters[name].Default);
    if (name === 'ApiGatewayRestApi') return restApiId;
    if (name === 'TasksTable') return `recwatch-${STAGE}-tasks`;
    if (name === 'EventsTopic') return topicArn;
    if (name === 'OpsTopic') return opsTopicArn;
    throw new Error(`cannot evaluate Ref ${name}`);
  };
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    if (typeof value.Ref === 'string') return ref(value.Ref);
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt) && getAtt[0] === 'TasksTable' && getAtt[1] === 'Arn') return tableArn;
    const join = value['Fn::Join'];
    if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1]))
      return join[1].map((part) => evaluate(template, part)).join(join[0]);
    const sub = value['Fn::Sub'];
    if (typeof sub === 'string') return sub.replace(/\$\{([^}]+)\}/g, (_, name: string) => ref(name));
  }
  throw new Error(`cannot evaluate ${JSON.stringify(value)}`);
}

/**
 * CloudFormation's condition functions, with each parameter at the given value (`conditions`: the template's,
 * for a `{"Condition": name}` inside one).
 */
export function holds(condition: Json, values: Record<string, string>, conditions: Record<string, Json> = {}): boolean {
  const value = (operand: Json): Json => {
    if (!operand || typeof operand !== 'object' || Array.isArray(operand)) return operand;
    if (typeof operand.Ref === 'string') {
      const name = operand.Ref;
      if (!(name in values)) throw new Error(`no value for parameter ${name}`);
      return values[name]!;
    }
    const split = operand['Fn::Split'] as [string, Json] | undefined;
    if (split !== undefined) return String(value(split[1])).split(split[0]);
    const select = operand['Fn::Select'] as [number | string, Json] | undefined;
    if (select !== undefined) return (value(select[1]) as Json[])[Number(select[0])] ?? null;
    return operand;
  };
  if (!condition || typeof condition !== 'object' || Array.isArray(condition))
    throw new Error(`not a condition: ${JSON.stringify(condition)}`);
  const [fn, args] = Object.entries(condition)[0]!;
  const list = args as Json[];
  const inner = (c: Json) => holds(c, values, conditions);
  switch (fn) {
    case 'Condition': {
      const named = conditions[args as string];
      if (named === undefined) throw new Error(`no condition ${String(args)}`);
      return inner(named);
    }
    case 'Fn::Not':
      return !inner(list[0]!);
    case 'Fn::Equals':
      return JSON.stringify(value(list[0]!)) === JSON.stringify(value(list[1]!));
    case 'Fn::And':
      return list.every(inner);
    case 'Fn::Or':
      return list.some(inner);
    default:
      throw new Error(`cannot evaluate ${fn}`);
  }
}
