import { calibrationBurn } from './controls/calibration-burn.ts';
import { closeListener } from './close-listener.ts';
import { handlerReturn } from './handler-return.ts';
import { leakingRoot } from './controls/leaking-root.ts';
import { sdkDefault } from './sdk-default.ts';
import { type StrategyModule, StrategyModuleRefused } from './strategy-module.ts';
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
type BuiltInStrategyName = StrategyName | keyof typeof calibrationStrategies | TestStrategyName;
/** The name of a strategy module this process has loaded and registered (registerStrategyModule). */
export type ModuleStrategyName = string & { readonly fromModule: true };
export type AnyStrategyName = BuiltInStrategyName | ModuleStrategyName;
/** The test-only strategies, where the environment admits them (else none). */
export const ENABLED_TEST_STRATEGY_NAMES = (testStrategiesEnabled() ? Object.keys(testStrategies) : []) as TestStrategyName[];
/** What a server accepts: every strategy, calibration ones, and test ones where admitted. */
export const ALL_STRATEGY_NAMES = [...STRATEGY_NAMES, ...Object.keys(calibrationStrategies), ...ENABLED_TEST_STRATEGY_NAMES] as AnyStrategyName[];

const factories: Record<BuiltInStrategyName, StrategyFactory> = { ...strategies, ...calibrationStrategies, ...testStrategies };
/** Every name a strategy module may not take. */
export const BUILT_IN_STRATEGY_NAMES = Object.keys(factories);

/** The strategy modules loaded in this process (--strategy-module), by name. */
const modules = new Map<string, StrategyModule>();

/**
 * Makes a loaded strategy module a strategy of this process, under its name: createStrategy,
 * loadsNoSdk and strategyModuleOf then know it. The same file again is the same strategy; another
 * file of the same name is refused.
 */
export function registerStrategyModule(module: StrategyModule): ModuleStrategyName {
  const known = modules.get(module.name);
  if (known && known.path !== module.path) {
    throw new StrategyModuleRefused(`strategy modules ${known.path} and ${module.path} are both named '${module.name}' (export const name = '...' in one of them)`);
  }
  modules.set(module.name, module);
  return module.name as ModuleStrategyName;
}

/** The module a strategy came from, or undefined for a built-in one. */
export function strategyModuleOf(name: string): StrategyModule | undefined {
  return modules.get(name);
}

export function createStrategy(name: AnyStrategyName, options: StrategyOptions): Strategy {
  const module = modules.get(name);
  return module ? module.factory(options) : factories[name as BuiltInStrategyName](options);
}

/** Strategies that load no SDK: they run with tracer none only. */
export function loadsNoSdk(name: AnyStrategyName): boolean {
  return (modules.get(name)?.rootOwner ?? createStrategy(name, defaultStrategyOptions).rootOwner) === 'none';
}
