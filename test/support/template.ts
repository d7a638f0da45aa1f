// The packaged stack as the deploy tests read it: the output the global setup packaged
// (test/support/global-setup.ts), its template parsed, and the helpers that look things up in it.
import { readFileSync } from 'node:fs';
import { expect, inject } from 'vitest';
import {
  evaluate as evaluateIn,
  type Json,
  type JsonObject,
  type Resource,
  type Statement,
  type Template,
} from './cloudformation';
import type { VariantName } from './global-setup';

export { SECRET_CANARY } from './global-setup';

/** Every function of the stack, by the prefix of its logical id (`${fn}LambdaFunction`). */
export const FUNCTIONS = ['Sweep', 'Track', 'Lookup', 'Callback', 'List', 'Untrack'];

export function asList<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

/** One variant's packaged output (the zips and templates), and its update-stack template parsed. */
export function readPackaged<T = Template>(variant: VariantName): { outDir: string; template: T } {
  const paths = inject('packaged')[variant];
  if (!paths)
    throw new Error(
      `the global setup packaged no '${variant}' stack: it packages when the run has a file under test/deploy/ (test/support/global-setup.ts)`,
    );
  return { outDir: paths.outDir, template: JSON.parse(readFileSync(paths.templatePath, 'utf8')) as T };
}

export interface LoadedTemplate {
  /** Where the zips and the CloudFormation templates are. */
  outDir: string;
  template: Template;
  /** The sweep's and the callback's AWS::Lambda::Function. */
  sweep(): Resource;
  callback(): Resource;
  /** A resource that must be there, with that type. */
  resource(logicalId: string, type: string): Resource;
  resourcesOfType(type: string): [string, Resource][];
  /** The intrinsic functions of this template, evaluated (test/support/cloudformation.ts). */
  evaluate(value: Json): string;
  /** Every statement granted to the functions: the role's inline policies and any extra IAM::Policy. */
  statements(): { statement: Statement; conditional: boolean }[];
  /** The statements with an action of that service (`sns`, `dynamodb`…). */
  statementsFor(service: string): Statement[];
  /** The logical id of one function's role. */
  roleIdOf(fn: string): string;
  /** The statements of one function's own role, by service, with resources evaluated. */
  roleOf(fn: string): Map<string, { actions: string[]; resources: string[] }[]>;
}

/** The packaged template of a variant (the default stack unless told), with its helpers. */
export function loadTemplate(variant: VariantName = 'default'): LoadedTemplate {
  const { outDir, template } = readPackaged<Template>(variant);

  function resource(logicalId: string, type: string): Resource {
    const found = template.Resources[logicalId];
    expect(found, `resource ${logicalId}`).toBeDefined();
    expect(found!.Type).toBe(type);
    return found!;
  }

  function resourcesOfType(type: string): [string, Resource][] {
    return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
  }

  const evaluate = (value: Json): string => evaluateIn(template, value);

  function statements(): { statement: Statement; conditional: boolean }[] {
    const policies: { document: Json; conditional: boolean }[] = [];
    for (const [, role] of resourcesOfType('AWS::IAM::Role')) {
      for (const policy of (role.Properties.Policies ?? []) as JsonObject[])
        policies.push({ document: policy.PolicyDocument!, conditional: false });
    }
    for (const [, policy] of resourcesOfType('AWS::IAM::Policy')) {
      policies.push({ document: policy.Properties.PolicyDocument!, conditional: policy.Condition !== undefined });
    }
    return policies.flatMap(({ document, conditional }) =>
      asList((document as unknown as { Statement: Statement | Statement[] }).Statement).map((statement) => ({
        statement,
        conditional,
      })),
    );
  }

  function statementsFor(service: string): Statement[] {
    return statements()
      .map(({ statement }) => statement)
      .filter((s) => asList(s.Action).some((action) => action.startsWith(`${service}:`)));
  }

  function roleIdOf(fn: string): string {
    return (resource(`${fn}LambdaFunction`, 'AWS::Lambda::Function').Properties.Role as { 'Fn::GetAtt': string[] })[
      'Fn::GetAtt'
    ][0]!;
  }

  function roleOf(fn: string): Map<string, { actions: string[]; resources: string[] }[]> {
    const role = roleIdOf(fn);
    const byService = new Map<string, { actions: string[]; resources: string[] }[]>();
    for (const policy of (resource(role, 'AWS::IAM::Role').Properties.Policies ?? []) as JsonObject[]) {
      for (const statement of asList(
        (policy.PolicyDocument as unknown as { Statement: Statement | Statement[] }).Statement,
      )) {
        const actions = asList(statement.Action);
        const service = actions[0]!.split(':')[0]!;
        if (service === 'logs') continue;
        const list = byService.get(service) ?? [];
        list.push({ actions: [...actions].sort(), resources: asList(statement.Resource).map(evaluate).sort() });
        byService.set(service, list);
      }
    }
    return byService;
  }

  return {
    outDir,
    template,
    sweep: () => resource('SweepLambdaFunction', 'AWS::Lambda::Function'),
    callback: () => resource('CallbackLambdaFunction', 'AWS::Lambda::Function'),
    resource,
    resourcesOfType,
    evaluate,
    statements,
    statementsFor,
    roleIdOf,
    roleOf,
  };
}
