import { randomUUID } from 'node:crypto';
import type { Trial, TrialDrivers } from '../../results/schema.ts';
import { bytesPerRead, readCounters } from './proc-io.ts';
import type { ServerState } from '../../servers/ground-truth.ts';
import type { ProcessSample } from '../../servers/process-probe.ts';
import { runLoad } from './load.ts';
import type { Cell } from './matrix.ts';
import { percentile } from '../stats/percentile.ts';
import { type Scenario, SCENARIOS, scenarioUrl } from './scenarios.ts';
import type { ServerProcess } from './server-process.ts';
import type { Sink } from '../spans/sink.ts';
import type { FakeUpstream } from '../upstream/fake-upstream.ts';
import { median } from '../stats/stats.ts';
import { probeStreams } from './stream-probe.ts';
import { fetchStream } from './stream-client.ts';
import { type Rule, RULES } from '../../results/rules.ts';
import { verify, type VerifyReport } from '../spans/verifier.ts';
import { settle, settleAndCollect } from './verify-run.ts';

export interface TrialSettings {
  durationSec: number;
  warmupSec: number;
  connections: number;
  longIdleStreams: number;
  longIdleSec: number;
}

export interface TrialPosition {
  index: number;
  round: number;
}

/** What a trial measured on the load side, before the server's own figures are added. */
interface LoadFigures {
  requestsPerSec: number;
  bytesPerSec: number;
  latencyP50Ms: number;
  latencyP90Ms: number;
  latencyP99Ms: number;
  ttfbMs: number | null;
  maxGapMs: number | null;
  /** Responses completed in the measured window: the divisor of CPU per request. */
  completed: number;
  errors: number;
  timeouts: number;
  /** long-idle: streams open at once, and the heap after GC while they were. */
  openStreams: number | null;
  heldHeapMb: number | null;
}

/** A trial's load-side figures and the server's own over the same window. */
interface Measured {
  figures: LoadFigures;
  sample: ProcessSample;
  /** The harness's bytes per read syscall over the window (proc-io.ts); null where it cannot be read. */
  harnessBytesPerRead: number | null;
}

/**
 * The same load as a trial, not measured, once per server before its first trial: the JIT and
 * the SDK's buffers are warm for every trial alike. long-idle needs none. It ends as a trial does,
 * with the SDK's spans sent: a server frozen in the middle of a send would leave the sink waiting
 * on a body that cannot finish until that server's next turn.
 */
export async function warmUp(server: ServerProcess, sink: Sink, cell: Cell, settings: TrialSettings, upstream?: FakeUpstream): Promise<void> {
  if (cell.scenario === 'long-idle' || settings.warmupSec <= 0) return;
  const url = scenarioUrl(server.url, SCENARIOS[cell.scenario], { underLoad: true });
  await runLoad({ url, connections: settings.connections, durationSec: settings.warmupSec, idPrefix: `warmup-${randomUUID().slice(0, 8)}` });
  await settleAndCollect(server, sink, upstream);
  sink.clear();
}

/**
 * One trial of a cell on its running server: the measured period with
 * the probe beside the load, then the server's own figures and the verifier's verdict on every
 * request the server finished in the period (and on its model call, where it made one).
 */
export async function runTrial(server: ServerProcess, sink: Sink, cell: Cell, settings: TrialSettings, position: TrialPosition, upstream?: FakeUpstream): Promise<Trial> {
  const startedAt = new Date().toISOString();
  const scenario: Scenario = SCENARIOS[cell.scenario];
  const url = scenarioUrl(server.url, scenario, {
    underLoad: true,
    overrides: cell.scenario === 'long-idle' ? { seconds: String(settings.longIdleSec) } : {},
  });
  const tag = randomUUID().slice(0, 8);

  await settle(server);
  await server.state(true); // requests from before the trial (warm-up) are not judged
  sink.clear();
  upstream?.clear();

  const { figures: measured, sample, harnessBytesPerRead } =
    cell.scenario === 'long-idle'
      ? await holdStreams(server, url, settings.longIdleStreams, tag)
      : await measureLoad(server, url, settings, tag);

  const { settled, dropped, truths, calls } = await settleAndCollect(server, sink, upstream);
  const figures = cell.scenario === 'long-idle' ? measured : countedByProgress(measured, sample, truths);
  const report = cell.tracer === 'none' ? null : verify(sink.spans(), truths.requests, { openRoots: settled.openRoots, upstream: calls });
  const discarded = sink.discarded();
  for (const [key, quantity] of Object.entries(dropped)) discarded[key] = (discarded[key] ?? 0) + quantity;
  sink.clear();
  return { ...trialFrom(position, startedAt, figures, sample, truths, report), drivers: driversOf(figures, sample, harnessBytesPerRead), sdkDiscarded: discarded };
}

