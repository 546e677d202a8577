import type { Env } from './schema.ts';

/**
 * The host's noise as a result file states it: the reference work's CV at the start of the run
 * (env.noiseFloor), after each scenario and at the end (env.noiseChecks). A wall-clock figure is
 * no steadier than the core under it, so the worst of these is what a run's noise is judged by.
 */

/** Above this CV of the reference work, `bench` warns and `compare` calls no wall-clock difference. */
export const DEFAULT_MAX_NOISE = 0.05;

export interface NoiseReading {
  /** 'start', 'after sse-tokens', ... */
  at: string;
  cv: number;
}

/** Every reading the file holds, in run order; empty when none was recorded (runs before it, or it could not run). */
export function noiseReadings(env: Pick<Env, 'noiseFloor' | 'noiseChecks'>): NoiseReading[] {
  return [
    ...(env.noiseFloor ? [{ at: 'start', cv: env.noiseFloor.cv }] : []),
    ...(env.noiseChecks ?? []).map((check) => ({ at: `after ${check.afterScenario}`, cv: check.cv })),
  ];
}

/** The highest CV recorded, or null without a reading. */
export function worstNoise(env: Pick<Env, 'noiseFloor' | 'noiseChecks'>): number | null {
  const readings = noiseReadings(env);
  return readings.length === 0 ? null : Math.max(...readings.map((reading) => reading.cv));
}

/** `start 20.8 %, after sse-tokens 3.1 %, ...`, or `not recorded`. */
export function describeNoise(env: Pick<Env, 'noiseFloor' | 'noiseChecks'>): string {
  const readings = noiseReadings(env);
  if (readings.length === 0) return 'not recorded';
  return readings.map((reading) => `${reading.at} ${(reading.cv * 100).toFixed(1)} %`).join(', ');
}
