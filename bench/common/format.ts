/**
 * Number formatting shared by compare and report, so a figure reads the same in a terminal, a
 * PR comment and a chart.
 */

/** About three significant digits, whatever the scale: 12345, 123.4, 1.234, 0.0123. */
export function formatFigure(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '-';
  const magnitude = Math.abs(value);
  const digits = magnitude >= 100 || magnitude === 0 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3;
  return value.toFixed(digits);
}

/** `median [low, high]`, or `-` without a figure. */
export function formatWithInterval(median: number | null, ci95: readonly [number, number] | null): string {
  if (median === null) return '-';
  return ci95 ? `${formatFigure(median)} [${formatFigure(ci95[0])}, ${formatFigure(ci95[1])}]` : formatFigure(median);
}

/** A percentage already in percent, signed: `+4.2 %`, `-20.0 %` (or another unit: `+3.0 points`). */
export function formatSignedPercent(percent: number | null, unit = ' %'): string {
  if (percent === null || !Number.isFinite(percent)) return 'n/a';
  const sign = percent > 0 ? '+' : percent < 0 ? '-' : '±';
  return `${sign}${Math.abs(percent).toFixed(1)}${unit}`;
}

/** A fraction as a percentage: 0.973 → `97.3 %`. */
export function formatFractionPercent(fraction: number | null, digits = 1): string {
  return fraction === null ? '-' : `${(fraction * 100).toFixed(digits)} %`;
}

/** A paired figure's mean with its interval as signed percentages: `+5.0 % [+3.1 %, +7.2 %]`. */
export function formatFractionWithInterval(figure: { mean: number; ci95: readonly [number, number] | null } | null): string {
  if (!figure) return '-';
  const interval = figure.ci95 ? ` [${formatSignedPercent(figure.ci95[0] * 100)}, ${formatSignedPercent(figure.ci95[1] * 100)}]` : '';
  return `${formatSignedPercent(figure.mean * 100)}${interval}`;
}

/** The first 7 characters of a commit, or `no commit`. */
export function shortCommit(commit: string | null): string {
  return commit ? commit.slice(0, 7) : 'no commit';
}

/** A p-value in a sentence: 0.037, 2.1e-5. */
export function formatPValue(p: number): string {
  return p < 0.0001 ? p.toExponential(1) : p.toPrecision(2);
}
