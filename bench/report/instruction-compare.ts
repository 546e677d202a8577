import type { RequestCell, RequestInstructionResult } from '../../results/request-instruction-schema.ts';
import { nodeTag, tracerTag } from '../../results/cell-name.ts';
import { shortCommit } from '../common/format.ts';
import { relativeChangePercent } from '../stats/stats.ts';
import { renderMarkdownTable } from '../common/markdown-table.ts';
import { renderTable } from '../common/table.ts';

/**
 * compare for whole-request instruction counts (npm run bench -- --instructions): per cell, the
 * change in instructions (and heap bytes) per request. Counts repeat within a fraction of a
 * percent whatever the host does, so every cell can carry a verdict: `slower` / `faster` where the
 * change exceeds both the noise band (the larger spread of the two files' repeats) and
 * --threshold; the exit code is 1 on any slower cell, and on a cell base counted and head could not.
 * Bytes per request are information.
 */

export type InstructionVerdict = 'slower' | 'faster' | 'no difference' | 'not counted' | 'only in base' | 'only in head';

export interface InstructionCellComparison {
  cell: string;
  base: number | null;
  head: number | null;
  changePercent: number | null;
  /** How far each file's repeats moved the figure, the larger of the two (percent). */
  bandPercent: number | null;
  /** The smallest change this comparison calls: the band or the threshold, whichever is larger. */
  resolvablePercent: number | null;
  verdict: InstructionVerdict;
  bytesChangePercent: number | null;
  /** Why a cell was not counted, where one side refused it. */
  note: string | null;
}

export interface InstructionComparison {
  kind: 'request-instructions';
  baseFile: string;
  headFile: string;
  thresholdPercent: number;
  cells: InstructionCellComparison[];
  warnings: string[];
  /** Cells that fail the exit code: slower, or not counted in head. */
  regressions: InstructionCellComparison[];
}

/** `plain-json close-listener/sentry-static node24`: scenario first, so that a sorted table groups by scenario. */
export const cellKey = (cell: RequestCell): string => `${cell.scenario} ${cell.label}/${tracerTag(cell)} ${nodeTag(cell.node)}`;

function compareCell(key: string, base: RequestCell | undefined, head: RequestCell | undefined, thresholdPercent: number): InstructionCellComparison {
  const empty = { cell: key, base: base?.perRequest?.mean ?? null, head: head?.perRequest?.mean ?? null, changePercent: null, bandPercent: null, resolvablePercent: null, bytesChangePercent: null };
  if (!base) return { ...empty, verdict: 'only in head', note: null };
  if (!head) return { ...empty, verdict: 'only in base', note: null };
  if (!base.perRequest || !head.perRequest || !base.bytesPerRequest || !head.bytesPerRequest) {
    const refused = [base.refused && `base: ${base.refused}`, head.refused && `head: ${head.refused}`].filter(Boolean).join('; ');
    return { ...empty, verdict: 'not counted', note: refused || 'no figure' };
  }
  const changePercent = relativeChangePercent(base.perRequest.mean, head.perRequest.mean);
  if (changePercent === null) return { ...empty, verdict: 'not counted', note: 'base: no instructions per request' };
  const bandPercent = Math.max(base.perRequest.spreadPercent, head.perRequest.spreadPercent);
  const resolvablePercent = Math.max(bandPercent, thresholdPercent);
  const verdict: InstructionVerdict = changePercent > resolvablePercent ? 'slower' : changePercent < -resolvablePercent ? 'faster' : 'no difference';
  return {
    cell: key,
    base: base.perRequest.mean,
    head: head.perRequest.mean,
    changePercent,
    bandPercent,
    resolvablePercent,
    verdict,
    bytesChangePercent: relativeChangePercent(base.bytesPerRequest.mean, head.bytesPerRequest.mean),
    note: null,
  };
}

/** What differs between the runs in ways that move instruction counts (the host's CPU and load do not). */
function differences(base: RequestInstructionResult, head: RequestInstructionResult): string[] {
  const warnings: string[] = [];
  const versions = (result: RequestInstructionResult): string => [...new Set(result.cells.map((cell) => `${cell.node}=${cell.nodeVersion}`))].sort().join(', ');
  if (versions(base) !== versions(head)) warnings.push(`the servers ran on other Node versions (base ${versions(base)}, head ${versions(head)})`);
  if (base.config.nodeFlags.join(' ') !== head.config.nodeFlags.join(' ')) warnings.push('the servers ran with other Node flags');
  const serverArgs = (result: RequestInstructionResult): string => result.config.serverArgs?.join(' ') || 'none';
  if (serverArgs(base) !== serverArgs(head)) warnings.push(`the servers were counted with other flags of their own (base ${serverArgs(base)}, head ${serverArgs(head)})`);
  if (base.config.valgrind !== head.config.valgrind) warnings.push(`counted by another valgrind (base ${base.config.valgrind}, head ${head.config.valgrind})`);
  if (JSON.stringify(base.config.plans) !== JSON.stringify(head.config.plans)) warnings.push('the runs counted other requests per window');
  const packages = new Set([...Object.keys(base.env.packages), ...Object.keys(head.env.packages)]);
  for (const name of [...packages].sort()) {
    if (base.env.packages[name] !== head.env.packages[name]) warnings.push(`${name}: base ${base.env.packages[name] ?? 'absent'}, head ${head.env.packages[name] ?? 'absent'}`);
  }
  for (const [side, result] of [['base', base], ['head', head]] as const) {
    if (result.calibration && !result.calibration.pass) warnings.push(`${side}'s known-loop check failed (${result.calibration.ratio.toFixed(4)}): its counts are not trusted`);
    if (!result.complete) warnings.push(`${side} is incomplete`);
  }
  return warnings;
}

