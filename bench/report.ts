/**
 * The bench's output: a table for people, then one JSON line per figure for machines. Goals are reported
 * against, never asserted: a missed goal is a finding, not a failure of the run.
 */
export type Figure = Readonly<{
  figure: string;
  value: number | null;
  unit: string;
  /** The target in the figure's own unit; null for figures shown for information. */
  goal: number | null;
  /** Which side of the goal is good. */
  better?: 'higher' | 'lower';
  /** Throughputs only: the value over the raw single-row insert rate of the same database at the same concurrency. */
  ratio?: number | null;
  note?: string;
}>;

export function met(figure: Figure): boolean | null {
  if (figure.goal === null || figure.value === null || !Number.isFinite(figure.value)) return null;
  return figure.better === 'higher' ? figure.value >= figure.goal : figure.value <= figure.goal;
}

export function jsonLine(figure: Figure): string {
  return JSON.stringify({
    figure: figure.figure,
    value: figure.value,
    unit: figure.unit,
    goal: figure.goal,
    ratio: figure.ratio ?? null,
    met: met(figure),
  });
}

const format = (value: number | null | undefined): string => {
  if (value === null || value === undefined || !Number.isFinite(value)) return '-';
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(Math.abs(value) >= 10 ? 1 : 2);
};

export function table(figures: readonly Figure[]): string {
  const header = ['figure', 'value', 'unit', 'goal', 'ratio', 'met', 'note'];
  const rows = figures.map((f) => {
    const verdict = met(f);
    const goal = f.goal === null ? '-' : `${f.better === 'higher' ? '>=' : '<='} ${format(f.goal)}`;
    return [f.figure, format(f.value), f.unit, goal, format(f.ratio), verdict === null ? '' : verdict ? 'yes' : 'NO', f.note ?? ''];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, i) => (i === 1 || i === 3 || i === 4 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join(' | ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-+-'), ...rows.map(line)].join('\n');
}
