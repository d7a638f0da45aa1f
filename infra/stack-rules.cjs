// A local osls plugin: puts the `Rules` of `custom.stackRules` into the packaged CloudFormation template.
// osls 4.3.1's `resources:` schema has no `Rules` section, but CloudFormation's Rules are the way to refuse
// a deploy whose parameters are wrong before anything changes (here: a missing ZEGO AppId), and they let
// the template carry a default that its own AllowedPattern accepts, so that cfn-lint passes.
'use strict';

class StackRules {
  constructor(serverless) {
    this.serverless = serverless;
    serverless.configSchemaHandler.defineCustomProperties({
      type: 'object',
      properties: {
        stackRules: { type: 'object', additionalProperties: { type: 'object', required: ['Assertions'] } },
      },
    });
    this.hooks = {
      // After the custom resources are merged, before the template is written (package and deploy alike).
      'before:aws:package:finalize:saveServiceState': () => this.addRules(),
    };
  }

  addRules() {
    const rules = this.serverless.service.custom?.stackRules;
    if (!rules) return;
    const template = this.serverless.service.provider.compiledCloudFormationTemplate;
    template.Rules = { ...(template.Rules || {}), ...rules };
  }
}

module.exports = StackRules;
