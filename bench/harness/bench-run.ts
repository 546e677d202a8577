import { cpus } from 'node:os';
import type { Config, Failure, NoiseCheck, ResultFile } from '../../results/schema.ts';
import { worstNoise } from '../../results/host-noise.ts';
import { SCHEMA_VERSION } from '../../results/schema.ts';
import type { AnyStrategyName } from '../../strategies/registry.ts';
import type { TracerName } from '../../servers/tracer.ts';
import { cellName } from '../../results/cell-name.ts';
import { collectEnvironment } from './environment.ts';
import { buildMatrix, type Cell, expectedSdk, releaseAxisOf, releaseOf } from './matrix.ts';
import type { ReleaseAxis } from '../releases/sdk-families.ts';
import { describeNoiseReading, measureNoiseFloor } from './noise-floor.ts';
import { pinProcesses } from './pinning.ts';
import { Progress } from '../common/progress.ts';
import { createRandom, deriveSeed, shuffle } from '../stats/random.ts';
import { callsUpstream, DEFAULT_CONNECTIONS, type Scenario, SCENARIOS, type ScenarioName } from './scenarios.ts';
import { type NodeRuntime, nodeVersion } from '../common/node-runtime.ts';
import { type ServerProcess, type ServerSpec, startServer } from './server-process.ts';
import { startSink } from '../spans/sink.ts';
import { type FakeUpstream, startFakeUpstream } from '../upstream/fake-upstream.ts';
import { upstreamUrlFor } from './verify-run.ts';
import { describeStrategyModules } from './strategy-selection.ts';
import { summariseCells, type UnsummarisedCell } from './summarise-cell.ts';
import { runTrial, type TrialSettings, warmUp } from './trial.ts';
import { DEFAULT_END_TOLERANCE_MS, DEFAULT_RANGE_TOLERANCE_MS } from '../spans/verifier.ts';
import { errorMessage } from '../common/error-message.ts';

export interface BenchOptions extends Omit<TrialSettings, 'connections'> {
  /** Every scenario's load connections; null: each scenario's own (SCENARIOS[name].connections). */
  connections: number | null;
  strategies: AnyStrategyName[];
  tracers: TracerName[];
  scenarios: ScenarioName[];
  /** The Node axis: every cell runs once per Node listed. */
  nodes: NodeRuntime[];
  /** The SDK releases axis (--sentry): every cell of an SDK's tracers runs once per release listed. */
  releases?: ReleaseAxis;
  trials: number;
  seed: number;
  quick: boolean;
  calibrate: boolean;
  tickMs: number;
  /** Calibration only: the CPU cost calibration-burn adds per request. */
  burnUs: number;
  /**
   * 'frozen' (the protocol): the scenario's other servers are SIGSTOPped while one is warmed up or
   * measured. 'running' keeps them all alive, as runs before it did; kept to measure the difference.
   */
  idleServers?: IdleServers;
}

export type IdleServers = 'frozen' | 'running';

/** Set by Ctrl-C: the run stops after the trial in progress and keeps what finished. */
export interface StopSignal {
  stopped: boolean;
}

/**
 * The load matrix. Scenario by scenario, every cell gets a fresh server (pinned to the server
 * core); then K rounds, each running every cell once in a seeded shuffled order, so drift hits
 * every strategy alike and trials of one round ran next to each other. A server that crashes or
 * never gets ready fails its cell; the others go on.
 */
