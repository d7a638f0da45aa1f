// A figure: one measured number beside its target (or its bound, or nothing: then it is information).
export interface Target {
  op: '<=' | '>=';
  value: number;
}

export interface Figure {
  scenario: string;
  name: string;
  value: number;
  unit: string;
  /** Digits after the point when printed. */
  digits: number;
  target?: Target;
  /** Shown instead of the target when there is none (a contract floor, a bound the target derives from…). */
  note?: string;
  status: 'PASS' | 'MISS' | 'INFO';
}

export function figure(
  scenario: string,
  name: string,
  value: number,
  unit: string,
  digits: number,
  target?: Target,
  note?: string,
): Figure {
  const status =
    target === undefined
      ? 'INFO'
      : (target.op === '<=' ? value <= target.value : value >= target.value)
        ? 'PASS'
        : 'MISS';
  return { scenario, name, value, unit, digits, ...(target ? { target } : {}), ...(note ? { note } : {}), status };
}

export const atMost = (value: number): Target => ({ op: '<=', value });
export const atLeast = (value: number): Target => ({ op: '>=', value });

export function formatValue(f: Pick<Figure, 'value' | 'unit' | 'digits'>): string {
  if (!Number.isFinite(f.value)) return 'n/a';
  const number = f.value.toLocaleString('en-US', { minimumFractionDigits: f.digits, maximumFractionDigits: f.digits });
  return f.unit === '' ? number : f.unit === '×' ? `${number}×` : `${number} ${f.unit}`;
}

export function formatTarget(f: Figure): string {
  const target = f.target ? `${f.target.op === '<=' ? '≤' : '≥'} ${formatValue({ ...f, value: f.target.value })}` : '';
  return [target, f.note].filter(Boolean).join('; ');
}
