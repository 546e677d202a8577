/**
 * npm run bench -- [flags]; npm run bench -- --scenarios long-idle --soak MIN [flags]
 * (npm run bench -- --help lists the flags: bench-flags.ts declares them)
 *
 * Runs the matrix under load and writes one result file (validated against results/schema.json,
 * written atomically). --node lists the Nodes the servers run on (pinned binaries, or system; default
 * the current LTS): every cell runs once per Node, against that Node's own untraced. With --soak,
 * the memory soak instead (bench/soak.ts). Exit 0 when every
 * cell ran, 1 when a cell or trial failed, 2 on bad input, 130 on Ctrl-C (finished cells saved,
 * marked incomplete).
 */
import { ENABLED_TEST_STRATEGY_NAMES, STRATEGY_NAMES } from '../../strategies/registry.ts';
import { defaultStrategyOptions } from '../../strategies/strategy.ts';
import { writeResultFile } from '../common/atomic-write.ts';
import { buildIfStale } from '../common/build.ts';
import { stopAllChildren } from '../common/children.ts';
import type { BenchOptions, StopSignal } from '../harness/bench-run.ts';
import { parseChoice, parseChoiceList, parseFlags, parseIntegerFlag, runCommand, UsageError } from '../common/cli.ts';
import { checkPackagesRunOn, gitCommit } from '../harness/environment.ts';
import { SDK_TRACERS } from '../harness/matrix.ts';
import { selectStrategies } from '../harness/strategy-selection.ts';
import { useReleaseAxis } from '../releases/release-flags.ts';
import { DEFAULT_NODE, parseNodeList } from '../common/node-runtime.ts';
import { SCENARIO_NAMES } from '../harness/scenarios.ts';
import { BENCH_COMMAND, CALIBRATE, DEFAULT_IDLE_SERVERS, DEFAULTS, defaultScenarios, IDLE_SERVERS, QUICK } from './bench-flags.ts';

runCommand(async () => {
  const { values } = parseFlags(process.argv.slice(2), BENCH_COMMAND);
  // The harness (servers, load, sink) loads only once the flags are good: bad input fails fast.
  if (values.soak !== undefined) return (await import('./bench-soak.ts')).runSoakCommand({ ...values, soak: values.soak });
  if (values.instructions) return (await import('./bench-instructions.ts')).runInstructionCommand(values);
  const instructionOnly = (['repeats', 'jobs', 'burn-iterations'] as const).find((flag) => values[flag] !== undefined) ?? (values['no-calibration'] ? 'no-calibration' : undefined);
  if (instructionOnly) throw new UsageError(`--${instructionOnly} is for instruction counts: use it with --instructions`);
  const quick = values.quick;
  const preset: Partial<Record<keyof typeof DEFAULTS, number>> = quick ? QUICK : values.calibrate ? CALIBRATE : {};
  const pick = (flag: 'trials' | 'duration' | 'warmup' | 'seed' | 'long-idle-streams' | 'long-idle-sec', name: keyof typeof DEFAULTS): number => {
    const value = values[flag];
    return value === undefined ? (preset[name] ?? DEFAULTS[name]) : parseIntegerFlag(BENCH_COMMAND, flag, value);
  };
  if (values.waves !== undefined) throw new UsageError('--waves counts the waves of the memory soak: use it with --soak MIN');
  if (values.calibrate && (values.strategies ?? values['strategy-module'] ?? values.sentry ?? values.otel) !== undefined) {
    throw new UsageError('--calibrate chooses its own strategies on the suite\'s own SDKs: drop --strategies, --strategy-module, --sentry and --otel');
  }
  const nodes = parseNodeList(values.node ?? DEFAULT_NODE);
  if (values.calibrate && nodes.length > 1) throw new UsageError(`--calibrate measures the suite on one Node, got --node ${values.node} (accepted: one of 20, 22, 24, system)`);
  const options: BenchOptions = {
    strategies: await selectStrategies(values.strategies, values['strategy-module'], [...STRATEGY_NAMES, ...ENABLED_TEST_STRATEGY_NAMES], STRATEGY_NAMES),
    tracers: parseChoiceList('tracers', values.tracers ?? SDK_TRACERS.join(','), SDK_TRACERS),
    scenarios: parseChoiceList('scenarios', values.scenarios ?? defaultScenarios(quick, values.calibrate).join(','), SCENARIO_NAMES),
    nodes,
    trials: pick('trials', 'trials'),
    durationSec: pick('duration', 'duration'),
    warmupSec: pick('warmup', 'warmup'),
    connections: values.connections === undefined ? null : parseIntegerFlag(BENCH_COMMAND, 'connections', values.connections),
    seed: pick('seed', 'seed'),
    longIdleStreams: pick('long-idle-streams', 'longIdleStreams'),
    longIdleSec: pick('long-idle-sec', 'longIdleSec'),
    tickMs: values['tick-ms'] === undefined ? defaultStrategyOptions.tickMs : parseIntegerFlag(BENCH_COMMAND, 'tick-ms', values['tick-ms']),
    quick,
    calibrate: values.calibrate,
    burnUs: 0,
    idleServers: parseChoice('idle-servers', values['idle-servers'] ?? DEFAULT_IDLE_SERVERS, IDLE_SERVERS),
    releases: values.calibrate ? {} : await useReleaseAxis(values, (line) => process.stderr.write(`${line}\n`)),
  };
  checkPackagesRunOn(nodes, options.scenarios);
  const out = values.out ?? defaultOutPath(options);
  buildIfStale();

  const [{ runBench }, { describeCalibration, runCalibration }, { renderSummary }] = await Promise.all([
    import('../harness/bench-run.ts'),
    import('../harness/calibration.ts'),
    import('../report/summary-table.ts'),
  ]);
  const stop: StopSignal = { stopped: false };
  process.once('SIGINT', () => {
    stop.stopped = true;
    process.stderr.write('\ninterrupted: stopping servers, saving the finished cells\n');
    void stopAllChildren();
  });

  const result = options.calibrate ? await runCalibration(options, stop) : await runBench(options, stop);
  // The schema library loads here, not at start-up: bad flags fail without it.
  const { validateResult } = await import('../../results/schema.ts');
  writeResultFile(out, result, validateResult, 'results/schema.json');
  const calibration = result.calibration ? `\n${describeCalibration(result.calibration)}` : '';
  process.stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : `${renderSummary(result)}${calibration}\n\nresult written to ${out}\n`);
  if (stop.stopped) return 130;
  return result.complete ? 0 : 1;
});

/** A calibration or a quick run never lands on the full run's file of the same day and commit. */
function defaultOutPath({ calibrate, quick }: { calibrate: boolean; quick: boolean }): string {
  const commit = gitCommit();
  const stem = `${new Date().toISOString().slice(0, 10)}-${commit ? commit.slice(0, 7) : 'nogit'}`;
  if (calibrate) return `results/calibration-${stem}.json`;
  return quick ? `results/${stem}-quick.json` : `results/${stem}.json`;
}
