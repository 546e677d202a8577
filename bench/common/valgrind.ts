import { spawnSync } from 'node:child_process';

/**
 * What both instruction counters share (bench/micro/instructions.ts: scripted cases in children;
 * bench/instructions/: whole requests through the real server): the check that valgrind is
 * there, the Node flags that make counts repeat, and the children's environment.
 */

/** valgrind --version, or null where it is not installed. */
export function valgrindVersion(): string | null {
  const probe = spawnSync('valgrind', ['--version'], { encoding: 'utf8' });
  return probe.status === 0 ? probe.stdout.trim() : null;
}

export const VALGRIND_MISSING =
  'valgrind is not installed: instruction counts need it (Debian/Ubuntu: sudo apt-get install valgrind; Fedora: sudo dnf install valgrind; macOS: not supported)';

/**
 * Node flags that make the counts repeat and add up, each kept for what measuring it showed (the
 * README section "Instruction counts" has the figures):
 * - fixed hash and random seeds: V8's random hash seed alone moved a run by 3.5 %;
 * - --single-threaded: no V8 helper threads;
 * - --jitless: with the JIT, where in the loop code tiers up decides what the difference of two
 *   counts holds, and the calibration failed (doubled work read 6.7x, a known loop 0.94x); whole
 *   requests through a server with the JIT read 5.9 to 10.0 M instructions from one window to the
 *   next. The counts are of V8's interpreter: larger than an optimised server's, the same for
 *   every strategy;
 * - a fixed 256 MB young generation: more than a counted part allocates, so it runs no GC at all
 *   (the counters check, and report the bytes the counted part allocated instead). With V8's own
 *   sizing, GCs whose timing follows wall time (the young generation shrinks on allocation
 *   throughput, incremental marking paces by elapsed time) made the SDK runs disagree by 10-12 %;
 *   with V8's GC timing made fixed instead, they repeat, but whole GCs fall in or out of the
 *   difference (+11 % per stream, and doubled work read 1.66x);
 * - --no-memory-reducer: the one GC V8 starts on a timer.
 */
export const COUNTING_NODE_FLAGS = [
  '--single-threaded',
  '--hash-seed=1',
  '--random-seed=1',
  '--jitless',
  '--min-semi-space-size=256',
  '--max-semi-space-size=256',
  '--no-memory-reducer',
];

/**
 * The counted children's environment: the harness's, without a DSN, and without
 * NODE_EXTRA_CA_CERTS. With it, Node reads the extra certificates on a thread of its own, racing
 * the main thread's start-up: measured, start-up then varied by 170 k instructions from run to
 * run, 40 k without. The children open no TLS connection.
 */
export function countingEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, SENTRY_DSN: '' };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}
