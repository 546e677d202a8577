import type { StrategyFactory } from './strategy.ts';

/** Negative control: ends the root as soon as the handler returns, like a middleware would. */
export const handlerReturn: StrategyFactory = () => ({
  name: 'handler-return',
  description: 'ends the root when the handler returns (negative control: must come out broken)',
  rootOwner: 'strategy',
  track(root) {
    root.end('ok');
  },
});
