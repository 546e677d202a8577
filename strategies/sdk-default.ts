import type { StrategyFactory } from './strategy.ts';

/** What users get today: the SDK's own http.server span, ended however the SDK ends it. */
export const sdkDefault: StrategyFactory = () => ({
  name: 'sdk-default',
  description: "the SDK's own http.server span, as it comes out of the box",
  rootOwner: 'sdk',
});
