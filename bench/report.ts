// The benchmark's outputs: a table on the terminal, bench/results.json, and the results table in
// docs/benchmark.md between <!-- bench:start --> and <!-- bench:end -->.
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import type { BenchResults } from './bench';
import { type Figure, formatTarget, formatValue } from './figures';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
}

export function machine(): Machine {
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

export function machineLine(m: Machine, results: Pick<BenchResults, 'startedAt' | 'durationSeconds' | 'size'>): string {
  return `${results.startedAt.slice(0, 10)} · ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB · Node ${m.node} (${m.platform}) · ${results.size} size, ${results.durationSeconds.toFixed(0)} s`;
}

export function textTable(figures: Figure[]): string {
  const rows = figures.map((f) => [f.scenario, f.name, formatValue(f), formatTarget(f), f.status]);
  const head = ['scenario', 'figure', 'value', 'target / bound', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  let previous = '';
  return [
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => {
      const shown = r[0] === previous ? '' : r[0]!;
      previous = r[0]!;
      return line([shown, ...r.slice(1)]);
    }),
  ].join('\n');
}

export function markdownTable(figures: Figure[]): string {
  const cell = (text: string) => text.replaceAll('|', '\\|');
  let previous = '';
  const rows = figures.map((f) => {
    const scenario = f.scenario === previous ? '' : `**${f.scenario}**`;
    previous = f.scenario;
    const status = f.status === 'INFO' ? '' : f.status === 'PASS' ? 'pass' : '**MISS**';
    return `| ${cell(scenario)} | ${cell(f.name)} | ${cell(formatValue(f))} | ${cell(formatTarget(f))} | ${status} |`;
  });
  return ['| scenario | figure | value | target / bound | |', '|---|---|---|---|---|', ...rows].join('\n');
}

export async function writeResults(path: string, results: BenchResults, m: Machine): Promise<void> {
  const { figures, scenarios, ...run } = results;
  await writeFile(path, `${JSON.stringify({ machine: m, ...run, figures, scenarios }, null, 2)}\n`);
}

const START = '<!-- bench:start -->';
const END = '<!-- bench:end -->';

/** Replaces what lies between the markers of the results page; the rest of the page is left as it is. */
export async function updateResultsPage(path: string, results: BenchResults, m: Machine): Promise<void> {
  const page = await readFile(path, 'utf8');
  const start = page.indexOf(START);
  const end = page.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${path} has no ${START} … ${END} markers`);
  const block = [START, '', `Last run: ${machineLine(m, results)}.`, '', markdownTable(results.figures), '', END].join(
    '\n',
  );
  await writeFile(path, page.slice(0, start) + block + page.slice(end + END.length));
}
