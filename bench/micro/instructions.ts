import { COUNTING_NODE_FLAGS, countingEnv, VALGRIND_MISSING, valgrindVersion } from '../common/valgrind.ts';
import {
  type CalibrationCheck,
  INSTRUCTION_SCHEMA_VERSION,
  type InstructionCaseResult,
  type InstructionResult,
  type InstructionRun,
} from '../../results/instruction-schema.ts';
import { builtPath, buildIfStale, PROJECT_ROOT } from '../common/build.ts';
import { spawnChild } from '../common/children.ts';
import { UsageError } from '../common/cli.ts';
import { nodeBinary, type NodeRuntime, nodeVersion } from '../common/node-runtime.ts';
import { renderTable } from '../common/table.ts';
import type { StrategyModule } from '../../strategies/strategy-module.ts';
import { collectEnvironment } from '../harness/environment.ts';
import { NOT_PINNED_FOR_COUNTS } from '../harness/pinning.ts';
import { pool } from '../common/pool.ts';
import { spreadOf } from '../stats/spread.ts';
import type { ChildReport } from './instruction-child.ts';
import {
  CHUNKS_PER_STREAM,
  caseKey,
  EXTRA_LOOP_ITERATIONS,
  type InstructionCase,
  instructionCases,
  OPEN_STREAMS_PER_TICK,
  SDK_WARMUP_ITERATIONS,
  WARMUP_ITERATIONS,
} from './instruction-cases.ts';

/**
 * npm run bench:micro -- --instructions: each case of bench/micro/instruction-cases.ts runs in a
 * child process under cachegrind, at two iteration counts, R times; its figure is the difference of
 * the two processes' instructions over the difference of the counts, so start-up, set-up and
 * warm-up cancel. Counts do not depend on the host's load, so children run side by side.
 */

export const VALGRIND_OPTIONS = ['--tool=cachegrind', '--cache-sim=no', '--cachegrind-out-file=/dev/null'];

/** Repeats of a case may disagree by this much; more, and the figure is not trusted. */
export const REPEAT_TOLERANCE_PERCENT = 2;
/** The doubled-work and extra-loop checks must read their expected ratio within this much. */
export const CALIBRATION_TOLERANCE_PERCENT = 5;

const CHILD_SOURCE = 'bench/micro/instruction-child.ts';

export interface InstructionOptions {
  repeats: number;
  node: NodeRuntime;
  /** Children run at once (cachegrind is single-threaded). */
  jobs: number;
  /** Case keys (tracer/name) to run; all by default. Calibration needs its four cases and the baselines. */
  only?: readonly string[];
  /** Strategies from --strategy-module (loaded and registered by the caller): each gets its cases in every tracer. */
  modules?: readonly StrategyModule[];
  log?: (line: string) => void;
}

interface Job {
  entry: InstructionCase;
  /** The strategy modules' files, for the child to load. */
  modulePaths: readonly string[];
  repeat: number;
  count: number;
}


/** One child under cachegrind: its instructions and allocated bytes, once its report shows the work was done. */
function countInChild(binary: string, job: Job): Promise<Pick<InstructionRun, 'instructions' | 'allocatedBytes'>> {
  const key = caseKey(job.entry);
  const args = [...VALGRIND_OPTIONS, binary, ...COUNTING_NODE_FLAGS, builtPath(CHILD_SOURCE), key, String(job.count), ...job.modulePaths];
  return new Promise((resolve, reject) => {
    const child = spawnChild('valgrind', args, { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: countingEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-8_000)));
    child.once('error', (error) => {
      reject(new Error(`${key}: valgrind could not start: ${error.message}`));
    });
    child.once('exit', (code, signal) => {
      const refs = /I\s+refs:\s+([\d,]+)/.exec(stderr);
      const failure = (why: string): Error => new Error(`${key} (count ${job.count}): ${why}: ${stderr.trim().split('\n').slice(-4).join(' | ')}`);
      if (code !== 0 || !refs) return reject(failure(`exited (${signal ?? `code ${code}`}) without a count`));
      let report: ChildReport;
      try {
        report = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as ChildReport;
      } catch {
        return reject(failure('printed no report'));
      }
      const problem = checkReport(job.entry, report);
      if (problem) return reject(new Error(`${key} (count ${job.count}): ${problem}`));
      resolve({ instructions: Number(refs[1]!.replaceAll(',', '')), allocatedBytes: report.allocatedBytes });
    });
  });
}

/**
 * What the child's report must show: every root ended once (tick cases keep theirs open), the SDK
 * sent, and the process ran no GC.
 */
function checkReport(entry: InstructionCase, report: ChildReport): string | null {
  if (report.collections !== 0) return `the child ran ${report.collections} garbage collections (the young generation of COUNTING_NODE_FLAGS is too small for this count)`;
  const expectedOpen = entry.group === 'tick' ? OPEN_STREAMS_PER_TICK : 0;
  if (report.rootsOpen !== expectedOpen) return `${report.rootsOpen} roots left open (expected ${expectedOpen})`;
  if (report.extraRootEnds !== 0) return `${report.extraRootEnds} roots ended twice`;
  if (entry.tracer !== 'none' && !(report.sent && report.sent.envelopes > 0)) return 'the SDK sent nothing';
  return null;
}


