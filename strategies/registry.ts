import { calibrationBurn } from './controls/calibration-burn.ts';
import { closeListener } from './close-listener.ts';
import { handlerReturn } from './handler-return.ts';
import { leakingRoot } from './controls/leaking-root.ts';
import { sdkDefault } from './sdk-default.ts';
import { defaultStrategyOptions, type Strategy, type StrategyFactory, type StrategyOptions } from './strategy.ts';
import { timerKeepalive } from './timer-keepalive.ts';
import { untraced } from './untraced.ts';
import { workerThreadWatcher } from './worker-thread-watcher.ts';

/** Every strategy, by the name the CLI and result files use. */
export const strategies = {
  untraced,
  'sdk-default': sdkDefault,
  'handler-return': handlerReturn,
  'close-listener': closeListener,
  'timer-keepalive': timerKeepalive,
  'worker-thread-watcher': workerThreadWatcher,
} satisfies Record<string, StrategyFactory>;

/** Strategies that exist only to calibrate the suite; never in a default matrix. */
export const calibrationStrategies = {
  'calibration-burn': calibrationBurn,
} satisfies Record<string, StrategyFactory>;

/**
 * Strategies that exist only for the suite's own tests (a deliberate leak the memory soak must
 * flag). Never in a default matrix, and accepted by the CLI and the server only when the
 * environment says STREAMTRACE_TEST_STRATEGIES=1.
 */
export const testStrategies = {
  'leaking-root': leakingRoot,
} satisfies Record<string, StrategyFactory>;

export const TEST_STRATEGIES_ENV = 'STREAMTRACE_TEST_STRATEGIES';

/** True when the environment admits the test-only strategies. */
export function testStrategiesEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[TEST_STRATEGIES_ENV] === '1';
}

export type StrategyName = keyof typeof strategies;
export const STRATEGY_NAMES = Object.keys(strategies) as StrategyName[];

type TestStrategyName = keyof typeof testStrategies;
export type AnyStrategyName = StrategyName | keyof typeof calibrationStrategies | TestStrategyName;
/** The test-only strategies, where the environment admits them (else none). */
export const ENABLED_TEST_STRATEGY_NAMES = (testStrategiesEnabled() ? Object.keys(testStrategies) : []) as TestStrategyName[];
/** What a server accepts: every strategy, calibration ones, and test ones where admitted. */
export const ALL_STRATEGY_NAMES = [...STRATEGY_NAMES, ...Object.keys(calibrationStrategies), ...ENABLED_TEST_STRATEGY_NAMES] as AnyStrategyName[];

const factories: Record<AnyStrategyName, StrategyFactory> = { ...strategies, ...calibrationStrategies, ...testStrategies };

export function createStrategy(name: AnyStrategyName, options: StrategyOptions): Strategy {
  return factories[name](options);
}

/** Strategies that load no SDK: they run with tracer none only. */
export function loadsNoSdk(name: AnyStrategyName): boolean {
  return createStrategy(name, defaultStrategyOptions).rootOwner === 'none';
}