export async function runBench(options: BenchOptions, stop: StopSignal, progress?: Progress): Promise<ResultFile> {
  const createdAt = new Date().toISOString();
  const idleServers = options.idleServers ?? 'frozen';
  const pinning = pinProcesses();
  const env = { ...collectEnvironment(pinning), noiseFloor: measureNoiseFloor(pinning.serverCpus) };
  const matrix = buildMatrix(options.strategies, options.tracers, options.scenarios, options.nodes, options.releases);
  const cells = new Map<Cell, UnsummarisedCell>(
    matrix.map((cell) => [
      cell,
      { label: cell.label, strategy: cell.strategy, tracer: cell.tracer, scenario: cell.scenario, node: cell.node, nodeVersion: nodeVersion(cell.node), ...releaseOf(cell), failed: null, trials: [] },
    ]),
  );
  const failures: Failure[] = [];
  const order: string[] = [];
  const random = createRandom(deriveSeed(options.seed, 'order'));
  const report = progress ?? new Progress(matrix.length * options.trials);
  report.message(`pinning: ${pinning.note}`);
  const noiseChecks: NoiseCheck[] = [];
  report.message(describeNoiseReading('at the start', env.noiseFloor));

  const fail = (cell: Cell, error: unknown, trial?: number): void => {
    const message = errorMessage(error);
    failures.push({ label: cell.label, strategy: cell.strategy, tracer: cell.tracer as Failure['tracer'], scenario: cell.scenario, node: cell.node, ...releaseOf(cell), ...(trial === undefined ? {} : { trial }), error: message });
    if (trial === undefined) cells.get(cell)!.failed = message;
  };

  const sink = await startSink({ port: 0 });
  // The model upstream of llm-proxy runs beside the sink, in this process, pinned with the load.
  const upstream = options.scenarios.some(callsUpstream) ? await startFakeUpstream() : undefined;
  let done = 0;
  try {
    for (const scenario of shuffle(options.scenarios.filter((name, index, all) => all.indexOf(name) === index), random)) {
      if (stop.stopped) break;
      const servers = new Map<Cell, ServerProcess>();
      const trialSettings = { ...options, connections: connectionsFor(scenario, options) };
      // The servers of a scenario (on every Node) start side by side, one per core; each is pinned
      // once ready. Its rounds interleave every Node's cells, so drift hits each Node alike.
      const scenarioCells = matrix.filter((candidate) => candidate.scenario === scenario);
      const started = await settleAll(scenarioCells, cpus().length, (cell) => startServer(measuredServerSpec(cell, sink.dsn, pinning.serverCpus, { ...options, upstream })));
      started.forEach((outcome, index) => {
        const cell = scenarioCells[index]!;
        if (outcome.status === 'fulfilled') servers.set(cell, outcome.value);
        else {
          fail(cell, outcome.reason);
          done += options.trials;
        }
      });
      // Only the measured server runs: the others sit frozen until their own turn.
      const exclusively = async <T>(server: ServerProcess, work: () => Promise<T>): Promise<T> => {
        if (idleServers === 'running') return work();
        server.thaw();
        try {
          return await work();
        } finally {
          await server.freeze();
        }
      };
      if (idleServers === 'frozen') await Promise.all([...servers.values()].map((server) => server.freeze()));
      try {
        if (scenario !== 'long-idle') report.message(`${scenario}: warming up ${servers.size} servers, ${options.warmupSec} s each, not measured`);
        for (const [cell, server] of shuffle([...servers], random)) {
          if (stop.stopped) break;
          await exclusively(server, () => warmUp(server, sink, cell, trialSettings, upstream)).catch((error: unknown) => fail(cell, error));
        }
        for (let round = 0; round < options.trials && !stop.stopped; round += 1) {
          for (const [cell, server] of shuffle([...servers], random)) {
            if (stop.stopped) break;
            if (cells.get(cell)!.failed) continue;
            const what = `${cellName(cell)} trial ${round + 1}/${options.trials}`;
            report.trialStarts(done, what);
            order.push(`${cellName(cell)}#${round}`);
            try {
              const trial = await exclusively(server, () => runTrial(server, sink, cell, trialSettings, { index: round, round }, upstream));
              cells.get(cell)!.trials.push(trial);
              done += 1;
              report.trialEnds(done, what, describeTrial(trial.requestsPerSec, trial.correctRate, trial.cpuUtilisation));
            } catch (error) {
              if (stop.stopped) break;
              done += 1;
              const crashed = !(await exclusively(server, () => isServing(server)));
              fail(cell, crashed ? `server crashed: ${errorMessage(error)}` : error, crashed ? undefined : round);
              report.trialEnds(done, what, `FAILED: ${failures.at(-1)?.error}`);
              if (crashed) done += options.trials - round - 1;
            }
          }
        }
      } finally {
        await Promise.all([...servers.values()].map((server) => server.stop()));
      }
      // The core again, its servers gone: between scenarios, and after the last one the end.
      const check = measureNoiseFloor(pinning.serverCpus);
      if (check) noiseChecks.push({ afterScenario: scenario, ...check });
      report.message(describeNoiseReading(`after ${scenario}`, check));
    }
  } finally {
    await Promise.all([sink.close(), upstream?.close()]);
  }

  const config: Config = {
    strategies: options.strategies,
    ...describeStrategyModules(options.strategies),
    tracers: options.tracers as Config['tracers'],
    ...releaseAxisOf(options.releases),
    scenarios: options.scenarios,
    nodes: options.nodes,
    trials: options.trials,
    durationSec: options.durationSec,
    warmupSec: options.warmupSec,
    connections: options.connections ?? DEFAULT_CONNECTIONS,
    connectionsByScenario: Object.fromEntries(options.scenarios.map((scenario) => [scenario, connectionsFor(scenario, options)])),
    idleServers,
    workCount: 'child-spans',
    seed: options.seed,
    quick: options.quick,
    calibrate: options.calibrate,
    tickMs: options.tickMs,
    longIdleStreams: options.longIdleStreams,
    longIdleSec: options.longIdleSec,
    verifier: { endToleranceMs: DEFAULT_END_TOLERANCE_MS, rangeToleranceMs: DEFAULT_RANGE_TOLERANCE_MS },
    order,
  };
  const finished = !stop.stopped && failures.length === 0;
  return {
    schemaVersion: SCHEMA_VERSION,
    createdAt,
    complete: finished,
    failures,
    env: { ...env, noiseChecks },
    config,
    cells: summariseCells([...cells.values()], { seed: options.seed, noiseFloorCv: worstNoise({ ...env, noiseChecks }) }),
  };
}