/** What might drive CPU per request, per response's worth of work or per second of the window. */
function driversOf(figures: LoadFigures, sample: ProcessSample, harnessBytesPerRead: number | null): TrialDrivers {
  const perRequest = (value: number | null): number | null => (value === null || !(figures.completed > 0) ? null : value / figures.completed);
  const perSecond = (value: number): number | null => (sample.wallMs > 0 ? value / (sample.wallMs / 1000) : null);
  return {
    gcMsPerRequest: perRequest(sample.gcMs),
    gcPerRequest: perRequest(sample.gcCount),
    loopTurnsPerRequest: perRequest(sample.loopTurns),
    eventsPerLoopTurn: sample.loopTurns && sample.loopEvents !== null ? sample.loopEvents / sample.loopTurns : null,
    voluntaryContextSwitchesPerSec: perSecond(sample.voluntaryContextSwitches),
    involuntaryContextSwitchesPerSec: perSecond(sample.involuntaryContextSwitches),
    harnessBytesPerRead,
  };
}

/**
 * The load runs longer than the measured window: its ramp-up (connections opening, the first
 * streams not done yet) is not measured, and it stops once the window has closed, so the streams
 * it cuts at its end are not either. Throughput and CPU per request count the work done inside the
 * window (countedByProgress).
 */
const RAMP_MS = 500;
/**
 * The window opens and closes when the server handles the control requests, and a saturated server
 * handles them one or more event-loop turns late (a turn of llm-proxy under load lasted 0.1-0.5 s).
 * So the load stops when the server's answer that the window has closed is back, not at a fixed
 * time: the window lies inside the load however late the answers come. This is only the guard on a
 * window that never closes.
 */
const WINDOW_LATE_LIMIT_MS = 30_000;

async function measureLoad(server: ServerProcess, url: string, settings: TrialSettings, tag: string): Promise<Measured> {
  let windowClosed = (): void => {};
  const closed = new Promise<void>((resolve) => (windowClosed = resolve));
  let loadEnded = false;
  const load = runLoad({
    url,
    connections: settings.connections,
    durationSec: settings.durationSec + (RAMP_MS + WINDOW_LATE_LIMIT_MS) / 1000,
    idPrefix: `load-${tag}`,
    stopWhen: closed,
  }).finally(() => (loadEnded = true));
  const window = (async () => {
    try {
      await sleep(RAMP_MS);
      await server.probeStart();
      const readsBefore = readCounters();
      await sleep(settings.durationSec * 1000);
      const readsAfter = readCounters();
      const sample = await server.probeStop();
      if (loadEnded) throw new Error(`the measured window closed after the load had ended: the server answered its control requests more than ${WINDOW_LATE_LIMIT_MS / 1000} s late`);
      return { sample, harnessBytesPerRead: bytesPerRead(readsBefore, readsAfter) };
    } finally {
      windowClosed();
    }
  })();
  const [result, probe, { sample, harnessBytesPerRead }] = await Promise.all([load, probeStreams(url, `probe-${tag}`, load), window]);
  const figures: LoadFigures = {
    requestsPerSec: sample.wallMs > 0 ? sample.requestsCompleted / (sample.wallMs / 1000) : 0,
    bytesPerSec: result.bytesPerSec,
    latencyP50Ms: result.latencyP50Ms,
    latencyP90Ms: result.latencyP90Ms,
    latencyP99Ms: result.latencyP99Ms,
    ttfbMs: probe.ttfbMs,
    maxGapMs: probe.maxGapMs,
    completed: sample.requestsCompleted,
    errors: result.errors + result.non2xx,
    timeouts: result.timeouts,
    openStreams: null,
    heldHeapMb: null,
  };
  return { figures, sample, harnessBytesPerRead };
}

/**
 * Responses completed in a short window come in waves: a closed loop's streams start together, and
 * ~100 streams are in flight at either edge of the window. The child spans the server produced
 * count the same work as it happens, so the window holds `childSpans / (child spans per
 * response)` responses' worth of work, whatever the phase of the waves.
 */
