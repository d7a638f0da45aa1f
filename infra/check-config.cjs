// A local osls plugin: before packaging (`npm run package`, and so `npm run deploy`), each function's
// environment as the stack will set it goes through the loader the function runs at cold start
// (infra/check-config.ts, in a child process: lib/config.ts is TypeScript). A configuration the code
// would refuse fails here, with the loader's message naming the variable, instead of at every cold start.
'use strict';

const { spawnSync } = require('node:child_process');
const path = require('node:path');

class CheckConfig {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { 'before:package:initialize': () => this.check() };
  }

  check() {
    const service = this.serverless.service;
    const shared = service.provider.environment || {};
    const functions = {};
    for (const name of service.getAllFunctions()) {
      functions[name] = { ...shared, ...(service.getFunction(name).environment || {}) };
    }
    const script = path.join(this.serverless.serviceDir, 'infra', 'check-config.ts');
    const result = spawnSync(process.execPath, ['--import', 'tsx', script], {
      cwd: this.serverless.serviceDir,
      input: JSON.stringify({ functions }),
      encoding: 'utf8',
    });
    if (result.status !== 0) {
      const detail = (result.stderr || String(result.error || '')).trim();
      throw new this.serverless.classes.Error(
        `The functions would refuse this configuration at cold start:\n${detail}`,
      );
    }
  }
}

module.exports = CheckConfig;
