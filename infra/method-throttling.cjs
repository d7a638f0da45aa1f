// A local osls plugin: per-method throttling on the API's stage, from `custom.methodThrottling`. osls 4.3.1
// creates the stage through its AWS::ApiGateway::Deployment (StageName), whose logical id changes with every
// deploy, so `resources.extensions` cannot reach it: this puts the MethodSettings into its StageDescription.
'use strict';

class MethodThrottling {
  constructor(serverless) {
    this.serverless = serverless;
    serverless.configSchemaHandler.defineCustomProperties({
      type: 'object',
      properties: {
        methodThrottling: {
          type: 'array',
          items: {
            type: 'object',
            required: ['path', 'method', 'rateLimit', 'burstLimit'],
            properties: { path: { type: 'string' }, method: { type: 'string' } },
          },
        },
      },
    });
    this.hooks = {
      // After the API's resources are compiled, before the template is written (package and deploy alike).
      'before:aws:package:finalize:saveServiceState': () => this.addMethodSettings(),
    };
  }

  addMethodSettings() {
    const settings = this.serverless.service.custom?.methodThrottling;
    if (!settings || settings.length === 0) return;
    const template = this.serverless.service.provider.compiledCloudFormationTemplate;
    const deployments = Object.values(template.Resources).filter((r) => r.Type === 'AWS::ApiGateway::Deployment');
    if (deployments.length === 0) throw new Error('method-throttling: the template has no API Gateway deployment');
    const methodSettings = settings.map(({ path, method, rateLimit, burstLimit }) => ({
      // CloudFormation: "/resource/subresource must be encoded as /~1resource~1subresource".
      ResourcePath: `/${`/${path.replace(/^\/+/, '')}`.replaceAll('/', '~1')}`,
      HttpMethod: method.toUpperCase(),
      ThrottlingRateLimit: rateLimit,
      ThrottlingBurstLimit: burstLimit,
    }));
    for (const deployment of deployments) {
      const description = deployment.Properties.StageDescription ?? {};
      description.MethodSettings = [...(description.MethodSettings ?? []), ...methodSettings];
      deployment.Properties.StageDescription = description;
    }
  }
}

module.exports = MethodThrottling;
