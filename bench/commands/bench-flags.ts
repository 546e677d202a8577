import { ENABLED_TEST_STRATEGY_NAMES, STRATEGY_NAMES } from '../../strategies/registry.ts';
import { defaultStrategyOptions } from '../../strategies/strategy.ts';
import { defineCommand } from '../common/cli.ts';
import { DEFAULT_NODE, NODE_RUNTIMES } from '../common/node-runtime.ts';
import type { IdleServers } from '../harness/bench-run.ts';
import { SDK_TRACERS } from '../harness/matrix.ts';
import { STRATEGY_MODULE_FLAG } from '../harness/strategy-selection.ts';
import { OTEL_RELEASES_FLAG, SENTRY_RELEASES_FLAG } from '../releases/release-flags.ts';
import { BENCH_SCENARIOS, SCENARIO_NAMES } from '../harness/scenarios.ts';

/**
 * npm run bench's flags, for the load run (bench.ts) and the memory soak (bench-soak.ts): their
 * defaults, presets and ranges, in the one declaration --help is printed from.
 */

/**
 * The defaults, and what --quick changes (explicit flags win over both). Many short rounds, not a
 * few long trials: rounds pair the cells against drift and give the t intervals their degrees of
 * freedom. The full run must fit in 20 minutes on 2 cores. A throughput scenario costs about
 * 10 s of server starts + 16 x (warm-up + 0.5 s) + 16 x rounds x (2.1-2.4 s a 1 s trial takes:
 * ramp-up, tail, settle, flush, verifying); long-idle 16 x rounds x 2.6 s. 5 rounds after 6 s of
 * warm-up on 4 scenarios took 18 min 15 s; llm-proxy (about 2.4 s a trial) would have added 5 min.
 * 4 rounds after 5 s: about 19 min for the 5 scenarios (README, "Rounds").
 * The warm-up is long because a traced server keeps getting faster for its first seconds under
 * load (the JIT): with 1 s, a cell's first trials ran slower than its last.
 */
export const DEFAULTS = { trials: 4, duration: 1, warmup: 5, seed: 1, longIdleStreams: 200, longIdleSec: 2 };
/** --quick: every strategy and tracer once; a smoke run, not a measurement. */
export const QUICK = { scenarios: ['sse-tokens'], trials: 1, duration: 1, warmup: 0, longIdleStreams: 50, longIdleSec: 2 };
/** --calibrate: 16 rounds of 6 cells on 2 scenarios, about 9 minutes; its intervals narrow with the rounds. */
export const CALIBRATE = { trials: 16, duration: 1 };

/** --soak: waves of 1000 streams of 1 s each: a stream opens, sends one heartbeat and ends. */
/** The shortest soak per cell (min) leaves time for the warm-up and a few fitted waves. */
export const SOAK = { waveStreams: 1_000, maxWaveStreams: 5_000, streamSec: 1, maxStreamSec: 60, minMinutes: 0.25, maxMinutes: 1_440 };

export const IDLE_SERVERS: readonly IdleServers[] = ['frozen', 'running'];
export const DEFAULT_IDLE_SERVERS: IdleServers = 'frozen';

export function defaultScenarios(quick: boolean, calibrate: boolean): string[] {
  if (calibrate) return quick ? ['plain-json'] : ['plain-json', 'sse-tokens'];
  return quick ? QUICK.scenarios : BENCH_SCENARIOS;
}

const list = (names: readonly string[]): string => names.join(', ');

