import type { StrategyFactory } from '../strategy.ts';
import { BURN_ITERATIONS_HEADER, knownLoop } from '../known-loop.ts';

/**
 * Calibration only: untraced plus a known cost per request, so a run can show whether the suite
 * detects a cost of that size. Wall clock: burnUs of busy CPU. Instruction counts: burnIterations
 * of the known loop (a fixed number of instructions, where busy-waiting on the clock is not), or
 * as many as the request's x-burn-iterations header says. Not part of the default matrix.
 */
export const calibrationBurn: StrategyFactory = ({ burnUs, burnIterations }) => ({
  name: 'calibration-burn',
  description:
    burnIterations > 0
      ? `untraced plus ${burnIterations} iterations of a known loop per request (calibration only)`
      : `untraced plus ${burnUs} µs of busy CPU per request (calibration only)`,
  rootOwner: 'none',
  track(_root, res) {
    const asked = res.req.headers[BURN_ITERATIONS_HEADER];
    const iterations = typeof asked === 'string' ? Number(asked) : burnIterations;
    if (iterations > 0) knownLoop(iterations);
    else if (burnUs > 0) busyFor(burnUs);
    // Nothing at all otherwise: with nothing asked, the clock is not read either (a read costs
    // about 4 500 instructions in the interpreter, half of a 1 % change on an untraced request).
  },
});

function busyFor(microseconds: number): void {
  const until = performance.now() + microseconds / 1000;
  while (performance.now() < until) {
    // busy: the injected cost is CPU time on the server's core
  }
}
