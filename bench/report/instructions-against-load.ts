import type { RequestInstructionResult } from '../../results/request-instruction-schema.ts';
import type { ResultFile } from '../../results/schema.ts';
import { renderMarkdownTable } from '../common/markdown-table.ts';
import { spearman } from '../stats/rank-correlation.ts';
import { overheadRatio } from './request-overhead.ts';

/**
 * Instructions per request (the real server under valgrind, --jitless) beside the load run's
 * wall-clock CPU per request (the JIT, under load), cell by cell, and how well the one ranks the
 * cells as the other does (Spearman), over all cells and within each scenario.
 */

export interface AgainstLoadRow {
  scenario: string;
  cell: string;
  instructions: number;
  instructionRatio: number | null;
  cpuMsPerRequest: number;
  cpuRatio: number | null;
}

export interface AgainstLoad {
  rows: AgainstLoadRow[];
  /** Over every matched cell: instructions per request against CPU ms per request. */
  overall: number | null;
  /** Within each scenario, where the cells differ only by strategy and tracer. */
  byScenario: Record<string, number | null>;
  /** Traced cells' ratios over untraced, against each other. */
  overheads: number | null;
}

export function instructionsAgainstLoad(instructions: RequestInstructionResult, load: ResultFile): AgainstLoad {
  const loadCell = (strategy: string, tracer: string, scenario: string, node: string) =>
    load.cells.find((cell) => cell.label === strategy && cell.tracer === tracer && cell.scenario === scenario && cell.node === node);
  const rows: AgainstLoadRow[] = [];
  for (const cell of instructions.cells) {
    const measured = loadCell(cell.label, cell.tracer, cell.scenario, cell.node);
    const cpu = measured?.summary.cpuMsPerRequest?.median;
    if (!cell.perRequest || cpu === undefined || cpu === null) continue;
    const untraced = loadCell('untraced', 'none', cell.scenario, cell.node)?.summary.cpuMsPerRequest?.median;
    rows.push({
      scenario: cell.scenario,
      cell: `${cell.label} / ${cell.tracer}`,
      instructions: cell.perRequest.mean,
      instructionRatio: overheadRatio(instructions, cell),
      cpuMsPerRequest: cpu,
      cpuRatio: untraced ? cpu / untraced : null,
    });
  }
  const correlate = (subset: AgainstLoadRow[]): number | null => spearman(subset.map((row) => row.instructions), subset.map((row) => row.cpuMsPerRequest));
  const scenarios = [...new Set(rows.map((row) => row.scenario))];
  const traced = rows.filter((row) => row.instructionRatio !== null && row.cpuRatio !== null && !row.cell.startsWith('untraced'));
  return {
    rows,
    overall: correlate(rows),
    byScenario: Object.fromEntries(scenarios.map((scenario) => [scenario, correlate(rows.filter((row) => row.scenario === scenario))])),
    overheads: spearman(traced.map((row) => row.instructionRatio!), traced.map((row) => row.cpuRatio!)),
  };
}

const rho = (value: number | null): string => (value === null ? 'n/a' : value.toFixed(2));

export function renderAgainstLoadMarkdown(against: AgainstLoad, loadFile: string): string {
  const table = renderMarkdownTable(
    ['scenario', 'strategy / tracer', 'M instr/request', 'vs untraced (instr)', 'CPU ms/request (load)', 'vs untraced (CPU)'],
    against.rows.map((row) => [
      row.scenario,
      row.cell,
      (row.instructions / 1e6).toFixed(2),
      row.instructionRatio === null ? '-' : `${row.instructionRatio.toFixed(2)}x`,
      row.cpuMsPerRequest.toFixed(3),
      row.cpuRatio === null ? '-' : `${row.cpuRatio.toFixed(2)}x`,
    ]),
  );
  const byScenario = Object.entries(against.byScenario).map(([scenario, value]) => `${scenario} ${rho(value)}`).join(', ');
  return [
    `## Instructions against the load run's CPU per request (${loadFile})`,
    table,
    `Spearman rank correlation of instructions per request with CPU ms per request: ${rho(against.overall)} over ${against.rows.length} cells; within each scenario: ${byScenario}; of the traced cells' ratios over untraced: ${rho(against.overheads)}.`,
  ].join('\n\n');
}