/** Per repeat: a run's figure (instructions, or allocated bytes) per unit from the two counts. */
function perUnitByRepeat(entry: InstructionCase, runs: readonly InstructionRun[], repeats: number, figure: 'instructions' | 'allocatedBytes'): number[] {
  const [low, high] = entry.counts;
  const divisor = (high - low) * entry.unitsPerIteration;
  return Array.from({ length: repeats }, (_, repeat) => {
    const at = (count: number): number => runs.find((run) => run.repeat === repeat && run.count === count)![figure];
    return (at(high) - at(low)) / divisor;
  });
}

export async function runInstructions({ repeats, node, jobs, only, modules = [], log = () => {} }: InstructionOptions): Promise<InstructionResult> {
  const notOwning = modules.find((module) => module.rootOwner !== 'strategy');
  if (notOwning) throw new UsageError(`strategy module ${notOwning.path} has rootOwner '${notOwning.rootOwner}': instruction cases count strategies that own the root ('strategy')`);
  const allCases = instructionCases(modules);
  const modulePaths = modules.map((module) => module.path);
  const selected = only ? allCases.filter((entry) => only.includes(caseKey(entry))) : allCases;
  if (only) {
    const unknown = only.filter((key) => !allCases.some((entry) => caseKey(entry) === key));
    if (unknown.length > 0) throw new UsageError(`unknown instruction case ${unknown.join(', ')} (accepted: ${allCases.map(caseKey).join(', ')})`);
  }
  const binary = nodeBinary(node);
  const valgrind = valgrindVersion();
  if (!valgrind) throw new UsageError(VALGRIND_MISSING);
  const stale = buildIfStale();
  if (stale) log(`rebuilt build/ (${stale})`);
  const createdAt = new Date().toISOString();

  // Repeat-major order: a repeat of every case finishes before the next starts, so an interrupted run has all cases once.
  const jobList: Job[] = [];
  for (let repeat = 0; repeat < repeats; repeat += 1) {
    for (const entry of selected) for (const count of entry.counts) jobList.push({ entry, modulePaths, repeat, count });
  }
  let done = 0;
  const counted = await pool(jobList, jobs, async (job) => {
    const run = await countInChild(binary, job);
    done += 1;
    log(`[${done}/${jobList.length}] ${caseKey(job.entry)} x${job.count} (repeat ${job.repeat + 1}): ${run.instructions.toLocaleString('en-US')} instructions`);
    return run;
  });

  const byCase = new Map<InstructionCase, { runs: InstructionRun[]; perUnit: number[] }>();
  for (const entry of selected) {
    const runs = jobList.flatMap((job, index) => (job.entry === entry ? [{ repeat: job.repeat, count: job.count, ...counted[index]! }] : []));
    byCase.set(entry, { runs, perUnit: perUnitByRepeat(entry, runs, repeats, 'instructions') });
  }
  const perUnitOf = (tracer: string, name: string): number[] | undefined =>
    [...byCase].find(([entry]) => entry.tracer === tracer && entry.name === name)?.[1].perUnit;

  const cases: InstructionCaseResult[] = [...byCase].map(([entry, { runs, perUnit }]) => {
    const baseline = entry.group === 'strategy' ? perUnitOf(entry.tracer, 'no strategy') : undefined;
    return {
      name: entry.name,
      tracer: entry.tracer,
      group: entry.group,
      unit: entry.unit,
      strategy: entry.strategy,
      counts: [entry.counts[0], entry.counts[1]],
      runs,
      perUnit: spreadOf(perUnit),
      bytesPerUnit: spreadOf(perUnitByRepeat(entry, runs, repeats, 'allocatedBytes')),
      ownCost: baseline ? spreadOf(perUnit.map((value, repeat) => value - baseline[repeat]!)) : null,
    };
  });

  return {
    schemaVersion: INSTRUCTION_SCHEMA_VERSION,
    kind: 'instructions',
    createdAt,
    env: collectEnvironment(NOT_PINNED_FOR_COUNTS),
    config: {
      repeats,
      node: `${node === 'system' ? 'system' : `node${node}`} ${nodeVersion(node)}`,
      nodeFlags: COUNTING_NODE_FLAGS,
      valgrind: `${valgrind} ${VALGRIND_OPTIONS.join(' ')}`,
      chunksPerStream: CHUNKS_PER_STREAM,
      openStreamsPerTick: OPEN_STREAMS_PER_TICK,
      warmupIterations: WARMUP_ITERATIONS,
      sdkWarmupIterations: SDK_WARMUP_ITERATIONS,
      repeatTolerancePercent: REPEAT_TOLERANCE_PERCENT,
    },
    cases,
    calibration: calibrationChecks(perUnitOf),
  };
}

