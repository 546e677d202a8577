import { isDeepStrictEqual } from 'node:util';
import type { Config, Env } from '../../results/schema.ts';

/** One field whose value differs between two runs, both values as text. */
export interface RunDifference {
  field: string;
  first: string;
  second: string;
}

/**
 * What makes two runs' figures comparable at all: the same CPU, core count, Node, measured package
 * versions and pinning. Figures from different machines or software are not evidence of a change
 * in the code (compare warns; merge refuses other software, and other hardware without baselines).
 */
export function machineDifferences(first: Env, second: Env): RunDifference[] {
  return [...hardwareDifferences(first, second), ...softwareDifferences(first, second)];
}

/**
 * The machine itself: CPU model, core count and pinning. Within one machine, a ratio against its
 * own untraced cell holds whichever machine it was: shards may differ here, with baselines.
 */
export function hardwareDifferences(first: Env, second: Env): RunDifference[] {
  const differences: RunDifference[] = [];
  check(differences, 'cpuModel', first.cpuModel, second.cpuModel);
  check(differences, 'cpus', first.cpus, second.cpus);
  // The note is prose (it names pids and commands); what was pinned where is what shapes the figures.
  check(differences, 'pinning', describePinning(first), describePinning(second));
  return differences;
}

/** The software measured: the harness's Node and the measured packages' versions. */
export function softwareDifferences(first: Env, second: Env): RunDifference[] {
  const differences: RunDifference[] = [];
  check(differences, 'node', first.node, second.node);
  const packages = [...new Set([...Object.keys(first.packages), ...Object.keys(second.packages)])].sort();
  for (const name of packages) check(differences, `packages.${name}`, first.packages[name], second.packages[name]);
  return differences;
}

function check(differences: RunDifference[], field: string, a: unknown, b: unknown): void {
  if (!isDeepStrictEqual(a, b)) differences.push({ field, first: describe(a), second: describe(b) });
}

/**
 * The options that shape every figure of a run (the seed only reorders trials and bootstraps).
 * Which strategies, tracers and scenarios ran is the matrix, not the configuration.
 */
const MEASUREMENT_FIELDS = [
  'trials',
  'durationSec',
  'warmupSec',
  'connections',
  'connectionsByScenario',
  'idleServers',
  'workCount',
  'quick',
  'calibrate',
  'tickMs',
  'longIdleStreams',
  'longIdleSec',
  'verifier',
] as const satisfies readonly (keyof Config)[];

export interface ConfigDifferenceOptions {
  /** Shards of one run must share the seed too; two runs to compare need not. */
  includeSeed: boolean;
}

export function configDifferences(first: Config, second: Config, options: ConfigDifferenceOptions): RunDifference[] {
  const fields: readonly (keyof Config)[] = options.includeSeed ? [...MEASUREMENT_FIELDS, 'seed'] : MEASUREMENT_FIELDS;
  return fields
    .filter((field) => !isDeepStrictEqual(first[field], second[field]))
    .map((field) => ({ field, first: describe(first[field]), second: describe(second[field]) }));
}

/** `field: first vs second` for a one-line message. */
export function describeDifference(difference: RunDifference, separator = ' vs '): string {
  return `${difference.field}: ${difference.first}${separator}${difference.second}`;
}

function describePinning(env: Env): string {
  const { available, server, load } = env.pinning;
  return available ? `server ${server ?? '?'}, load ${load ?? '?'}` : 'none';
}

function describe(value: unknown): string {
  if (value === undefined) return 'absent';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
