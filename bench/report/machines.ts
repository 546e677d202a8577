import type { Env, Machine, ResultCell, ResultFile } from '../../results/schema.ts';
import { cellName } from '../../results/cell-name.ts';
import { describeDifference, machineDifferences, type RunDifference } from './run-differences.ts';

/**
 * Which machine each cell of a result ran on. A run, or a merge of shards from one machine, has
 * one (env); a merge of shards from different machines lists them (environments, cell → machine).
 * Absolute figures (req/s, ms) compare only within one machine; ratios against each machine's own
 * untraced cells hold across them.
 */
export function machinesOf(result: ResultFile): Machine[] {
  return result.environments ?? [{ env: result.env, cells: result.cells.map(cellName) }];
}

/** The environment a cell was measured in. */
export function machineOf(result: ResultFile, cell: ResultCell): Env {
  const name = cellName(cell);
  return result.environments?.find((machine) => machine.cells.includes(name))?.env ?? result.env;
}

/** The machines the given cells ran on, each with those of the cells that ran there. */
export function machinesOfCells(result: ResultFile, cells: readonly ResultCell[]): { env: Env; cells: ResultCell[] }[] {
  const byMachine = new Map<Env, ResultCell[]>();
  for (const cell of cells) {
    const env = machineOf(result, cell);
    byMachine.set(env, [...(byMachine.get(env) ?? []), cell]);
  }
  return [...byMachine].map(([env, machineCells]) => ({ env, cells: machineCells }));
}

/** `Intel Xeon ..., 2 cores`: a machine in a few words. */
export function describeMachine(env: Env): string {
  return `${env.cpuModel}, ${env.cpus} cores`;
}

/**
 * What ran on a machine, in words: the scenarios it ran whole, and `scenario (k of n cells)` for
 * one it shared with another machine.
 */
export function describeMachineCells(result: ResultFile, cells: readonly ResultCell[]): string {
  const scenarios = [...new Set(cells.map((cell) => cell.scenario))];
  return scenarios
    .map((scenario) => {
      const here = cells.filter((cell) => cell.scenario === scenario).length;
      const all = result.cells.filter((cell) => cell.scenario === scenario).length;
      return here === all ? scenario : `${scenario} (${here} of ${all} cells)`;
    })
    .join(', ');
}

/** The sentence every chart, report and comparison of a several-machine result carries. */
export const ACROSS_MACHINES =
  "absolute figures (req/s, ms) compare only within one machine; ratios against each machine's own untraced cells hold across them";

/**
 * How two results' machines differ, cell by matched cell: a merged file's cells are each compared
 * with the machine they ran on, not with the first shard's. Each difference once.
 */
export function cellMachineDifferences(base: ResultFile, head: ResultFile): RunDifference[] {
  const headCells = new Map(head.cells.map((cell) => [cellName(cell), cell]));
  const differences = base.environments || head.environments ? [] : machineDifferences(base.env, head.env);
  for (const cell of base.cells) {
    const headCell = headCells.get(cellName(cell));
    if (!headCell) continue;
    if (base.environments || head.environments) differences.push(...machineDifferences(machineOf(base, cell), machineOf(head, headCell)));
    // Same --node value, another binary (system on two machines, or a re-pinned package).
    if (cell.nodeVersion !== headCell.nodeVersion) differences.push({ field: `Node ${cell.node}`, first: cell.nodeVersion, second: headCell.nodeVersion });
  }
  const unique = new Map(differences.map((difference) => [describeDifference(difference), difference]));
  return [...unique.values()];
}

/** One sentence per side whose cells ran on several machines: which ran where. */
export function severalMachinesNotes(side: string, result: ResultFile): string[] {
  if (!result.environments) return [];
  const where = machinesOfCells(result, result.cells).map(({ env, cells }) => `${describeMachineCells(result, cells)} on ${describeMachine(env)}`);
  return [`${side} ran on ${where.length} machines (${where.join('; ')}): ${ACROSS_MACHINES}`];
}