export function compareInstructionResults(
  base: RequestInstructionResult,
  head: RequestInstructionResult,
  { thresholdPercent, baseFile, headFile }: { thresholdPercent: number; baseFile: string; headFile: string },
): InstructionComparison {
  const baseCells = new Map(base.cells.map((cell) => [cellKey(cell), cell]));
  const headCells = new Map(head.cells.map((cell) => [cellKey(cell), cell]));
  const keys = [...new Set([...baseCells.keys(), ...headCells.keys()])];
  const cells = keys.map((key) => compareCell(key, baseCells.get(key), headCells.get(key), thresholdPercent));
  const headUntrusted = head.calibration !== null && !head.calibration.pass;
  // A cell head could not count fails only where base counted it: one that neither file could
  // count (its windows drift in every process) is information, or the gate would always fail.
  const countedInBase = (key: string): boolean => baseCells.get(key)?.perRequest != null;
  const regressions = cells.filter(
    (cell) => cell.verdict === 'slower' || (cell.verdict === 'not counted' && countedInBase(cell.cell) && !headCells.get(cell.cell)?.perRequest) || cell.verdict === 'only in base',
  );
  if (headUntrusted) regressions.push({ cell: 'known-loop check', base: null, head: null, changePercent: null, bandPercent: null, resolvablePercent: null, verdict: 'not counted', bytesChangePercent: null, note: 'head failed it' });
  return { kind: 'request-instructions', baseFile, headFile, thresholdPercent, cells, warnings: differences(base, head), regressions };
}

export const instructionComparisonExitCode = (comparison: InstructionComparison): number => (comparison.regressions.length > 0 ? 1 : 0);

const HEADER = ['cell', 'base M instr/req', 'head M instr/req', 'change', 'resolves', 'verdict', 'bytes/req change'];
const signed = (value: number | null, digits = 2): string => (value === null ? '-' : `${value >= 0 ? '+' : ''}${value.toFixed(digits)} %`);
const millions = (value: number | null): string => (value === null ? '-' : (value / 1e6).toFixed(3));

function rows(comparison: InstructionComparison): string[][] {
  return comparison.cells.map((cell) => [
    cell.cell,
    millions(cell.base),
    millions(cell.head),
    signed(cell.changePercent),
    cell.resolvablePercent === null ? '-' : `±${cell.resolvablePercent.toFixed(2)} %`,
    cell.note ? `${cell.verdict} (${cell.note})` : cell.verdict,
    signed(cell.bytesChangePercent, 1),
  ]);
}

function rule(comparison: InstructionComparison): string {
  return (
    `instructions per request counted through the real server under valgrind; a cell is slower or faster only where the change exceeds both its noise band ` +
    `(the larger spread of the two files' repeats) and --threshold ${comparison.thresholdPercent} % ("resolves": the larger of the two). ` +
    'Every slower cell, and every cell base counted and head could not, fails the exit code; bytes per request, and cells neither file could count, are information.'
  );
}

function verdictLine(comparison: InstructionComparison): string {
  const slower = comparison.cells.filter((cell) => cell.verdict === 'slower').length;
  const faster = comparison.cells.filter((cell) => cell.verdict === 'faster').length;
  if (comparison.regressions.length === 0) return `no regression: ${faster} cell(s) faster, ${comparison.cells.length - faster} no difference or not gated`;
  return `regression: ${slower} cell(s) slower, ${comparison.regressions.length - slower} not counted in head; ${faster} faster`;
}

const describe = (file: string, result: RequestInstructionResult): string => `${file} (commit ${shortCommit(result.env.gitCommit)}, ${result.createdAt.slice(0, 16).replace('T', ' ')} UTC)`;

export function renderInstructionComparisonText(comparison: InstructionComparison, base: RequestInstructionResult, head: RequestInstructionResult): string {
  return [
    `base: ${describe(comparison.baseFile, base)}`,
    `head: ${describe(comparison.headFile, head)}`,
    ...comparison.warnings.map((warning) => `warning: ${warning}`),
    '',
    renderTable(HEADER, rows(comparison)),
    '',
    rule(comparison),
    verdictLine(comparison),
  ].join('\n');
}

export function renderInstructionComparisonMarkdown(comparison: InstructionComparison, base: RequestInstructionResult, head: RequestInstructionResult): string {
  const changed = comparison.cells.filter((cell) => cell.verdict !== 'no difference');
  return `${[
    '### streamtrace-bench: instructions per request, head vs base',
    `**base** ${describe(comparison.baseFile, base)} · **head** ${describe(comparison.headFile, head)}`,
    ...comparison.warnings.map((warning) => `> **Warning:** ${warning}`),
    `**${verdictLine(comparison)}**`,
    ...(changed.length > 0 ? [renderMarkdownTable(HEADER, rows({ ...comparison, cells: changed }))] : []),
    `<details><summary>All ${comparison.cells.length} cells</summary>\n\n${renderMarkdownTable(HEADER, rows(comparison))}\n\n</details>`,
    `<sub>${rule(comparison)}</sub>`,
  ].join('\n\n')}\n`;
}