function countedByProgress(figures: LoadFigures, sample: ProcessSample, truths: ServerState): LoadFigures {
  const completed = truths.requests.filter((request) => request.outcome === 'completed');
  const childSpansPerResponse = completed.reduce((sum, request) => sum + request.childSpans, 0) / completed.length;
  if (!(childSpansPerResponse > 0) || sample.wallMs <= 0) return figures;
  const responses = sample.childSpansProduced / childSpansPerResponse;
  return { ...figures, completed: responses, requestsPerSec: responses / (sample.wallMs / 1000) };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * long-idle is not a throughput scenario: hold `count` streams open at once and measure the
 * heap (after GC) they hold, per stream, against the heap before they opened.
 */
async function holdStreams(server: ServerProcess, url: string, count: number, tag: string): Promise<Measured> {
  await server.probeStart();
  const started = performance.now();
  const streams = Array.from({ length: count }, (_, index) => fetchStream({ url, requestId: `idle-${tag}-${index}`, timeoutMs: 120_000 }));
  // Every stream has arrived and sent its first heartbeat (at 1 s) before the heap is read.
  let open = 0;
  for (const deadline = performance.now() + 10_000; performance.now() < deadline; ) {
    open = (await server.state()).inFlight;
    if (open >= count) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1_200 - (performance.now() - started))));
  const held = await server.probeHeap();
  const results = await Promise.all(streams);
  const sample = await server.probeStop();
  const elapsedSec = (performance.now() - started) / 1000;

  const complete = results.filter((result) => result.ending === 'complete');
  const durations = complete.map((result) => result.durationMs).sort((a, b) => a - b);
  const ttfbs = complete.flatMap((result) => (result.ttfbMs === undefined ? [] : [result.ttfbMs]));
  const figures: LoadFigures = {
    requestsPerSec: complete.length / elapsedSec,
    bytesPerSec: complete.reduce((sum, result) => sum + result.bytes, 0) / elapsedSec,
    latencyP50Ms: durations.length > 0 ? percentile(durations, 50) : 0,
    latencyP90Ms: durations.length > 0 ? percentile(durations, 90) : 0,
    latencyP99Ms: durations.length > 0 ? percentile(durations, 99) : 0,
    ttfbMs: ttfbs.length > 0 ? median(ttfbs) : null,
    maxGapMs: complete.length > 0 ? median(complete.map((result) => result.maxGapMs)) : null,
    completed: complete.length,
    errors: results.length - complete.length,
    timeouts: 0,
    openStreams: open,
    heldHeapMb: held.heapAfterGcMb,
  };
  return { figures, sample, harnessBytesPerRead: null };
}

function trialFrom(
  position: TrialPosition,
  startedAt: string,
  figures: LoadFigures,
  sample: ProcessSample,
  truths: ServerState,
  report: VerifyReport | null,
): Omit<Trial, 'sdkDiscarded' | 'drivers'> {
  const cpuMs = sample.cpuUserMs + sample.cpuSystemMs;
  const perStream =
    figures.heldHeapMb !== null && sample.heapBaselineMb !== null && figures.openStreams
      ? ((figures.heldHeapMb - sample.heapBaselineMb) * 1024) / figures.openStreams
      : null;
  return {
    index: position.index,
    round: position.round,
    startedAt,
    requestsPerSec: figures.requestsPerSec,
    bytesPerSec: figures.bytesPerSec,
    latencyP50Ms: figures.latencyP50Ms,
    latencyP90Ms: figures.latencyP90Ms,
    latencyP99Ms: figures.latencyP99Ms,
    ttfbMs: figures.ttfbMs,
    maxGapMs: figures.maxGapMs,
    cpuMsPerRequest: figures.completed > 0 ? cpuMs / figures.completed : null,
    cpuUtilisation: sample.cpuUtilisation,
    rssPeakMb: sample.rssPeakMb,
    heapPeakMb: sample.heapPeakMb,
    heapAfterGcMb: sample.heapAfterGcMb,
    eventLoopDelayP99Ms: sample.eventLoopDelayP99Ms,
    requests: report?.requests ?? truths.requests.length,
    errors: figures.errors,
    timeouts: figures.timeouts,
    correct: report?.correct ?? 0,
    correctRate: report?.correctRate ?? null,
    violations: report?.violations ?? noViolations(),
    leakedOpen: report ? report.leakedOpen : null,
    durationErrorMs: report?.durationErrorMs ?? null,
    openStreams: figures.openStreams,
    memoryPerStreamKb: perStream,
    error: null,
  };
}

function noViolations(): Record<Rule, number> {
  return Object.fromEntries(RULES.map((rule) => [rule, 0])) as Record<Rule, number>;
}
