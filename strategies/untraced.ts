import type { StrategyFactory } from './strategy.ts';

/** The ceiling: no SDK is loaded, no span is made. */
export const untraced: StrategyFactory = () => ({
  name: 'untraced',
  description: 'no SDK loaded at all: what the server does with no tracing',
  rootOwner: 'none',
});
