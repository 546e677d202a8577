import { validateRequestInstructionResult } from '../../results/request-instruction-schema.ts';
import { type AnyStrategyName, calibrationStrategies, ENABLED_TEST_STRATEGY_NAMES, STRATEGY_NAMES } from '../../strategies/registry.ts';
import { writeResultFile } from '../common/atomic-write.ts';
import { buildIfStale } from '../common/build.ts';
import { stopAllChildren } from '../common/children.ts';
import { parseChoiceList, parseIntegerFlag, UsageError } from '../common/cli.ts';
import { DEFAULT_NODE, parseNodeList } from '../common/node-runtime.ts';
import { VALGRIND_MISSING, valgrindVersion } from '../common/valgrind.ts';
import { checkPackagesRunOn, gitCommit } from '../harness/environment.ts';
import { SDK_TRACERS } from '../harness/matrix.ts';
import { callsUpstream, SCENARIO_NAMES, type ScenarioName } from '../harness/scenarios.ts';
import { selectStrategies } from '../harness/strategy-selection.ts';
import { useReleaseAxis } from '../releases/release-flags.ts';
import type { RequestInstructionOptions } from '../instructions/instruction-run.ts';
import { BENCH_COMMAND, defaultScenarios } from './bench-flags.ts';

/**
 * npm run bench -- --instructions [flags]: instructions and heap bytes per request, through the
 * real compiled server under valgrind, for every cell of the matrix (bench/instructions/). The
 * same matrix flags and defaults as the load run. Exit 0 when every cell was counted and held its
 * checks, 1 when a cell was refused, a process failed or the known-loop check failed, 2 on bad
 * input (valgrind missing included), 130 on Ctrl-C (the cells finished are saved).
 */

/** The load run's scenarios that can be counted (see parseInstructionOptions). */
export function defaultInstructionScenarios(quick: boolean): string[] {
  return defaultScenarios(quick, false).filter((name) => !callsUpstream(name as ScenarioName));
}

/** Load-run flags that mean nothing to instruction counts. */
const NOT_FOR_INSTRUCTIONS = ['trials', 'duration', 'warmup', 'connections', 'seed', 'calibrate', 'idle-servers', 'waves', 'long-idle-streams', 'long-idle-sec', 'tick-ms'];

type BenchFlags = Record<string, string | string[] | boolean | undefined>;

export async function parseInstructionOptions(flags: BenchFlags, log: (line: string) => void): Promise<Omit<RequestInstructionOptions, 'log' | 'stop'>> {
  const extra = NOT_FOR_INSTRUCTIONS.find((name) => flags[name] !== undefined && flags[name] !== false);
  if (extra) {
    throw new UsageError(`--instructions does not take --${extra} (it takes --strategies, --strategy-module, --tracers, --sentry, --otel, --scenarios, --node, --quick, --repeats, --jobs, --burn-iterations, --no-calibration, --out, --json)`);
  }
  const text = (name: string): string | undefined => (typeof flags[name] === 'string' ? (flags[name] as string) : undefined);
  const quick = flags.quick === true;
  const choices: AnyStrategyName[] = [...STRATEGY_NAMES, ...(Object.keys(calibrationStrategies) as AnyStrategyName[]), ...ENABLED_TEST_STRATEGY_NAMES];
  const integer = (name: 'repeats' | 'jobs' | 'burn-iterations', fallback: number): number => {
    const value = text(name);
    return value === undefined ? fallback : parseIntegerFlag(BENCH_COMMAND, name, value);
  };
  const options = {
    strategies: await selectStrategies(text('strategies'), Array.isArray(flags['strategy-module']) ? flags['strategy-module'] : undefined, choices, STRATEGY_NAMES),
    tracers: parseChoiceList('tracers', text('tracers') ?? SDK_TRACERS.join(','), SDK_TRACERS),
    scenarios: parseChoiceList('scenarios', text('scenarios') ?? defaultInstructionScenarios(quick).join(','), SCENARIO_NAMES),
    nodes: parseNodeList(text('node') ?? DEFAULT_NODE),
    repeats: integer('repeats', 1),
    jobs: integer('jobs', 2),
    burnIterations: integer('burn-iterations', 0),
    calibrate: flags['no-calibration'] !== true,
    releases: await useReleaseAxis({ sentry: text('sentry'), otel: text('otel'), tracers: text('tracers') }, log),
  };
  checkPackagesRunOn(options.nodes, options.scenarios);
  const uncountable = options.scenarios.find(callsUpstream);
  if (uncountable) throw new UsageError(`${uncountable} cannot be counted: its model call goes through fetch, whose HTTP parser is WebAssembly, which --jitless turns off; with V8's other interpreter-only flags its windows disagreed by 0.3-3.8 % (README, "Instructions per request") (accepted: ${SCENARIO_NAMES.filter((name) => !callsUpstream(name)).join(', ')})`);
  return options;
}

export async function runInstructionCommand(flags: BenchFlags): Promise<number> {
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const options = await parseInstructionOptions(flags, log);
  const out = typeof flags.out === 'string' ? flags.out : defaultInstructionPath(flags.quick === true);
  if (out.trim() === '') throw new UsageError('--out needs a file name');
  const valgrind = valgrindVersion();
  if (!valgrind) throw new UsageError(VALGRIND_MISSING);
  buildIfStale();

  const [{ runRequestInstructions }, { renderRequestInstructionTable, requestInstructionsHold }] = await Promise.all([
    import('../instructions/instruction-run.ts'),
    import('../report/request-instruction-report.ts'),
  ]);
  const stop = { stopped: false };
  process.once('SIGINT', () => {
    stop.stopped = true;
    process.stderr.write('\ninterrupted: stopping the counted servers, saving the cells finished\n');
    void stopAllChildren();
  });
  const result = await runRequestInstructions({ ...options, log, stop }, valgrind);
  writeResultFile(out, result, validateRequestInstructionResult, 'results/request-instruction-schema.ts');
  process.stdout.write(flags.json === true ? `${JSON.stringify(result, null, 2)}\n` : `${renderRequestInstructionTable(result)}\n\nresult written to ${out}\n`);
  if (stop.stopped) return 130;
  return requestInstructionsHold(result) ? 0 : 1;
}

function defaultInstructionPath(quick: boolean): string {
  const commit = gitCommit();
  return `results/${new Date().toISOString().slice(0, 10)}-${commit ? commit.slice(0, 7) : 'nogit'}-request-instructions${quick ? '-quick' : ''}.json`;
}
