import { randomUUID } from 'node:crypto';
import { SOAK_SCHEMA_VERSION, type SoakCell, type SoakFile, type SoakSample, type SoakSlope, type SoakVerdict } from '../../results/soak-schema.ts';
import type { AnyStrategyName } from '../../strategies/registry.ts';
import type { TracerName } from '../../servers/tracer.ts';
import { measuredServerSpec, type StopSignal } from './bench-run.ts';
import { collectEnvironment } from './environment.ts';
import { buildMatrix, type Cell } from './matrix.ts';
import { describeStrategyModules } from './strategy-selection.ts';
import { type NodeRuntime, nodeVersion } from '../common/node-runtime.ts';
import { nodeTag } from '../../results/cell-name.ts';
import { pinProcesses } from './pinning.ts';
import { Progress } from '../common/progress.ts';
import { leastSquares } from '../stats/regression.ts';
import { SCENARIOS, scenarioUrl } from './scenarios.ts';
import { startServer, type ServerProcess } from './server-process.ts';
import { startSink, type Sink } from '../spans/sink.ts';
import { fetchStream } from './stream-client.ts';
import { settle } from './verify-run.ts';
import { errorMessage } from '../common/error-message.ts';

/**
 * The memory soak (`npm run bench -- --scenarios long-idle --soak MIN`): does a strategy's server
 * hold on to memory for every stream it has finished? Per cell, a fresh server (pinned as in the
 * load bench) takes waves of long-idle streams, each wave opened at once, streaming a heartbeat a
 * second for a short life, then ending; after every wave, once the server has closed every
 * response, ended every root and flushed its SDK, its heap is read after a forced GC. Heap against
 * streams finished is fitted by least squares; the slope is the figure, in MiB per 10 000 streams.
 */

export interface SoakOptions {
  strategies: AnyStrategyName[];
  tracers: TracerName[];
  /** The Node axis: every cell soaks once per Node listed. */
  nodes: NodeRuntime[];
  /** Each cell's soak (min); the whole soak is this times the cells, plus a server start-up each. */
  minutesPerCell: number;
  /** Each cell ends after this many waves, if its minutes are not up first; null: minutes only. */
  maxWaves: number | null;
  /** Streams opened at once per wave. */
  waveStreams: number;
  /** Each stream's life (s). */
  streamSec: number;
  tickMs: number;
}

/**
 * Warm-up: the samples until the server has finished this many streams, or the first third of the
 * cell's samples if that is longer, are recorded but not fitted. A server's heap after GC rises over
 * its first few thousand streams whatever the strategy (optimised code, node's and the SDK's pools
 * and caches filling up) and then levels off (README, "Memory soak").
 */
export const WARM_UP_STREAMS = 3_000;
export const WARM_UP_FRACTION = 1 / 3;
/**
 * A cell leaks when its slope's whole 95 % interval lies above this: 1 MiB per 10 000 streams is
 * about 100 bytes kept per finished stream. A strategy that keeps its roots, a listener closure or
 * the response keeps hundreds of bytes to kilobytes per stream, far above it. On this repository's
 * machine, cells that keep nothing measured under 0.2 MiB per 10 000 after warm-up, and their heap
 * climbed at up to about 0.6 while still warming up (README, "Memory soak").
 */
export const LEAK_THRESHOLD_MB_PER_10K = 1;
const STREAMS_PER_UNIT = 10_000;

export function soakCells(options: Pick<SoakOptions, 'strategies' | 'tracers' | 'nodes'>): Cell[] {
  return buildMatrix(options.strategies, options.tracers, ['long-idle'], options.nodes);
}

