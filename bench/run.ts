// `npm run bench`: runs the benchmark once and prints each figure beside its target. Writes
// bench/results.json and the results table in docs/benchmark.md unless told otherwise.
//   (no size flag)         about 6 minutes: every figure with a target, capacity at 300 and 3,000 open
//   --full                 about 13 minutes: the full capacity table (300, 3,000, 10,000 open, triage on and off)
//   --tiny                 about a minute, small sizes (what test/deploy/bench.test.ts runs); writes only with --out
//   --out <file>           write the results there instead of bench/results.json
//   --no-write             write nothing (neither results.json nor docs/benchmark.md)
//   --no-readme            leave docs/benchmark.md alone (the name is older than the page)

import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runBench } from './bench';
import { ROOT } from './build';
import { machine, machineLine, textTable, updateResultsPage, writeResults } from './report';

const { values } = parseArgs({
  options: {
    tiny: { type: 'boolean' },
    full: { type: 'boolean' },
    out: { type: 'string' },
    'no-write': { type: 'boolean' },
    'no-readme': { type: 'boolean' },
  },
});
// A tiny run's figures mean little: it never replaces the committed ones.
if (values.tiny && values.full) throw new Error('bench: --tiny or --full, not both');
const write = !values['no-write'] && (!values.tiny || values.out !== undefined);
const results = await runBench({
  size: values.tiny ? 'tiny' : values.full ? 'full' : 'default',
  progress: (line) => process.stderr.write(`  ${line}\n`),
});
const m = machine();
process.stdout.write(`\n${machineLine(m, results)}\n\n${textTable(results.figures)}\n\n`);
if (write) {
  const out = values.out ?? join(ROOT, 'bench', 'results.json');
  await writeResults(out, results, m);
  process.stdout.write(`results: ${out}\n`);
  if (!values['no-readme'] && !values.tiny && values.out === undefined) {
    await updateResultsPage(join(ROOT, 'docs', 'benchmark.md'), results, m);
    process.stdout.write('docs/benchmark.md: results table updated\n');
  }
}
const judged = results.figures.filter((f) => f.status !== 'INFO');
const missed = judged.filter((f) => f.status === 'MISS');
process.stdout.write(
  `${judged.length - missed.length} of ${judged.length} targets met${missed.length > 0 ? `; missed: ${missed.map((f) => `${f.scenario}: ${f.name}`).join('; ')}` : ''}\n`,
);
