// The packaged sweep bundle, run for real: sweep.zip's bundle alone in a folder with no node_modules, started
// in a fresh Node process as a Lambda cold start would be, sweeps a task against the local stack (dynalite,
// the ZEGO simulator, a wire-level SNS endpoint; test/support/local-stack.ts). The zip is the one packaged
// once by the global setup (test/support/global-setup.ts).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { zegoFile } from '../../infra/local/zego-simulator';
import { startLocalStack } from '../support/local-stack';
import { readSummaryLine, SUMMARY_PREFIX } from '../support/summary-line';
import { loadTemplate } from '../support/template';
import { unzip } from '../support/zip';

const { outDir } = loadTemplate();

describe('the packaged sweep bundle', () => {
  it('runs a real sweep from a folder with no node_modules, against the local stack', async () => {
    // Prepare: the bundle alone in an empty folder (nothing to resolve but Node's built-ins), and a task
    // that ZEGO reports finished.
    const entries = unzip(await readFile(join(outDir, 'sweep.zip')));
    const bundleDir = await mkdtemp(join(tmpdir(), 'recwatch-bundle-'));
    const bundlePath = join(bundleDir, 'sweep.mjs');
    await writeFile(bundlePath, entries.get('functions/sweep.mjs')!);
    const stack = await startLocalStack();
    try {
      stack.zego.setTask('bundle-1', {
        Status: 3,
        RecordBeginTimestamp: Date.now() - 1000,
        RecordFiles: [zegoFile({ status: 3 })],
      });
      await stack.track('bundle-1');
      const script = `const { handler } = await import(${JSON.stringify(pathToFileURL(bundlePath).href)});
        const deadline = Date.now() + 20000;
        const summary = await handler({}, { awsRequestId: 'bundle-run', getRemainingTimeInMillis: () => deadline - Date.now() });
        console.log(${JSON.stringify(SUMMARY_PREFIX)} + JSON.stringify(summary));`;

      // Act: a fresh node process, as a Lambda cold start would be.
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
        cwd: bundleDir,
        env: { PATH: process.env.PATH ?? '', ...stack.sweepEnv() },
        timeout: 30_000,
      });

      // Assess
      const summary = readSummaryLine(stdout);
      expect(summary).toMatchObject({ checked: 1, published: 1 });
      expect(stack.sns.published()).toHaveLength(1);
      expect((await stack.store.get('bundle-1'))?.state).toBe('COMPLETED');
    } finally {
      await stack.close();
      await rm(bundleDir, { recursive: true, force: true });
    }
  });
});
