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
 * in the code (compare warns, merge refuses).
 */
export function machineDifferences(first: Env, second: Env): RunDifference[] {
  const differences: RunDifference[] = [];
  const check = (field: string, a: unknown, b: unknown) => {
    if (!isDeepStrictEqual(a, b)) differences.push({ field, first: describe(a), second: describe(b) });
  };
  check('cpuModel', first.cpuModel, second.cpuModel);
  check('cpus', first.cpus, second.cpus);
  check('node', first.node, second.node);
  const packages = [...new Set([...Object.keys(first.packages), ...Object.keys(second.packages)])].sort();
  for (const name of packages) check(`packages.${name}`, first.packages[name], second.packages[name]);
  // The note is prose (it names pids and commands); what was pinned where is what shapes the figures.
  check('pinning', describePinning(first), describePinning(second));
  return differences;
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
