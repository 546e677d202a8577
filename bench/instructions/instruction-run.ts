import {
  type CountedWindowRecord,
  type KnownLoopCheck,
  REQUEST_INSTRUCTION_SCHEMA_VERSION,
  type RequestCell,
  type RequestChecks,
  type RequestInstructionResult,
} from '../../results/request-instruction-schema.ts';
import { type AnyStrategyName } from '../../strategies/registry.ts';
import { nodeTag, tracerTag } from '../../results/cell-name.ts';
import { BURN_ITERATIONS_HEADER } from '../../strategies/known-loop.ts';
import type { TracerName } from '../../servers/tracer.ts';
import { type NodeRuntime, nodeVersion } from '../common/node-runtime.ts';
import { pool } from '../common/pool.ts';
import { collectEnvironment } from '../harness/environment.ts';
import { buildMatrix, releaseAxisOf, releaseOf } from '../harness/matrix.ts';
import { NOT_PINNED_FOR_COUNTS } from '../harness/pinning.ts';
import { type Scenario, type ScenarioName, SCENARIOS, scenarioUrl } from '../harness/scenarios.ts';
import { describeStrategyModules } from '../harness/strategy-selection.ts';
import { releaseText, type ReleaseAxis, type SdkRelease } from '../releases/sdk-families.ts';
import { startSink } from '../spans/sink.ts';
import { spreadOf } from '../stats/spread.ts';
import type { Spread } from '../../results/instruction-schema.ts';
import { CALLGRIND_OPTIONS, COUNTED_SERVER_ARGS, type CountedServer, SERVER_COUNTING_FLAGS, startCountedServer } from './counted-server.ts';
import { type CountedWindow, streamLoad, type WindowLoad, WindowCounter } from './request-windows.ts';
import { errorMessage } from '../common/error-message.ts';

/**
 * npm run bench -- --instructions: every cell of the matrix counted through the real compiled
 * server under valgrind. One server process per strategy, tracer and Node serves every scenario of
 * the run in turn: per scenario a warm-up, then windows of 1, 1, 2 and 3 times the scenario's
 * window, each counted alone. Counts do not depend on the host's load, so processes run side by side.
 */

/**
 * Requests per scenario. A window must be large enough that one rehash of an SDK's process-wide
 * weak table (about 1-2 M instructions with Sentry, landing in whichever window its growth falls)
 * stays within the checks: 6 bulk-download requests read 1.980-1.984 for twice the requests with
 * every Sentry-static strategy, 12 read 2.000-2.002.
 */
export interface CountPlan {
  warmup: number;
  window: number;
}
const DEFAULT_PLAN: CountPlan = { warmup: 20, window: 10 };
export const COUNT_PLANS: Partial<Record<ScenarioName, CountPlan>> = {
  'plain-json': { warmup: 40, window: 80 },
  'long-idle': { warmup: 20, window: 20 },
  'bulk-download': { warmup: 12, window: 12 },
};
export const planOf = (scenario: ScenarioName): CountPlan => COUNT_PLANS[scenario] ?? DEFAULT_PLAN;

/** Windows per scenario, in single windows: two repeats, then twice and three times the requests (see processEstimate). */
export const WINDOW_MULTIPLES = [1, 1, 2, 3] as const;
export const REPEAT_TOLERANCE_PERCENT = 0.5;
export const DOUBLED_TOLERANCE_PERCENT = 1;
export const KNOWN_LOOP_TOLERANCE_PERCENT = 2;
/** The calibration's known loop: about 4 M instructions per request in the interpreter, a few plain-json requests' worth. */
export const KNOWN_LOOP_ITERATIONS = 100_000;
const CALIBRATION_SCENARIO: ScenarioName = 'plain-json';
const CALIBRATION_REQUESTS = 10;

export interface RequestInstructionOptions {
  strategies: readonly AnyStrategyName[];
  tracers: readonly TracerName[];
  scenarios: readonly ScenarioName[];
  nodes: readonly NodeRuntime[];
  /** Server processes per strategy and tracer: more than one also checks process-to-process agreement. */
  repeats: number;
  /** Processes at once. */
  jobs: number;
  /** calibration-burn's known-loop iterations per request. */
  burnIterations: number;
  /** Count the known-loop check (one more process, untraced). */
  calibrate: boolean;
  /** SDK releases side by side (--sentry, --otel): each a process of its own. */
  releases: ReleaseAxis;
  log?: (line: string) => void;
  stop?: { stopped: boolean };
}

/** One server process: a strategy with a tracer on a Node, serving every scenario of the run. */
interface ProcessJob {
  name: string;
  label: string;
  strategy: AnyStrategyName;
  tracer: TracerName;
  node: NodeRuntime;
  sdkRelease?: SdkRelease;
  process: number;
}