/** The method's own checks, where their cases ran: doubled work reads 2x; a known loop adds what it costs alone. */
function calibrationChecks(perUnitOf: (tracer: string, name: string) => number[] | undefined): CalibrationCheck[] {
  const checks: CalibrationCheck[] = [];
  const mean = (values: number[]): number => spreadOf(values).mean;
  const check = (name: string, expected: number, measured: number, detail: string): CalibrationCheck => ({
    name,
    expected,
    measured,
    tolerancePercent: CALIBRATION_TOLERANCE_PERCENT,
    pass: Math.abs(measured / expected - 1) * 100 <= CALIBRATION_TOLERANCE_PERCENT,
    detail,
  });
  const [base, single, baseTwice, twice] = ['no strategy', 'close-listener', 'no strategy x2', 'close-listener x2'].map((name) => perUnitOf('none', name));
  if (base && single && baseTwice && twice) {
    const once = mean(single) - mean(base);
    const doubled = mean(twice) - mean(baseTwice);
    checks.push(
      check('doubled work', 2, doubled / once, `close-listener's own cost with two responses per stream (${Math.round(doubled)}) over its cost with one (${Math.round(once)})`),
    );
  }
  const [extra, loop] = ['no strategy + extra loop', 'extra loop alone'].map((name) => perUnitOf('none', name));
  if (base && extra && loop) {
    const added = (mean(extra) - mean(base)) / EXTRA_LOOP_ITERATIONS;
    checks.push(
      check('known extra loop', 1, added / mean(loop), `a stream with ${EXTRA_LOOP_ITERATIONS} loop iterations added: ${added.toFixed(2)} instructions per iteration, against ${mean(loop).toFixed(2)} for the loop alone`),
    );
  }
  return checks;
}

const whole = (value: number): string => Math.round(value).toLocaleString('en-US');
const oneDecimal = (value: number): string => value.toFixed(1);

/**
 * An own cost as a finding: only where the strategy's and the baseline's repeats both agreed, and
 * above zero in every repeat; else what it is ('unsteady', or zero within the repeats). Never a
 * negative cost.
 */
function ownCostText(entry: InstructionCaseResult, baseline: InstructionCaseResult | undefined, tolerance: number): string {
  const own = entry.ownCost;
  if (!own) return '-';
  if (entry.perUnit.spreadPercent > tolerance || (baseline && baseline.perUnit.spreadPercent > tolerance)) return 'unsteady';
  if (own.min <= 0) return `~0 (${whole(own.min)} to ${whole(own.max)})`;
  return whole(own.mean);
}

/** The table, the calibration, and which figures broke the repeat tolerance. */
export function renderInstructionTable(result: InstructionResult): string {
  const header = ['tracer', 'case', 'unit', 'instr/unit', 'repeats spread %', 'own instr/stream', 'bytes/unit'];
  const rows = result.cases.map((entry) => [
    entry.tracer,
    entry.name,
    entry.unit,
    whole(entry.perUnit.mean),
    oneDecimal(entry.perUnit.spreadPercent),
    ownCostText(
      entry,
      result.cases.find((other) => other.tracer === entry.tracer && other.name === 'no strategy'),
      result.config.repeatTolerancePercent,
    ),
    whole(entry.bytesPerUnit.mean),
  ]);
  const unsteady = result.cases.filter((entry) => entry.perUnit.spreadPercent > result.config.repeatTolerancePercent);
  const lines = [
    renderTable(header, rows),
    '',
    `instructions counted by ${result.config.valgrind}, on ${result.config.node} ${result.config.nodeFlags.join(' ')};`,
    `per unit = (count at the high iteration count - at the low) / the difference, ${result.config.repeats} repeats; a stream has ${result.config.chunksPerStream} chunks;`,
    `a tick case's unit is one open stream in a tick over ${result.config.openStreamsPerTick}; own = the strategy's stream minus 'no strategy' (the harness ends the root itself).`,
    'tracer none: inert roots, no SDK (the mechanism alone); sentry-*, otel: the real SDK, its sends serialised and discarded.',
    'the children run no garbage collection (not counted): bytes/unit is what the counted part allocated, for a collector to collect.',
  ];
  for (const entry of result.calibration) {
    lines.push(`calibration, ${entry.name}: ${entry.measured.toFixed(3)} (expected ${entry.expected} within ${entry.tolerancePercent} %): ${entry.pass ? 'pass' : 'FAIL'}; ${entry.detail}`);
  }
  if (unsteady.length > 0) {
    lines.push(`not steady (repeats disagree by more than ${result.config.repeatTolerancePercent} %): ${unsteady.map(caseKey).join(', ')}`);
  }
  return lines.join('\n');
}

/** True when every case repeated within tolerance and every calibration check passed. */
export function instructionsHold(result: InstructionResult): boolean {
  return result.cases.every((entry) => entry.perUnit.spreadPercent <= result.config.repeatTolerancePercent) && result.calibration.every((entry) => entry.pass);
}
