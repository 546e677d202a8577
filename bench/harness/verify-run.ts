import { randomUUID } from 'node:crypto';
import type { ServerState, UpstreamTruth } from '../../servers/ground-truth.ts';
import type { FakeUpstream } from '../upstream/fake-upstream.ts';
import { type Cell, expectedSdk } from './matrix.ts';
import { callsUpstream, SCENARIOS, type Scenario, scenarioUrl } from './scenarios.ts';
import { startServer, type ServerProcess } from './server-process.ts';
import type { Sink } from '../spans/sink.ts';
import { fetchStream, type StreamRequest } from './stream-client.ts';
import { verify, type VerifyReport } from '../spans/verifier.ts';
import { errorMessage } from '../common/error-message.ts';

/** How long strategies get to end their roots after the last response closed. */
const SETTLE_TIMEOUT_MS = 5_000;

export interface CellVerdict {
  cell: Cell;
  /** Null for untraced: there are no spans to verify. */
  report: VerifyReport | null;
  requestsSent: number;
  extraRootEnds: number;
  /** Set when the cell could not run: the server's own error. */
  error?: string;
}

/**
 * The fixed mix of a correctness run: mostly normal requests, one in five aborted by the client
 * mid-stream and one in five failing in the producer (streaming scenarios only).
 */
export function requestMix(baseUrl: string, scenario: Scenario, count: number): StreamRequest[] {
  return Array.from({ length: count }, (_, index) => {
    const kind = scenario.streaming ? index % 5 : 0;
    return {
      url: scenarioUrl(baseUrl, scenario, { failing: kind === 4 }),
      requestId: randomUUID(),
      abortAfterChunks: kind === 3 ? 2 : undefined,
      timeoutMs: 30_000,
    };
  });
}

/**
 * A cell's server for a correctness run, sending to the sink. Servers may be started ahead, side by
 * side (start-up is not judged), and handed to verifyCell one at a time.
 */
export function startCellServer(cell: Cell, sink: Sink, upstream?: FakeUpstream): Promise<ServerProcess> {
  return startServer({ strategy: cell.strategy, tracer: cell.tracer, node: cell.node, dsn: sink.dsn, upstream: upstreamUrlFor(cell, upstream), sdkDir: cell.sdkRelease?.dir, expectSdk: expectedSdk(cell) });
}

/** The fake upstream's URL for a cell whose scenario calls it; a missing upstream is the harness's bug. */
export function upstreamUrlFor(cell: Cell, upstream: FakeUpstream | undefined): string | undefined {
  if (!callsUpstream(cell.scenario)) return undefined;
  if (!upstream) throw new Error(`scenario ${cell.scenario} calls the fake model upstream: start it beside the sink`);
  return upstream.url;
}

/** Waits until no response is in flight and no strategy-owned root is still open. */
export async function settle(server: ServerProcess, timeoutMs = SETTLE_TIMEOUT_MS): Promise<ServerState> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const state = await server.state();
    if ((state.inFlight === 0 && !state.openRoots) || performance.now() > deadline) return state;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * A flush resolves once the SDK's sends are acknowledged, and the sink keeps a body's spans before
 * it acknowledges it. The quiet is a guard against a send started as the flush resolves: in 74
 * trials of every tracer and scenario that waited 300 ms, sends arrived after the flush only once,
 * from OTel's exporter before it took a full queue at once (servers/otel-tracer.ts).
 */
const QUIET_AFTER_FLUSH_MS = 50;
/** A sink still receiving this long after a flush fails the trial: a send that never ends. */
const QUIET_TIMEOUT_MS = 30_000;

/** The SDK sends what it holds and the sink has all of it; answers what the SDK said it dropped. */
export async function flushToSink(server: ServerProcess, sink: Sink): Promise<Record<string, number>> {
  const dropped = await server.flush();
  if (!(await sink.waitForQuiet(QUIET_AFTER_FLUSH_MS, QUIET_TIMEOUT_MS))) {
    throw new Error(`the sink was still receiving ${QUIET_TIMEOUT_MS / 1000} s after the SDK flushed`);
  }
  return dropped;
}

export interface Collected {
  /** The server once every response closed and every root it can see ended (or the wait ran out). */
  settled: ServerState;
  /** What the SDK said it dropped since the last flush. */
  dropped: Record<string, number>;
  /** The ground truth of every request since the last collection, handed over (drained). */
  truths: ServerState;
  /** What the fake upstream saw of every call since the last collection (drained); empty without one. */
  calls: UpstreamTruth[];
}

/** After the requests: every root ended, the SDK's spans in the sink, the server's ground truth. */
export async function settleAndCollect(server: ServerProcess, sink: Sink, upstream?: FakeUpstream): Promise<Collected> {
  const settled = await settle(server);
  // An aborted call reaches the upstream a little after the response closed.
  if (upstream && !(await upstream.settled())) throw new Error(`the fake upstream still had ${upstream.open} calls open after the server settled`);
  const dropped = await flushToSink(server, sink);
  const truths = await server.state(true);
  const calls = upstream?.records() ?? [];
  upstream?.clear();
  return { settled, dropped, truths, calls };
}

/**
 * Runs one cell without load: a fresh server, the request mix, a flush, the verifier. A scenario
 * that calls the model upstream needs the fake one (started beside the sink). A server passed in
 * (`started`) stays running, the caller's to stop: it may serve another cell, judged on its own
 * requests only, as each collection drains the ground truth.
 */
export async function verifyCell(cell: Cell, sink: Sink, requests: number, started?: Promise<ServerProcess>, upstream?: FakeUpstream): Promise<CellVerdict> {
  const scenario: Scenario = SCENARIOS[cell.scenario];
  let server: ServerProcess | undefined;
  try {
    server = await (started ?? startCellServer(cell, sink, upstream));
    sink.clear();
    upstream?.clear();
    const mix = requestMix(server.url, scenario, requests);
    await Promise.all(mix.map((request) => fetchStream(request)));
    const { truths, calls } = await settleAndCollect(server, sink, upstream);
    const report = cell.tracer === 'none' ? null : verify(sink.spans(), truths.requests, { openRoots: truths.openRoots, upstream: calls });
    return { cell, report, requestsSent: mix.length, extraRootEnds: truths.extraRootEnds };
  } catch (error) {
    return { cell, report: null, requestsSent: 0, extraRootEnds: 0, error: errorMessage(error) };
  } finally {
    if (!started) await server?.stop();
  }
}
