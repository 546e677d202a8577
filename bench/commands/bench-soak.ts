import { ENABLED_TEST_STRATEGY_NAMES, STRATEGY_NAMES } from '../../strategies/registry.ts';
import { defaultStrategyOptions } from '../../strategies/strategy.ts';
import { writeResultFile } from '../common/atomic-write.ts';
import { buildIfStale } from '../common/build.ts';
import type { StopSignal } from '../harness/bench-run.ts';
import { parseChoiceList, parseInteger, parseIntegerFlag, parseNumber, UsageError } from '../common/cli.ts';
import { checkPackagesRunOn, gitCommit } from '../harness/environment.ts';
import { SDK_TRACERS } from '../harness/matrix.ts';
import { DEFAULT_NODE, parseNodeList } from '../common/node-runtime.ts';
import type { SoakOptions } from '../harness/soak.ts';
import { stopAllChildren } from '../common/children.ts';
import { selectStrategies } from '../harness/strategy-selection.ts';
import { BENCH_COMMAND, SOAK } from './bench-flags.ts';

/** The bench flags, as parsed; --soak is set. */
export interface SoakFlags {
  soak: string;
  strategies?: string | undefined;
  tracers?: string | undefined;
  scenarios?: string | undefined;
  node?: string | undefined;
  out?: string | undefined;
  json: boolean;
  'tick-ms'?: string | undefined;
  'long-idle-streams'?: string | undefined;
  'long-idle-sec'?: string | undefined;
  waves?: string | undefined;
  'strategy-module'?: string[] | undefined;
  [flag: string]: string | string[] | boolean | undefined;
}

/** Bench flags that mean nothing to a soak: given with --soak they are bad input. */
const NOT_FOR_SOAK = ['trials', 'duration', 'warmup', 'connections', 'seed', 'quick', 'calibrate', 'idle-servers', 'instructions', 'repeats', 'jobs', 'burn-iterations', 'no-calibration', 'sentry', 'otel'];

/** Everything about the soak's flags that can be wrong is a UsageError before anything starts. */
export async function parseSoakOptions(flags: SoakFlags): Promise<SoakOptions> {
  const minutesPerCell = parseNumber('soak', flags.soak, SOAK.minMinutes, SOAK.maxMinutes, 'minutes per cell');
  const extra = NOT_FOR_SOAK.find((name) => flags[name] !== undefined && flags[name] !== false);
  if (extra) {
    throw new UsageError(
      `--soak does not take --${extra} (it takes --strategies, --strategy-module, --tracers, --node, --scenarios long-idle, --waves, --long-idle-streams, --long-idle-sec, --tick-ms, --out, --json)`,
    );
  }
  if (flags.scenarios !== undefined && flags.scenarios.trim() !== 'long-idle') {
    throw new UsageError(`--soak runs the long-idle scenario only: use --scenarios long-idle or leave it out, got '${flags.scenarios}'`);
  }
  const options: SoakOptions = {
    strategies: await selectStrategies(flags.strategies, flags['strategy-module'], [...STRATEGY_NAMES, ...ENABLED_TEST_STRATEGY_NAMES], STRATEGY_NAMES),
    tracers: parseChoiceList('tracers', flags.tracers ?? SDK_TRACERS.join(','), SDK_TRACERS),
    nodes: parseNodeList(flags.node ?? DEFAULT_NODE),
    minutesPerCell,
    maxWaves: flags.waves === undefined ? null : parseIntegerFlag(BENCH_COMMAND, 'waves', flags.waves),
    waveStreams: flags['long-idle-streams'] === undefined ? SOAK.waveStreams : parseInteger('long-idle-streams', flags['long-idle-streams'], 1, SOAK.maxWaveStreams),
    streamSec: flags['long-idle-sec'] === undefined ? SOAK.streamSec : parseInteger('long-idle-sec', flags['long-idle-sec'], 1, SOAK.maxStreamSec),
    tickMs: flags['tick-ms'] === undefined ? defaultStrategyOptions.tickMs : parseIntegerFlag(BENCH_COMMAND, 'tick-ms', flags['tick-ms']),
  };
  checkPackagesRunOn(options.nodes);
  return options;
}

/** Runs the soak, saves the result and prints the summary; the exit code as bench's. */
export async function runSoakCommand(flags: SoakFlags): Promise<number> {
  const options = await parseSoakOptions(flags);
  const out = flags.out ?? defaultSoakPath();
  if (out.trim() === '') throw new UsageError('--out needs a file name');
  buildIfStale();
  // The harness and the schema library load once the flags are good: bad input fails fast.
  const [{ runSoak }, { renderSoakSummary }, { validateSoakFile }] = await Promise.all([
    import('../harness/soak.ts'),
    import('../harness/soak-table.ts'),
    import('../../results/soak-schema.ts'),
  ]);

  const stop: StopSignal = { stopped: false };
  process.once('SIGINT', () => {
    stop.stopped = true;
    process.stderr.write('\ninterrupted: stopping servers, saving the samples taken\n');
    void stopAllChildren();
  });

  const result = await runSoak(options, stop);
  writeResultFile(out, result, validateSoakFile, 'results/soak-schema.json');
  process.stdout.write(flags.json ? `${JSON.stringify(result, null, 2)}\n` : `${renderSoakSummary(result)}\n\nresult written to ${out}\n`);
  if (stop.stopped) return 130;
  return result.complete ? 0 : 1;
}

function defaultSoakPath(): string {
  const commit = gitCommit();
  return `results/${new Date().toISOString().slice(0, 10)}-${commit ? commit.slice(0, 7) : 'nogit'}-soak.json`;
}
