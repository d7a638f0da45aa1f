// The HTTP API (serverless.yml's apiGateway and the functions' http events): its routes and the functions
// behind them, the API key every method needs but the callback's, the usage plan that throttles each key,
// the callback route's own method throttling and the callback URL output. Checked on the template
// CloudFormation would receive, packaged once by the global setup (test/support/global-setup.ts).
import { describe, expect, it } from 'vitest';
import { type Json, type JsonObject, REGION, type Resource, restApiId, STAGE } from '../support/cloudformation';
import { loadTemplate } from '../support/template';

const { template, resource, resourcesOfType, evaluate } = loadTemplate();

/** The function an API method's proxy integration invokes (`Track` for TrackLambdaFunction). */
function functionOf(method: Resource): string | undefined {
  return /"(\w+)LambdaFunction"/.exec(JSON.stringify(method.Properties.Integration))?.[1];
}

/** An API method's path, from its resource up to the API's root. */
function pathOf(method: Resource): string {
  const parts: string[] = [];
  let at = method.Properties.ResourceId as Json;
  for (;;) {
    if (at && typeof at === 'object' && !Array.isArray(at) && typeof at.Ref === 'string') {
      const found = resource(at.Ref, 'AWS::ApiGateway::Resource');
      parts.unshift(String(found.Properties.PathPart));
      at = found.Properties.ParentId!;
      continue;
    }
    expect(at, 'the path ends at the API root').toEqual({ 'Fn::GetAtt': ['ApiGatewayRestApi', 'RootResourceId'] });
    return `/${parts.join('/')}`;
  }
}

describe('HTTP API', () => {
  const methods = () => resourcesOfType('AWS::ApiGateway::Method');

  it('serves POST and GET /recordings, GET and DELETE /recordings/{taskId} and POST /callbacks/zego through their functions', () => {
    // Act
    const routes = methods().map(([, m]) => `${String(m.Properties.HttpMethod)} ${pathOf(m)} ${functionOf(m)}`);

    // Assess
    expect(routes.sort()).toEqual([
      'DELETE /recordings/{taskId} Untrack',
      'GET /recordings List',
      'GET /recordings/{taskId} Lookup',
      'POST /callbacks/zego Callback',
      'POST /recordings Track',
    ]);
    expect(resource('ApiGatewayResourceRecordingsTaskidVar', 'AWS::ApiGateway::Resource').Properties.PathPart).toBe(
      '{taskId}',
    );
    for (const [, m] of methods()) expect((m.Properties.Integration as JsonObject).Type).toBe('AWS_PROXY');
  });

  it('requires an API key on every method but POST /callbacks/zego, which ZEGO calls without one', () => {
    // Act + Assess
    expect(methods().length).toBeGreaterThan(0);
    const [keyless, keyed] = [
      methods().filter(([, m]) => functionOf(m) === 'Callback'),
      methods().filter(([, m]) => functionOf(m) !== 'Callback'),
    ];
    expect(keyless).toHaveLength(1);
    expect(keyed.length).toBeGreaterThan(0);
    for (const [id, m] of keyed) expect(m.Properties.ApiKeyRequired, id).toBe(true);
    // The callback is authenticated by ZEGO's signature, which the function verifies, not by a key.
    const [id, m] = keyless[0]!;
    expect(m.Properties.ApiKeyRequired ?? false, id).toBe(false);
    expect(m.Properties.AuthorizationType, id).toBe('NONE');
    expect(`${String(m.Properties.HttpMethod)} ${pathOf(m)}`).toBe('POST /callbacks/zego');
  });

  it('has an API key bound to a usage plan that throttles each key', () => {
    // Act
    const [[, plan]] = resourcesOfType('AWS::ApiGateway::UsagePlan') as [[string, Resource]];

    // Assess
    expect(plan.Properties.Throttle).toEqual({ RateLimit: 10, BurstLimit: 20 });
    expect(plan.Properties.Quota).toMatchObject({ Limit: 100000, Period: 'DAY' });
    const stages = plan.Properties.ApiStages as JsonObject[];
    expect(stages).toHaveLength(1);
    expect(stages[0]!.ApiId).toEqual({ Ref: 'ApiGatewayRestApi' });
    const keys = resourcesOfType('AWS::ApiGateway::ApiKey');
    expect(keys).toHaveLength(1);
    const bindings = resourcesOfType('AWS::ApiGateway::UsagePlanKey');
    expect(bindings.map(([, b]) => b.Properties.KeyId)).toEqual([{ Ref: keys[0]![0] }]);
  });

  it('gives the API functions only the store settings, nothing of ZEGO or SNS', () => {
    // Act + Assess
    for (const fn of ['TrackLambdaFunction', 'LookupLambdaFunction']) {
      const variables = (resource(fn, 'AWS::Lambda::Function').Properties.Environment as { Variables: JsonObject })
        .Variables;
      expect(Object.keys(variables).sort(), fn).toEqual(
        [
          'LOG_LEVEL',
          'POWERTOOLS_METRICS_NAMESPACE',
          'POWERTOOLS_SERVICE_NAME',
          'TASKS_TABLE',
          'TASK_INDEX_SHARDS',
          'TASK_RETENTION_DAYS',
        ].sort(),
      );
    }
  });
});

// --- the callback route (POST /callbacks/zego) ---------------------------------------------------------

describe('callback route', () => {
  it('is throttled by API Gateway per method, from stack parameters whose defaults let a burst of ends through', () => {
    // Act
    const deployments = resourcesOfType('AWS::ApiGateway::Deployment');

    // Assess
    expect(deployments).toHaveLength(1);
    const settings = (deployments[0]![1].Properties.StageDescription as { MethodSettings: JsonObject[] })
      .MethodSettings;
    // CloudFormation: a MethodSetting's ResourcePath encodes each "/" as "~1".
    expect(settings).toEqual([
      {
        ResourcePath: '/~1callbacks~1zego',
        HttpMethod: 'POST',
        ThrottlingRateLimit: { Ref: 'CallbackRateLimit' },
        ThrottlingBurstLimit: { Ref: 'CallbackBurstLimit' },
      },
    ]);
    expect(template.Parameters.CallbackRateLimit).toMatchObject({ Type: 'Number', Default: '100', MinValue: 1 });
    expect(template.Parameters.CallbackBurstLimit).toMatchObject({ Type: 'Number', Default: '1000', MinValue: 1 });
  });

  it('outputs the URL to paste into the ZEGO console: the API endpoint of the stage, /callbacks/zego', () => {
    // Act
    const output = template.Outputs.CallbackUrl;

    // Assess
    expect(output, 'the CallbackUrl output').toBeDefined();
    const url = evaluate(output!.Value!);
    expect(url).toBe(`https://${restApiId}.execute-api.${REGION}.amazonaws.com/${STAGE}/callbacks/zego`);
    // The very endpoint osls deploys (its ServiceEndpoint output), with the callback method's path.
    expect(url).toBe(`${evaluate(template.Outputs.ServiceEndpoint!.Value!)}/callbacks/zego`);
    const [, method] = resourcesOfType('AWS::ApiGateway::Method').find(([, m]) => functionOf(m) === 'Callback')!;
    expect(new URL(url).pathname).toBe(`/${STAGE}${pathOf(method)}`);
    expect(String(output!.Description)).toMatch(/ZEGO/);
  });
});