export const BENCH_COMMAND = defineCommand({
  usage: 'npm run bench -- [flags]  (the memory soak: npm run bench -- --scenarios long-idle --soak MIN [flags])',
  flags: {
    strategies: { type: 'string', value: 'a,b', help: `strategies: ${list([...STRATEGY_NAMES, ...ENABLED_TEST_STRATEGY_NAMES])}`, defaultText: ENABLED_TEST_STRATEGY_NAMES.length === 0 ? 'all' : `all but ${list(ENABLED_TEST_STRATEGY_NAMES)}` },
    'strategy-module': STRATEGY_MODULE_FLAG,
    sentry: SENTRY_RELEASES_FLAG,
    otel: OTEL_RELEASES_FLAG,
    tracers: { type: 'string', value: 'a,b', help: `tracers: ${list(SDK_TRACERS)}`, defaultText: 'all' },
    scenarios: {
      type: 'string',
      value: 'a,b',
      help: `scenarios: ${list(SCENARIO_NAMES)}`,
      defaultText: `${defaultScenarios(false, false).join(',')}; --quick ${defaultScenarios(true, false).join(',')}; --calibrate ${defaultScenarios(false, true).join(',')}`,
    },
    node: { type: 'string', value: 'a,b', help: `the Nodes the servers run on, each cell on each: ${list(NODE_RUNTIMES)}`, defaultText: DEFAULT_NODE },
    trials: { type: 'string', value: 'K', help: 'rounds: trials per cell', integer: [1, 1_000], defaultText: `${DEFAULTS.trials}; --quick ${QUICK.trials}; --calibrate ${CALIBRATE.trials}` },
    duration: { type: 'string', value: 'SEC', help: 'seconds each trial measures', integer: [1, 3_600], defaultText: String(DEFAULTS.duration) },
    warmup: { type: 'string', value: 'SEC', help: 'seconds of the same load on each server before its first trial, not measured', integer: [0, 3_600], defaultText: `${DEFAULTS.warmup}; --quick ${QUICK.warmup}` },
    connections: { type: 'string', value: 'C', help: 'load connections', integer: [1, 10_000], defaultText: "each scenario's own" },
    seed: { type: 'string', value: 'N', help: 'seed of the order of the cells in each round', integer: [0, 4_294_967_295], defaultText: String(DEFAULTS.seed) },
    out: { type: 'string', value: 'FILE', help: 'where to write the result', defaultText: 'results/DATE-COMMIT.json; --calibrate results/calibration-DATE-COMMIT.json; --quick results/DATE-COMMIT-quick.json; --soak results/DATE-COMMIT-soak.json' },
    quick: { type: 'boolean', default: false, help: 'a smoke run, not a measurement: every strategy and tracer once, on fewer scenarios' },
    json: { type: 'boolean', default: false, help: 'print the result as JSON instead of the summary' },
    calibrate: { type: 'boolean', default: false, help: "measure the suite's own precision on one Node (chooses its strategies: no --strategies)" },
    'tick-ms': { type: 'string', value: 'MS', help: "the polling strategies' tick", integer: [1, 60_000], defaultText: String(defaultStrategyOptions.tickMs) },
    'long-idle-streams': {
      type: 'string',
      value: 'N',
      help: `long-idle: streams held open at once (with --soak: streams per wave, at most ${SOAK.maxWaveStreams})`,
      integer: [1, 20_000],
      defaultText: `${DEFAULTS.longIdleStreams}; --quick ${QUICK.longIdleStreams}; --soak ${SOAK.waveStreams}`,
    },
    'long-idle-sec': {
      type: 'string',
      value: 'SEC',
      help: `long-idle: seconds each stream lasts (with --soak: at most ${SOAK.maxStreamSec})`,
      integer: [1, 3_600],
      defaultText: `${DEFAULTS.longIdleSec}; --soak ${SOAK.streamSec}`,
    },
    soak: { type: 'string', value: 'MIN', help: `the memory soak instead of the load run: minutes per cell, at most ${SOAK.maxMinutes}, long-idle only` },
    waves: { type: 'string', value: 'N', help: 'with --soak: a cell ends after N waves, or when its minutes are up if that comes first', integer: [1, 1_000_000], defaultText: 'no limit' },
    instructions: { type: 'boolean', default: false, help: 'count instructions per request through the real server under valgrind, instead of the load run' },
    repeats: { type: 'string', value: 'R', help: '--instructions: server processes per strategy and tracer', integer: [1, 10], defaultText: '1' },
    jobs: { type: 'string', value: 'J', help: '--instructions: processes counted at once', integer: [1, 64], defaultText: '2' },
    'burn-iterations': { type: 'string', value: 'N', help: '--instructions: calibration-burn adds N iterations of a known loop per request', integer: [0, 1_000_000_000], defaultText: '0' },
    'no-calibration': { type: 'boolean', default: false, help: "--instructions: skip the known-loop check (the result then says it did not run)" },
    'idle-servers': { type: 'string', value: 'MODE', help: `a scenario's servers not being measured: ${list(IDLE_SERVERS)}`, defaultText: DEFAULT_IDLE_SERVERS },
  },
});
