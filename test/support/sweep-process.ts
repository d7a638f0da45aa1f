// Runs the real sweep handler in an OS process of its own (test/support/run-sweep.ts), as a second Lambda
// container would, and resolves with the summary it prints.
import { spawn } from 'node:child_process';
import type { SweepSummary } from '../../lib/sweep/summary';
import { readSummaryLine } from './summary-line';

export function runSweepInProcess(
  env: NodeJS.ProcessEnv,
  remainingMs: number,
  event: unknown = {},
): Promise<SweepSummary> {
  return new Promise<SweepSummary>((resolve, reject) => {
    const args = ['--import', 'tsx', 'test/support/run-sweep.ts', String(remainingMs), JSON.stringify(event)];
    const child = spawn(process.execPath, args, {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const summary = readSummaryLine(out);
      if (code !== 0 || summary === undefined) reject(new Error(`sweep process exited ${code}: ${err.slice(-2000)}`));
      else resolve(summary);
    });
  });
}
