import { closeListener } from './close-listener.ts';
import { handlerReturn } from './handler-return.ts';
import { sdkDefault } from './sdk-default.ts';
import type { StrategyFactory } from './strategy.ts';
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

export type StrategyName = keyof typeof strategies;
export const STRATEGY_NAMES = Object.keys(strategies) as StrategyName[];