/**
 * A cell's server for a measured run (the load bench, the soak): sending to the sink when traced,
 * able to force a GC, pinned to the server cpus once ready.
 */
export function measuredServerSpec(
  cell: Cell,
  dsn: string,
  cpus: string | null,
  { tickMs, burnUs = 0, upstream }: { tickMs: number; burnUs?: number; upstream?: FakeUpstream },
): ServerSpec {
  return {
    strategy: cell.strategy,
    tracer: cell.tracer,
    node: cell.node,
    dsn: cell.tracer === 'none' ? undefined : dsn,
    upstream: upstreamUrlFor(cell, upstream),
    sdkDir: cell.sdkRelease?.dir,
    expectSdk: expectedSdk(cell),
    nodeArgs: ['--expose-gc'],
    cpus,
    args: ['--tick-ms', String(tickMs), '--burn-us', String(burnUs)],
  };
}

/** The load's connections on a scenario: the flag's, else the scenario's own. */
export function connectionsFor(scenario: ScenarioName, options: Pick<BenchOptions, 'connections'>): number {
  return options.connections ?? (SCENARIOS[scenario] as Scenario).connections ?? DEFAULT_CONNECTIONS;
}

/** Like Promise.allSettled over items, with at most `limit` running at once. */
async function settleAll<T, R>(items: T[], limit: number, run: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = { status: 'fulfilled', value: await run(items[index]!) };
      } catch (reason) {
        results[index] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

async function isServing(server: ServerProcess): Promise<boolean> {
  try {
    await server.state();
    return true;
  } catch {
    return false;
  }
}

function describeTrial(requestsPerSec: number, correctRate: number | null, cpu: number | null): string {
  const correct = correctRate === null ? 'untraced' : `${(correctRate * 100).toFixed(1)} % correct`;
  return `${requestsPerSec.toFixed(0)} req/s, ${correct}, server core ${cpu === null ? '?' : Math.round(cpu * 100)} % busy`;
}
