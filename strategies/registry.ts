import { calibrationBurn } from './calibration-burn.ts';
import { closeListener } from './close-listener.ts';
import { handlerReturn } from './handler-return.ts';
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

export type StrategyName = keyof typeof strategies;
export const STRATEGY_NAMES = Object.keys(strategies) as StrategyName[];

export type AnyStrategyName = StrategyName | keyof typeof calibrationStrategies;
export const ALL_STRATEGY_NAMES = [...STRATEGY_NAMES, ...Object.keys(calibrationStrategies)] as AnyStrategyName[];

export function createStrategy(name: AnyStrategyName, options: StrategyOptions): Strategy {
  return name in strategies ? strategies[name as StrategyName](options) : calibrationStrategies[name as keyof typeof calibrationStrategies](options);
}

/** Strategies that load no SDK: they run with tracer none only. */
export function loadsNoSdk(name: AnyStrategyName): boolean {
  return createStrategy(name, defaultStrategyOptions).rootOwner === 'none';
}