export async function runSoak(options: SoakOptions, stop: StopSignal, out: NodeJS.WriteStream = process.stderr): Promise<SoakFile> {
  const createdAt = new Date().toISOString();
  const pinning = pinProcesses();
  const env = collectEnvironment(pinning);
  const matrix = soakCells(options);
  const progress = new Progress(matrix.length, out);
  progress.message(`pinning: ${pinning.note}`);
  progress.message(
    `soak: ${matrix.length} cells x ${options.minutesPerCell} min = ${formatMinutes(matrix.length * options.minutesPerCell)}, plus a server start-up per cell; ` +
      `waves of ${options.waveStreams} streams of ${options.streamSec} s; warm-up (not fitted): the first ${WARM_UP_STREAMS} streams or third of the waves`,
  );

  const cells: SoakCell[] = [];
  const order: string[] = [];
  const sink = await startSink({ port: 0 });
  try {
    for (const [index, cell] of matrix.entries()) {
      if (stop.stopped) break;
      const name = soakCellName(cell);
      order.push(name);
      const reporter = new WaveReporter(progress, out, index, name);
      const record = await soakCell(cell, options, sink, pinning.serverCpus, stop, reporter);
      const finished = finishCell(cell, record);
      cells.push(finished);
      progress.trialEnds(index + 1, name, describeCell(finished));
    }
  } finally {
    await sink.close();
  }

  return {
    schemaVersion: SOAK_SCHEMA_VERSION,
    kind: 'soak',
    createdAt,
    complete: !stop.stopped && cells.length === matrix.length && cells.every((cell) => cell.failed === null),
    env,
    config: {
      strategies: options.strategies,
      ...describeStrategyModules(options.strategies),
      tracers: options.tracers as SoakFile['config']['tracers'],
      nodes: options.nodes,
      scenario: 'long-idle',
      minutesPerCell: options.minutesPerCell,
      maxWavesPerCell: options.maxWaves,
      waveStreams: options.waveStreams,
      streamSec: options.streamSec,
      tickMs: options.tickMs,
      warmUpStreams: WARM_UP_STREAMS,
      warmUpFraction: WARM_UP_FRACTION,
      leakThresholdMbPer10k: LEAK_THRESHOLD_MB_PER_10K,
      order,
    },
    cells,
  };
}

interface CellRecord {
  failed: string | null;
  waves: number;
  streams: number;
  errors: number;
  samples: Omit<SoakSample, 'warmUp'>[];
}

/**
 * One cell: a fresh server, then waves until the cell's time is up (a wave starts only when one
 * more of the last wave's length still fits) or it has had --waves of them. Ctrl-C or a crash
 * keeps the samples so far.
 */
async function soakCell(
  cell: Cell,
  options: SoakOptions,
  sink: Sink,
  serverCpus: string | null,
  stop: StopSignal,
  reporter: WaveReporter,
): Promise<CellRecord> {
  const record: CellRecord = { failed: null, waves: 0, streams: 0, errors: 0, samples: [] };
  let server: ServerProcess | undefined;
  try {
    server = await startServer(measuredServerSpec(cell, sink.dsn, serverCpus, options));
    const url = scenarioUrl(server.url, SCENARIOS['long-idle'], { overrides: { seconds: String(options.streamSec) } });
    const tag = randomUUID().slice(0, 8);
    const budgetMs = options.minutesPerCell * 60_000;
    const started = performance.now();
    let lastWaveMs = 0;
    const moreWaves = (): boolean => options.maxWaves === null || record.waves < options.maxWaves;
    while (!stop.stopped && moreWaves() && performance.now() - started + lastWaveMs <= budgetMs) {
      const waveStarted = performance.now();
      const wave = record.waves + 1;
      const results = await Promise.all(
        Array.from({ length: options.waveStreams }, (_, index) =>
          fetchStream({ url, requestId: `soak-${tag}-${wave}-${index}`, timeoutMs: options.streamSec * 1000 + 30_000 }),
        ),
      );
      if (stop.stopped) break;
      // Every response closed and every root ended; the ground truth handed over (the server
      // would otherwise keep it), the SDK's queue sent: what is left on the heap is kept state.
      await settle(server);
      const { requests } = await server.state(true);
      await server.flush();
      sink.clear();
      const { heapAfterGcMb } = await server.probeHeap();
      if (heapAfterGcMb === null) throw new Error('the server cannot force a GC (started without --expose-gc)');
      record.waves = wave;
      record.streams += requests.length;
      record.errors += results.filter((result) => result.ending !== 'complete').length;
      record.samples.push({ wave, streams: record.streams, heapAfterGcMb });
      lastWaveMs = performance.now() - waveStarted;
      reporter.wave(wave, record.streams, heapAfterGcMb);
    }
  } catch (error) {
    if (!stop.stopped) record.failed = errorMessage(error);
  } finally {
    await server?.stop();
  }
  return record;
}

