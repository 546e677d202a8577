/**
 * npm run bench -- [--strategies a,b] [--tracers a,b] [--scenarios a,b] [--node 20,22,24] [--trials K] [--duration SEC]
 *   [--warmup SEC] [--connections C] [--seed N] [--out FILE] [--quick] [--json] [--calibrate]
 *   [--idle-servers frozen|running]
 * npm run bench -- --scenarios long-idle --soak MIN [--strategies a,b] [--tracers a,b] [--node 20,22,24] [--out FILE] [--json]
 *
 * Runs the matrix under load and writes one result file (validated against results/schema.json,
 * written atomically). --node lists the Nodes the servers run on (pinned binaries, or system; default
 * the current LTS): every cell runs once per Node, against that Node's own untraced. With --soak,
 * the memory soak instead (bench/soak.ts). Exit 0 when every
 * cell ran, 1 when a cell or trial failed, 2 on bad input, 130 on Ctrl-C (finished cells saved,
 * marked incomplete).
 */
import { validateResult, type ResultFile } from '../../results/schema.ts';
import { ENABLED_TEST_STRATEGY_NAMES, STRATEGY_NAMES } from '../../strategies/registry.ts';
import { defaultStrategyOptions } from '../../strategies/strategy.ts';
import { writeFileAtomic } from '../common/atomic-write.ts';
import { buildIfStale } from '../common/build.ts';
import { stopAllChildren } from '../common/children.ts';
import type { BenchOptions, IdleServers, StopSignal } from '../harness/bench-run.ts';
import { parseChoice, parseChoiceList, parseFlags, parseInteger, runCommand, UsageError } from '../common/cli.ts';
import { checkPackagesRunOn, gitCommit } from '../harness/environment.ts';
import { SDK_TRACERS } from '../harness/matrix.ts';
import { DEFAULT_NODE, parseNodeList } from '../common/node-runtime.ts';
import { BENCH_SCENARIOS, SCENARIO_NAMES } from '../harness/scenarios.ts';

/**
 * The defaults, and what --quick changes (explicit flags win over both). Many short rounds, not a
 * few long trials: rounds pair the cells against drift and give the t intervals their degrees of
 * freedom. A 1 s trial costs about 2.5 s of wall time (ramp-up, tail, settle, flush, verifying),
 * so 6 rounds of 16-17 cells on 4 scenarios take about 18 minutes on 2 cores.
 */
const DEFAULTS = { trials: 6, duration: 1, warmup: 1, seed: 1, longIdleStreams: 200, longIdleSec: 2 };
/** --quick: every strategy and tracer once; a smoke run, not a measurement. */
const QUICK = { scenarios: ['sse-tokens'], trials: 1, duration: 1, warmup: 0, longIdleStreams: 50, longIdleSec: 2 };
/** --calibrate: 16 rounds of 6 cells on 2 scenarios, about 9 minutes; its intervals narrow with the rounds. */
const CALIBRATE = { trials: 16, duration: 1 };

const IDLE_SERVERS: readonly IdleServers[] = ['frozen', 'running'];

runCommand(async () => {
  const { values } = parseFlags(process.argv.slice(2), {
    strategies: { type: 'string' },
    tracers: { type: 'string' },
    scenarios: { type: 'string' },
    node: { type: 'string' },
    trials: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    calibrate: { type: 'boolean', default: false },
    'tick-ms': { type: 'string' },
    'long-idle-streams': { type: 'string' },
    'long-idle-sec': { type: 'string' },
    soak: { type: 'string' },
    'idle-servers': { type: 'string' },
  });
  // The harness (servers, load, sink) loads only once the flags are good: bad input fails fast.
  if (values.soak !== undefined) return (await import('./bench-soak.ts')).runSoakCommand({ ...values, soak: values.soak });
  const quick = values.quick;
  const pick = (flag: string | undefined, name: keyof typeof DEFAULTS, min: number, max?: number): number => {
    const preset = quick ? QUICK : values.calibrate ? CALIBRATE : {};
    const fallback = name in preset ? preset[name as keyof typeof preset] : DEFAULTS[name];
    return flag === undefined ? (fallback as number) : parseInteger(name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`), flag, min, max);
  };
  if (values.calibrate && values.strategies !== undefined) throw new UsageError('--calibrate chooses its own strategies: drop --strategies');
  const nodes = parseNodeList(values.node ?? DEFAULT_NODE);
  checkPackagesRunOn(nodes);
  if (values.calibrate && nodes.length > 1) throw new UsageError(`--calibrate measures the suite on one Node, got --node ${values.node} (accepted: one of 20, 22, 24, system)`);
  const options: BenchOptions = {
    strategies: parseChoiceList('strategies', values.strategies ?? STRATEGY_NAMES.join(','), [...STRATEGY_NAMES, ...ENABLED_TEST_STRATEGY_NAMES]),
    tracers: parseChoiceList('tracers', values.tracers ?? SDK_TRACERS.join(','), SDK_TRACERS),
    scenarios: parseChoiceList('scenarios', values.scenarios ?? defaultScenarios(quick, values.calibrate).join(','), SCENARIO_NAMES),
    nodes,
    trials: pick(values.trials, 'trials', 1, 1_000),
    durationSec: pick(values.duration, 'duration', 1, 3_600),
    warmupSec: pick(values.warmup, 'warmup', 0, 3_600),
    connections: values.connections === undefined ? null : parseInteger('connections', values.connections, 1, 10_000),
    seed: pick(values.seed, 'seed', 0, 4_294_967_295),
    longIdleStreams: pick(values['long-idle-streams'], 'longIdleStreams', 1, 20_000),
    longIdleSec: pick(values['long-idle-sec'], 'longIdleSec', 1, 3_600),
    tickMs: values['tick-ms'] === undefined ? defaultStrategyOptions.tickMs : parseInteger('tick-ms', values['tick-ms'], 1, 60_000),
    quick,
    calibrate: values.calibrate,
    burnUs: 0,
    idleServers: parseChoice('idle-servers', values['idle-servers'] ?? 'frozen', IDLE_SERVERS),
  };
  const out = values.out ?? defaultOutPath();
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
  save(result, out);
  const calibration = result.calibration ? `\n${describeCalibration(result.calibration)}` : '';
  process.stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : `${renderSummary(result)}${calibration}\n\nresult written to ${out}\n`);
  if (stop.stopped) return 130;
  return result.complete ? 0 : 1;
});

function defaultScenarios(quick: boolean, calibrate: boolean): string[] {
  if (calibrate) return quick ? ['plain-json'] : ['plain-json', 'sse-tokens'];
  return quick ? QUICK.scenarios : BENCH_SCENARIOS;
}

function defaultOutPath(): string {
  const commit = gitCommit();
  return `results/${new Date().toISOString().slice(0, 10)}-${commit ? commit.slice(0, 7) : 'nogit'}.json`;
}

/** Validated against the schema, then written atomically: a reader never sees half a file. */
function save(result: ResultFile, path: string): void {
  const validation = validateResult(result);
  if (!validation.ok) throw new Error(`the result does not match results/schema.json: ${validation.error}`);
  writeFileAtomic(path, `${JSON.stringify(result, null, 2)}\n`);
}
