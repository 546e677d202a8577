/** A request may ask calibration-burn for its own number of known-loop iterations (the instruction counts' calibration). */
export const BURN_ITERATIONS_HEADER = 'x-burn-iterations';

/**
 * A loop whose cost is known by counting it alone: calibration-burn runs it per request, and the
 * server's control route runs it on its own, so whole-request instruction counts can be checked
 * against the instructions the loop costs by itself. Integer arithmetic only: no allocation, no
 * call that could differ between the two places it runs.
 */
export function knownLoop(iterations: number): number {
  let state = 1;
  for (let index = 0; index < iterations; index += 1) state = (state * 31 + index) % 1_000_003;
  return state;
}
