import { spawnSync } from 'node:child_process';
import type { NoiseFloor } from '../../results/schema.ts';
import { builtPath } from '../common/build.ts';
import { coefficientOfVariation, median } from '../stats/stats.ts';
import { DEFAULT_MAX_NOISE } from '../../results/host-noise.ts';

const REFERENCE_WORK = builtPath('bench/harness/reference-work.ts');
const RUNS = 20;

/**
 * How steady is the server core itself? The same fixed work (bench/reference-work.ts) timed RUNS
 * times in CPU time, on the cores servers get. On a shared virtual machine its CV can be far above
 * the 2 % a benchmark hopes for; no cell's trials can be steadier than the machine under them.
 * Null when the child could not run, or refused a stale build (the run goes on without it).
 */
export function measureNoiseFloor(serverCpus: string | null): NoiseFloor {
  const node = [process.execPath, REFERENCE_WORK, String(RUNS)];
  const [file, ...args] = (serverCpus ? ['taskset', '-c', serverCpus, ...node] : node) as [string, ...string[]];
  // spawnSync kills the child at the timeout: nothing is left running.
  const child = spawnSync(file, args, { timeout: 60_000, killSignal: 'SIGKILL', encoding: 'utf8' });
  if (child.status !== 0) return null;
  const { cpuMs } = JSON.parse(child.stdout) as { cpuMs: number[] };
  return { runs: cpuMs.length, medianCpuMs: median(cpuMs), cv: coefficientOfVariation(cpuMs) ?? 0, cpus: serverCpus };
}

/** What `bench` prints of a reading: its CV, and a warning when compare would call no wall-clock difference from it. */
export function describeNoiseReading(when: string, noise: NoiseFloor): string {
  if (!noise) return `host noise ${when}: the reference work could not run`;
  const line = `host noise ${when}: the same reference work varied ${(noise.cv * 100).toFixed(1)} % (CV of ${noise.runs} runs) on the server core`;
  return noise.cv > DEFAULT_MAX_NOISE
    ? `warning: ${line}, above ${DEFAULT_MAX_NOISE * 100} %: compare calls no wall-clock difference from this run (--max-noise)`
    : line;
}
