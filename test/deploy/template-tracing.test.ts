// X-Ray tracing, opt-in (infra/tracing.yml): off by default (no function traced, no role may write to
// X-Ray); `--param tracing=on` turns Lambda's active tracing on for every function and lets every role write
// its segments. Read off the default template by evaluating its conditions with either value.
import { describe, expect, it } from 'vitest';
import { holds, type Json, type JsonObject } from '../support/cloudformation';
import { FUNCTIONS, loadTemplate } from '../support/template';

const { template, resource, roleIdOf } = loadTemplate();
const conditions = template.Conditions as Record<string, Json>;
const on = (value: 'on' | 'off', condition: string) => holds(conditions[condition]!, { Tracing: value }, conditions);

describe('tracing', () => {
  it('is off by default, and every function follows the parameter: Active when on, PassThrough when off', () => {
    // Act
    const modes = FUNCTIONS.map(
      (fn) => resource(`${fn}LambdaFunction`, 'AWS::Lambda::Function').Properties.TracingConfig as JsonObject,
    );

    // Assess
    expect(template.Parameters.Tracing).toMatchObject({ Type: 'String', Default: 'off', AllowedValues: ['on', 'off'] });
    for (const mode of modes) {
      const [condition, whenOn, whenOff] = (mode.Mode as { 'Fn::If': [string, string, string] })['Fn::If'];
      expect([whenOn, whenOff]).toEqual(['Active', 'PassThrough']);
      expect(on('off', condition)).toBe(false);
      expect(on('on', condition)).toBe(true);
    }
  });

  it("lets every function's role write to X-Ray only when on, and nothing else", () => {
    // Act
    const policy = resource('TracingPolicy', 'AWS::IAM::Policy');
    const statements = (policy.Properties.PolicyDocument as { Statement: JsonObject[] }).Statement;

    // Assess
    expect(on('off', policy.Condition!)).toBe(false);
    expect(on('on', policy.Condition!)).toBe(true);
    expect(policy.Properties.Roles).toEqual(FUNCTIONS.map((fn) => ({ Ref: roleIdOf(fn) })));
    expect(statements).toEqual([
      { Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' },
    ]);
  });
});
