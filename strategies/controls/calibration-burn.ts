import type { StrategyFactory } from '../strategy.ts';

/**
 * Calibration only: untraced plus a known CPU cost per request, so a run can show whether the
 * suite detects a cost of that size. Not part of the default matrix.
 */
export const calibrationBurn: StrategyFactory = ({ burnUs }) => ({
  name: 'calibration-burn',
  description: `untraced plus ${burnUs} µs of busy CPU per request (calibration only)`,
  rootOwner: 'none',
  track() {
    const until = performance.now() + burnUs / 1000;
    while (performance.now() < until) {
      // busy: the injected cost is CPU time on the server's core
    }
  },
});