/** Marks the warm-up samples: those up to WARM_UP_STREAMS streams, or the first third if longer. */
export function markWarmUp(samples: readonly Omit<SoakSample, 'warmUp'>[]): SoakSample[] {
  const byFraction = Math.ceil(samples.length * WARM_UP_FRACTION);
  return samples.map((sample, index) => ({ ...sample, warmUp: index < byFraction || sample.streams <= WARM_UP_STREAMS }));
}

/** The least-squares fit of the samples after warm-up, and the verdict of its interval. */
export function judgeSamples(samples: readonly SoakSample[]): { slope: SoakSlope | null; verdict: SoakVerdict } {
  const fitted = samples.filter((sample) => !sample.warmUp);
  const fit = leastSquares(
    fitted.map((sample) => sample.streams / STREAMS_PER_UNIT),
    fitted.map((sample) => sample.heapAfterGcMb),
  );
  if (!fit) return { slope: null, verdict: 'inconclusive' };
  const [low, high] = fit.slopeCi;
  const verdict: SoakVerdict = low > LEAK_THRESHOLD_MB_PER_10K ? 'leak' : high < LEAK_THRESHOLD_MB_PER_10K ? 'no leak' : 'inconclusive';
  return { slope: { estimate: fit.slope, ci95: [low, high], n: fit.n, residualSdMb: fit.residualSd }, verdict };
}

function finishCell(cell: Cell, record: CellRecord): SoakCell {
  const samples = markWarmUp(record.samples);
  const { slope, verdict } = judgeSamples(samples);
  return {
    label: cell.label,
    strategy: cell.strategy,
    tracer: cell.tracer,
    node: cell.node,
    nodeVersion: nodeVersion(cell.node),
    failed: record.failed,
    waves: record.waves,
    streams: record.streams,
    errors: record.errors,
    samples,
    slopeMbPer10k: slope,
    verdict,
    leaking: verdict === 'leak',
  };
}

/** `label/tracer/node24`: a soak cell's name (the scenario is always long-idle). */
export function soakCellName(cell: { label: string; tracer: string; node: string }): string {
  return `${cell.label}/${cell.tracer}/${nodeTag(cell.node)}`;
}

/** `12000 streams, slope +0.12 [-0.30, +0.54] MiB/10k: inconclusive`. */
export function describeCell(cell: SoakCell): string {
  const slope = cell.slopeMbPer10k;
  const figure = slope ? `slope ${formatSlope(slope.estimate)} [${formatSlope(slope.ci95[0])}, ${formatSlope(slope.ci95[1])}] MiB/10k` : 'too few samples for a slope';
  const failed = cell.failed ? ` (FAILED: ${cell.failed})` : '';
  return `${cell.streams} streams in ${cell.waves} waves, ${figure}: ${cell.verdict}${failed}`;
}

export function formatSlope(value: number): string {
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value >= 0 ? '+' : '-'}${Math.abs(value).toFixed(digits)}`;
}

export function formatMinutes(minutes: number): string {
  return minutes >= 60 ? `${Math.floor(minutes / 60)} h ${Math.round(minutes % 60)} min` : `${Number(minutes.toFixed(2))} min`;
}

/** Where the waves are: rewritten in place on a terminal, a plain line every 10 waves elsewhere. */
class WaveReporter {
  constructor(
    private readonly progress: Progress,
    private readonly out: NodeJS.WriteStream,
    private readonly index: number,
    private readonly name: string,
  ) {}

  wave(wave: number, streams: number, heapMb: number): void {
    const what = `${this.name} wave ${wave}: ${streams} streams, heap after GC ${heapMb.toFixed(2)} MiB`;
    if (this.out.isTTY) this.progress.trialStarts(this.index, what);
    else if (wave % 10 === 0) this.progress.message(`[${this.index + 1}] ${what}`);
  }
}
