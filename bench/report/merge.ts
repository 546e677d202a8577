import type { Calibration, Machine, ResultFile } from '../../results/schema.ts';
import { cellName } from '../../results/cell-name.ts';
import { UsageError } from '../common/cli.ts';
import { shortCommit } from '../common/format.ts';
import { machinesOf } from './machines.ts';
import { configDifferences, describeDifference, hardwareDifferences, softwareDifferences } from './run-differences.ts';

/** A result file and the path it was read from, to name it in a refusal. */
export interface Shard {
  file: string;
  result: ResultFile;
}

/**
 * Combines shards of one run (each over a subset of the scenarios or strategies, each with its own
 * untraced baseline) into one result file. Cells are concatenated with their summaries as they
 * are: those were computed within each shard against that shard's own baseline, and a baseline is
 * per scenario and Node, so a shard by scenario loses nothing.
 *
 * Shards must be one run split up: the same commit, software (harness Node, package versions,
 * each Node's version), Node axis and configuration (a UsageError naming the file otherwise), and
 * no cell twice (two untraced baselines for one scenario would make every overhead ambiguous).
 *
 * Shards may come from different machines (CI runners of one label differ in CPU model) when every
 * shard holds the untraced cell of each scenario and Node it ran: its ratios are then its own.
 * The merged file keeps each machine with its cells (`environments`); its absolute figures compare
 * only within a machine.
 */
export function mergeResults(shards: readonly Shard[]): ResultFile {
  const [first, ...rest] = shards;
  if (!first) throw new UsageError('nothing to merge: give one or more result files');
  for (const shard of rest) checkSameRun(first, shard);
  checkNoDuplicateCells(shards);
  checkNodeVersions(shards);

  const machines: (Machine & { file: string })[] = shards.flatMap((shard) => machinesOf(shard.result).map((machine) => ({ ...machine, file: shard.file })));
  const severalMachines = machines.some((machine) => hardwareDifferences(first.result.env, machine.env).length > 0);
  if (severalMachines) for (const shard of shards) checkOwnBaselines(shard, machines);

  const results = shards.map((shard) => shard.result);
  const calibration: Calibration[] = results.flatMap((result) => result.calibration ?? []);
  const merged: ResultFile = {
    schemaVersion: first.result.schemaVersion,
    // The run started when its first shard did.
    createdAt: results.map((result) => result.createdAt).sort((a, b) => Date.parse(a) - Date.parse(b))[0] ?? first.result.createdAt,
    complete: results.every((result) => result.complete),
    failures: results.flatMap((result) => result.failures),
    env: {
      ...first.result.env,
      gitDirty: results.some((result) => result.env.gitDirty),
      // Each shard measured the host after each of its scenarios: the merged run keeps them all
      // (the start reading is the first shard's), so its worst noise is every shard's worst.
      ...(results.some((result) => result.env.noiseChecks) ? { noiseChecks: results.flatMap((result) => result.env.noiseChecks ?? []) } : {}),
    },
    ...(severalMachines ? { environments: machines.map(({ env, cells }) => ({ env, cells })) } : {}),
    config: {
      ...first.result.config,
      strategies: unionKeepingCopies(results.map((result) => result.config.strategies)),
      tracers: unionKeepingCopies(results.map((result) => result.config.tracers)),
      scenarios: unionKeepingCopies(results.map((result) => result.config.scenarios)),
      order: results.flatMap((result) => result.config.order),
    },
    cells: results.flatMap((result) => result.cells),
  };
  return results.some((result) => result.calibration !== undefined) ? { ...merged, calibration } : merged;
}

function checkSameRun(first: Shard, other: Shard): void {
  const [a, b] = [first.result, other.result];
  if (a.env.gitCommit !== b.env.gitCommit) {
    throw new UsageError(
      `${other.file}: from commit ${shortCommit(b.env.gitCommit)}, but ${first.file} from ${shortCommit(a.env.gitCommit)}: shards must come from one commit`,
    );
  }
  const software = softwareDifferences(a.env, b.env)[0];
  if (software) {
    throw new UsageError(
      `${other.file}: measured with other software than ${first.file} (${describeDifference(software)}): shards must run the same versions`,
    );
  }
  const [aNodes, bNodes] = [[...a.config.nodes].sort(), [...b.config.nodes].sort()];
  if (aNodes.join(',') !== bNodes.join(',')) {
    throw new UsageError(
      `${other.file}: ran on Node ${bNodes.join(', ')}, but ${first.file} on Node ${aNodes.join(', ')}: shards must run the same Nodes`,
    );
  }
  const config = configDifferences(a.config, b.config, { includeSeed: true })[0];
  if (config) {
    throw new UsageError(
      `${other.file}: configured differently from ${first.file} (${describeDifference(config)}): shards must share one configuration`,
    );
  }
}

/** One --node value, one binary: a Node 24 cell of one shard ran the same Node as another's. */
function checkNodeVersions(shards: readonly Shard[]): void {
  const seen = new Map<string, { version: string; file: string }>();
  for (const shard of shards) {
    for (const cell of shard.result.cells) {
      const earlier = seen.get(cell.node);
      if (earlier && earlier.version !== cell.nodeVersion) {
        throw new UsageError(
          `${shard.file}: ran Node ${cell.node} as ${cell.nodeVersion}, but ${earlier.file} as ${earlier.version}: shards must run the same versions`,
        );
      }
      seen.set(cell.node, { version: cell.nodeVersion, file: shard.file });
    }
  }
}

/**
 * Shards from different machines: every scenario and Node a machine ran needs its own untraced
 * cell there, or its ratios would be against another machine's baseline (or none).
 */
function checkOwnBaselines(shard: Shard, machines: readonly (Machine & { file: string })[]): void {
  for (const machine of machines.filter((candidate) => candidate.file === shard.file)) {
    const cells = shard.result.cells.filter((cell) => machine.cells.includes(cellName(cell)));
    for (const cell of cells) {
      const baseline = cells.find((other) => other.label === 'untraced' && other.scenario === cell.scenario && other.node === cell.node);
      if (!baseline) {
        throw new UsageError(
          `${shard.file}: no untraced cell for ${cell.scenario} on Node ${cell.node} (${cellName(cell)}): shards from different machines must each carry their own baselines`,
        );
      }
    }
  }
}

function checkNoDuplicateCells(shards: readonly Shard[]): void {
  const seen = new Map<string, number>();
  shards.forEach((shard, index) => {
    for (const cell of shard.result.cells) {
      const name = cellName(cell);
      const earlier = seen.get(name);
      if (earlier !== undefined) {
        const where = earlier === index ? 'twice in it' : `also in ${shards[earlier]?.file ?? 'another file'}`;
        throw new UsageError(`${shard.file}: cell ${name} is ${where}: shards must not overlap (split by scenario)`);
      }
      seen.set(name, index);
    }
  });
}

/**
 * Every value in first-seen order, as many times as the list holding it most often has it: a
 * strategy listed twice (an A/A copy, label strategy#2) stays listed twice.
 */
function unionKeepingCopies<T>(lists: readonly (readonly T[])[]): T[] {
  const union: T[] = [];
  for (const list of lists) {
    const counts = new Map<T, number>();
    for (const value of list) {
      const count = (counts.get(value) ?? 0) + 1;
      counts.set(value, count);
      if (union.filter((existing) => existing === value).length < count) union.push(value);
    }
  }
  return union;
}
