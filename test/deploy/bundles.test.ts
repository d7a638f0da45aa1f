// What each function's zip holds (the bundles serverless-esbuild builds, custom.esbuild in serverless.yml):
// one self-contained, minified ES module per function that imports nothing but Node's built-ins, with no
// source map and under a size tripwire. Read from the zips packaged once by the global setup
// (test/support/global-setup.ts); packaged-sweep.test.ts runs one of them.
import { readFile, stat } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { loadTemplate } from '../support/template';
import { unzip } from '../support/zip';

const { outDir, resource } = loadTemplate();

describe('function bundles', () => {
  it.each(['sweep', 'track', 'lookup', 'callback'])(
    '%s is packaged as one self-contained, minified ES module bundle',
    async (name) => {
      // Act: the function's code in the template.
      const fn = resource(`${name[0]!.toUpperCase()}${name.slice(1)}LambdaFunction`, 'AWS::Lambda::Function');
      const key = (fn.Properties.Code as { S3Key: string }).S3Key;

      // Assess
      expect(key).toMatch(new RegExp(`/${name}\\.zip$`));

      // Act + Assess: its zip holds the one module.
      const zipPath = join(outDir, `${name}.zip`);
      expect((await stat(zipPath)).isFile()).toBe(true);
      const entries = unzip(await readFile(zipPath));
      expect([...entries.keys()]).toEqual([`functions/${name}.mjs`]);

      // Act: the module.
      const bundle = entries.get(`functions/${name}.mjs`)!.toString('utf8');

      // Assess
      expect(bundle.startsWith('import { createRequire')).toBe(true);
      expect(bundle).toMatch(/export\s*\{[^}]*\bas handler\b[^}]*\}/);

      // Act: bundled, not left for the runtime to resolve: the bundle imports nothing but Node's built-ins, so
      // the AWS SDK inside is the locked version the tests ran, not the one the Lambda runtime ships.
      // esbuild parses it (a regex would trip over import-like text in the SDK's error messages).
      const analysis = await build({
        stdin: { contents: bundle, loader: 'js', sourcefile: `${name}.mjs` },
        bundle: true,
        write: false,
        metafile: true,
        platform: 'node',
        format: 'esm',
        packages: 'external',
        logLevel: 'silent',
      });
      const imported = Object.values(analysis.metafile.inputs).flatMap((input) => input.imports.map((i) => i.path));

      // Assess
      expect(imported.length).toBeGreaterThan(0);
      expect(imported.filter((name) => !isBuiltin(name))).toEqual([]);
      // Minified (long lines; unminified code averages well under 100 characters a line), no source map.
      // 3 MB is a tripwire for an unminified or doubled bundle.
      expect(bundle.length / bundle.split('\n').length).toBeGreaterThan(1000);
      expect(bundle).not.toContain('sourceMappingURL');
      expect(bundle.length).toBeLessThan(3 * 1024 * 1024);
    },
  );
});