interface ProcessOutcome {
  windows: Map<ScenarioName, CountedWindowRecord[]>;
  /** A scenario whose windows failed, and why. */
  failed: Map<ScenarioName, string>;
}

export async function runRequestInstructions(options: RequestInstructionOptions, valgrind: string): Promise<RequestInstructionResult> {
  const { log = () => {}, stop = { stopped: false } } = options;
  const createdAt = new Date().toISOString();
  const cells = buildMatrix(options.strategies, options.tracers, options.scenarios, options.nodes, options.releases);
  const jobs = processJobs(cells, options.repeats);
  const failures: RequestInstructionResult['failures'] = [];
  const outcomes = new Map<string, ProcessOutcome>();
  let calibration: KnownLoopCheck | null = null;

  type Task = { kind: 'cells'; job: ProcessJob } | { kind: 'calibration' };
  const tasks: Task[] = [...(options.calibrate ? [{ kind: 'calibration' } as const] : []), ...jobs.map((job) => ({ kind: 'cells', job }) as const)];
  let done = 0;
  await pool(tasks, options.jobs, async (task) => {
    if (stop.stopped) return;
    const name = task.kind === 'calibration' ? 'calibration (known loop)' : task.job.name;
    const started = performance.now();
    try {
      if (task.kind === 'calibration') calibration = await countKnownLoop(options.nodes[0]!, log);
      else outcomes.set(task.job.name, await countProcess(task.job, options, log));
    } catch (error) {
      if (stop.stopped) return;
      const message = errorMessage(error);
      failures.push({ process: name, error: message });
      log(`${name}: failed: ${message}`);
      return;
    }
    done += 1;
    log(`[${done}/${tasks.length}] ${name}: counted in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  });

  const results: RequestCell[] = [];
  for (const cell of cells) {
    const processes = jobs.filter((job) => job.label === cell.label && job.tracer === cell.tracer && job.node === cell.node && job.sdkRelease === cell.sdkRelease);
    const ran = processes.map((job) => outcomes.get(job.name)).filter((outcome) => outcome !== undefined);
    if (ran.length === 0) continue;
    const windows = ran.flatMap((outcome) => outcome.windows.get(cell.scenario) ?? []);
    const failed = ran.map((outcome) => outcome.failed.get(cell.scenario)).find((why) => why !== undefined);
    const { label, strategy, tracer, scenario, node } = cell;
    const identity = { label, strategy, tracer, scenario, node, nodeVersion: nodeVersion(node), ...releaseOf(cell), request: requestPath(scenario) };
    results.push(summariseCell({ ...identity, windows }, failed ?? null));
  }

  return {
    schemaVersion: REQUEST_INSTRUCTION_SCHEMA_VERSION,
    kind: 'request-instructions',
    createdAt,
    env: collectEnvironment(NOT_PINNED_FOR_COUNTS),
    config: {
      strategies: [...options.strategies],
      ...describeStrategyModules(options.strategies),
      ...releaseAxisOf(options.releases),
      tracers: [...options.tracers],
      scenarios: [...options.scenarios],
      nodes: [...options.nodes],
      processesPerCell: options.repeats,
      nodeFlags: SERVER_COUNTING_FLAGS,
      serverArgs: COUNTED_SERVER_ARGS,
      valgrind: `${valgrind} ${CALLGRIND_OPTIONS.join(' ')}`,
      plans: Object.fromEntries(options.scenarios.map((scenario) => [scenario, planOf(scenario)])),
      windowMultiples: [...WINDOW_MULTIPLES],
      burnIterations: options.burnIterations,
      repeatTolerancePercent: REPEAT_TOLERANCE_PERCENT,
      doubledTolerancePercent: DOUBLED_TOLERANCE_PERCENT,
    },
    cells: results,
    calibration,
    complete: !stop.stopped && failures.length === 0 && results.length === cells.length,
    failures,
  };
}

/** One process per strategy, tracer and Node (and repeat); the SDK's processes first, the longest. */
function processJobs(cells: ReturnType<typeof buildMatrix>, repeats: number): ProcessJob[] {
  const jobs = new Map<string, ProcessJob>();
  for (let process = 0; process < repeats; process += 1) {
    for (const cell of cells) {
      const name = `${cell.label}/${tracerTag(cell)}/${nodeTag(cell.node)}${repeats > 1 ? ` #${process + 1}` : ''}`;
      if (!jobs.has(name)) jobs.set(name, { name, label: cell.label, strategy: cell.strategy, tracer: cell.tracer, node: cell.node, sdkRelease: cell.sdkRelease, process });
    }
  }
  return [...jobs.values()].sort((a, b) => Number(a.tracer === 'none') - Number(b.tracer === 'none') || a.process - b.process);
}

const requestPath = (scenario: ScenarioName): string => scenarioUrl('', SCENARIOS[scenario], { counted: true });

/**
 * A counted server with its own sink. No fake model upstream: llm-proxy, the one scenario that calls
 * one, cannot be counted (bench/commands/bench-instructions.ts refuses it).
 */
async function withCountedServer<T>(
  spec: { strategy: AnyStrategyName; tracer: TracerName; node: NodeRuntime; sdkRelease?: SdkRelease; args?: string[] },
  run: (counter: WindowCounter, counted: CountedServer) => Promise<T>,
): Promise<T> {
  const sink = await startSink();
  let counted: CountedServer | undefined;
  try {
    counted = await startCountedServer({
      strategy: spec.strategy,
      tracer: spec.tracer,
      node: spec.node,
      args: spec.args,
      dsn: spec.tracer === 'none' ? undefined : sink.dsn,
      sdkDir: spec.sdkRelease?.dir,
      expectSdk: spec.sdkRelease ? releaseText(spec.sdkRelease) : undefined,
    });
    return await run(new WindowCounter(counted, sink), counted);
  } finally {
    await counted?.stop();
    await sink.close();
  }
}

function scenarioLoad(url: string, scenario: ScenarioName, idPrefix: string, headers?: Record<string, string>): WindowLoad {
  const definition: Scenario = SCENARIOS[scenario];
  const target = scenarioUrl(url, definition, { counted: true });
  return streamLoad((index) => ({ url: target, requestId: `${idPrefix}-${index}`, headers }));
}

async function countProcess(job: ProcessJob, options: RequestInstructionOptions, log: (line: string) => void): Promise<ProcessOutcome> {
  const outcome: ProcessOutcome = { windows: new Map(), failed: new Map() };
  const args = job.strategy === 'calibration-burn' ? ['--burn-iterations', String(options.burnIterations)] : [];
  await withCountedServer({ ...job, args }, async (counter, counted) => {
    for (const scenario of options.scenarios) {
      if (options.stop?.stopped) return;
      const plan = planOf(scenario);
      const load = scenarioLoad(counted.server.url, scenario, `${job.label}-${scenario}`);
      try {
        await counter.warmUp(load, plan.warmup, plan.window * Math.max(...WINDOW_MULTIPLES));
        const windows: CountedWindowRecord[] = [];
        for (const multiple of WINDOW_MULTIPLES) windows.push({ process: job.process, ...(await counter.count(load, plan.window * multiple)) });
        outcome.windows.set(scenario, windows);
        log(`  ${job.name} ${scenario}: ${windows.map((window) => perRequestText(window)).join(', ')}`);
      } catch (error) {
        outcome.failed.set(scenario, errorMessage(error));
      }
    }
  });
  return outcome;
}

const perRequestText = (window: CountedWindow): string => `${(window.instructions / window.requests / 1e6).toFixed(3)} M/req`;

/**
 * The method's own check, in one untraced process: plain-json requests with calibration-burn's
 * known loop added must cost, per request, what the same loop costs run alone by a control route
 * (each minus the same requests without the loop).
 */
async function countKnownLoop(node: NodeRuntime, log: (line: string) => void): Promise<KnownLoopCheck> {
  return withCountedServer({ strategy: 'calibration-burn', tracer: 'none', node }, async (counter, counted) => {
    const iterations = KNOWN_LOOP_ITERATIONS;
    const plain = (burn: number): WindowLoad => scenarioLoad(counted.server.url, CALIBRATION_SCENARIO, `burn${burn}`, { [BURN_ITERATIONS_HEADER]: String(burn) });
    const loop = (burn: number): WindowLoad => ({ send: async () => void (await counted.server.control(`known-loop?iterations=${burn}`, 'POST')) });
    const loads = [plain(0), plain(iterations), loop(0), loop(iterations)] as const;
    for (const load of loads) await counter.warmUp(load, planOf(CALIBRATION_SCENARIO).warmup, CALIBRATION_REQUESTS);
    const counts: CountedWindow[] = [];
    for (const load of loads) counts.push(await counter.count(load, CALIBRATION_REQUESTS));
    const [base, burned, empty, looped] = counts.map((window) => window.instructions / window.requests) as [number, number, number, number];
    const addedPerRequest = burned - base;
    const loopAlone = looped - empty;
    const ratio = addedPerRequest / loopAlone;
    log(`  calibration: the known loop added ${Math.round(addedPerRequest)} instructions per request, ${Math.round(loopAlone)} alone: ${ratio.toFixed(4)}`);
    return {
      iterations,
      requests: CALIBRATION_REQUESTS,
      addedPerRequest,
      loopAlone,
      ratio,
      tolerancePercent: KNOWN_LOOP_TOLERANCE_PERCENT,
      pass: Math.abs(ratio - 1) * 100 <= KNOWN_LOOP_TOLERANCE_PERCENT,
    };
  });
}

/**
 * One process's estimate of a cell, from its windows of 1, 1, 2 and 3 times n requests. A window
 * also counts a constant of its own (the flush and control requests around it, 0.5-1 M
 * instructions measured), so a figure per request is a difference of windows, where that constant
 * cancels: (3n window - the mean single window) / 2n. The two single windows are a pure repeat;
 * twice the requests must read twice the difference: (3n - 1n) / (2n - 1n) = 2.
 */
function processEstimate(windows: readonly CountedWindowRecord[], figure: 'instructions' | 'allocatedBytes') {
  const sized = (multiple: number): CountedWindowRecord[] => windows.filter((window) => window.requests === windows[0]!.requests * multiple);
  const singles = sized(1).map((window) => window[figure]);
  const [twice] = sized(2).map((window) => window[figure]);
  const [thrice] = sized(3).map((window) => window[figure]);
  if (singles.length !== 2 || twice === undefined || thrice === undefined) return null;
  const n = windows[0]!.requests;
  const single = (singles[0]! + singles[1]!) / 2;
  return {
    perRequest: (thrice - single) / (2 * n),
    /** The same figure from each single window alone: how far a repeat moves it. */
    fromEach: singles.map((value) => (thrice - value) / (2 * n)),
    repeatPercent: (Math.abs(singles[0]! - singles[1]!) / single) * 100,
    doubledRatio: (thrice - single) / (twice - single),
  };
}

/** A cell's figures, or why they are refused: a failed window, repeats apart, or doubled work not reading 2. */
export function summariseCell(cell: Omit<RequestCell, 'checks' | 'refused' | 'perRequest' | 'bytesPerRequest'>, failed: string | null): RequestCell {
  const refuse = (why: string, checks: RequestChecks | null = null): RequestCell => ({ ...cell, checks, refused: why, perRequest: null, bytesPerRequest: null });
  if (failed) return refuse(failed);
  const processes = [...new Set(cell.windows.map((window) => window.process))].map((process) => cell.windows.filter((window) => window.process === process));
  const instructions = processes.map((windows) => processEstimate(windows, 'instructions'));
  const bytes = processes.map((windows) => processEstimate(windows, 'allocatedBytes'));
  if (processes.length === 0 || instructions.some((estimate) => estimate === null)) return refuse('its windows were not all counted');
  const estimates = instructions.filter((estimate) => estimate !== null);
  const acrossProcesses = spreadOf(estimates.map((estimate) => estimate.perRequest)).spreadPercent;
  const repeatSpreadPercent = Math.max(acrossProcesses, ...estimates.map((estimate) => estimate.repeatPercent));
  const doubledRatio = estimates.map((estimate) => estimate.doubledRatio).reduce((worst, ratio) => (Math.abs(ratio - 2) > Math.abs(worst - 2) || Number.isNaN(ratio) ? ratio : worst), 2);
  const checks: RequestChecks = { repeatSpreadPercent, doubledRatio };
  if (!(repeatSpreadPercent <= REPEAT_TOLERANCE_PERCENT)) return refuse(`repeats disagree by ${repeatSpreadPercent.toFixed(2)} % (at most ${REPEAT_TOLERANCE_PERCENT} %)`, checks);
  if (!(Math.abs(doubledRatio / 2 - 1) * 100 <= DOUBLED_TOLERANCE_PERCENT)) {
    return refuse(`twice the requests read ${doubledRatio.toFixed(4)}x the difference (2 within ${DOUBLED_TOLERANCE_PERCENT} %)`, checks);
  }
  const figure = (list: typeof instructions): Spread => {
    const present = list.filter((estimate) => estimate !== null);
    const range = spreadOf(present.flatMap((estimate) => estimate.fromEach));
    const mean = present.reduce((sum, estimate) => sum + estimate.perRequest, 0) / present.length;
    return { mean, min: range.min, max: range.max, spreadPercent: mean === 0 ? 0 : ((range.max - range.min) / Math.abs(mean)) * 100 };
  };
  return { ...cell, checks, refused: null, perRequest: figure(instructions), bytesPerRequest: figure(bytes) };
}
