import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StrategyName } from '../strategies/registry.ts';
import type { TracerName } from '../servers/tracer.ts';
import { buildMatrix, SDK_TRACERS } from '../bench/harness/matrix.ts';
import { verifyCell } from '../bench/harness/verify-run.ts';
import { CellServers } from './support/cell-servers.ts';
import { useSink } from './support/sink-fixture.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runEntry } from './support/run.ts';
import { scratchDirectory } from './support/scratch.ts';

// Real server processes, the real SDK, spans over HTTP to the suite's own sink.
const sink = useSink();

const REQUESTS = 10; // the mix: 6 normal, 2 aborted mid-stream, 2 failing in the producer

type Scenario = 'sse-tokens' | 'shared-source' | 'shared-source-bound';

/**
 * The verdict of every cell, one server per strategy and tracer serving its scenarios in turn (each
 * verdict drains the server's ground truth, so a cell is judged on its own requests); each cell is
 * verified alone, one after another.
 */
async function verdictsFor(strategies: StrategyName[], scenarios: Scenario[], tracers: readonly TracerName[] = SDK_TRACERS) {
  const cells = buildMatrix(strategies, tracers, scenarios);
  const servers = new CellServers(cells, sink());
  try {
    const verdicts = [];
    for (const cell of cells) verdicts.push(await verifyCell(cell, sink(), REQUESTS, servers.of(cell)));
    return verdicts;
  } finally {
    await servers.stopAll();
  }
}

/** close-listener on every tracer, in the scenarios of both describes below: one server per tracer. */
let closeListener: ReturnType<typeof verdictsFor> | undefined;
const closeListenerVerdicts = async (scenario: Scenario) =>
  (await (closeListener ??= verdictsFor(['close-listener'], ['sse-tokens', 'shared-source', 'shared-source-bound']))).filter(({ cell }) => cell.scenario === scenario);

describe('sse-tokens, every tracer', () => {
  test('handler-return comes out broken', async () => {
    for (const { cell, report, error } of await verdictsFor(['handler-return'], ['sse-tokens'])) {
      assert.equal(error, undefined);
      assert.ok(report, `${cell.tracer}: no report`);
      assert.ok(report.correct < report.requests / 2, `${cell.tracer}: ${report.correct}/${report.requests} correct`);
      assert.ok(report.requestsViolating.outOfRange > 0, `${cell.tracer}: children outside the root not seen`);
    }
  });

  /**
   * @sentry/node 11.12 reads the clock twice when a span starts and loses any pause between the
   * two readings from its duration (README, "The rare outOfRange comes from the SDK";
   * test/span-end-after-pause.test.ts pins it): on a busy core a root now and then reports an end
   * a few milliseconds before the response's real end, and its last child lands just outside it.
   * That request breaks outOfRange alone, with the root early by a pause's length. Anything else,
   * or a root early by more than 50 ms (a strategy that ends it before the stream), still fails.
   */
  const sdkLostPause = (tracer: string, request: { violations: Record<string, unknown>; durationErrorMs?: number }): boolean =>
    tracer.startsWith('sentry') && Object.keys(request.violations).join() === 'outOfRange' && request.durationErrorMs !== undefined && request.durationErrorMs < -1 && request.durationErrorMs > -50;

  /**
   * A polling strategy ends a root at its first tick after the response ends (50 ms), plus however
   * late its thread runs. Alone, 900 requests of each ended at most 55 ms late, with test:parallel
   * beside them too; in one of eight runs of npm test here, one tick came 130 ms late. Late by less
   * than POLLING_LATE_MS is that; early, or later, still fails (the verdict's own tolerance, and
   * the figures of how late, belong to the benchmark).
   */
  const POLLING_LATE_MS = 500;
  const pollingLate = (strategy: string, request: { violations: Record<string, unknown>; durationErrorMs?: number }): boolean =>
    strategy !== 'close-listener' && Object.keys(request.violations).join() === 'durationError' && request.durationErrorMs !== undefined && request.durationErrorMs > 0 && request.durationErrorMs < POLLING_LATE_MS;

  test('close-listener, timer-keepalive and worker-thread-watcher are correct but for the SDK\'s lost pause and a late tick, aborted and failed included', async () => {
    // The polling and thread strategies do not depend on the SDK: on otel, close-listener stands for them.
    const verdicts = [...(await closeListenerVerdicts('sse-tokens')), ...(await verdictsFor(['timer-keepalive', 'worker-thread-watcher'], ['sse-tokens'], ['sentry-static', 'sentry-stream']))];
    assert.equal(verdicts.length, 7);
    for (const { cell, report, error } of verdicts) {
      const name = `${cell.strategy}/${cell.tracer}`;
      assert.equal(error, undefined, name);
      assert.ok(report, name);
      const violating = report.perRequest.filter((request) => Object.keys(request.violations).length > 0);
      const unexplained = violating.filter((request) => !sdkLostPause(cell.tracer, request) && !pollingLate(cell.strategy, request));
      assert.deepEqual(unexplained, [], `${name} has violations`);
      assert.equal(report.correct + violating.length, REQUESTS, name);
      assert.equal(report.leakedOpen, 0, name);
      const outcomes = new Set(report.perRequest.map((request) => request.outcome));
      assert.deepEqual([...outcomes].sort(), ['aborted', 'completed', 'failed'], `${name} did not see every outcome`);
    }
  });

  test('sdk-default is reported as measured', async () => {
    for (const { cell, report, error } of await verdictsFor(['sdk-default'], ['sse-tokens'])) {
      assert.equal(error, undefined);
      assert.ok(report, cell.tracer);
      assert.equal(report.requests, REQUESTS);
      assert.equal(report.leakedOpen, null, 'the SDK owns its root: open roots are not observable');
    }
  });
});

describe('shared-source', () => {
  test('without binding, the lost context shows as a trace_id mismatch', async () => {
    for (const { cell, report } of await closeListenerVerdicts('shared-source')) {
      assert.ok(report, cell.tracer);
      assert.ok(report.requestsViolating.traceMismatch > 0, `${cell.tracer}: mismatch not detected`);
    }
  });

  test('bound to the request context, it does not', async () => {
    for (const { cell, report } of await closeListenerVerdicts('shared-source-bound')) {
      assert.ok(report, cell.tracer);
      assert.equal(report.requestsViolating.traceMismatch, 0, cell.tracer);
      assert.equal(report.correct, REQUESTS, cell.tracer);
    }
  });
});

describe('npm run verify --node', () => {
  test('the same strategy is correct on Node 20 and Node 24, each cell on the binary it names', async () => {
    const out = join(scratchDirectory('verify-node'), 'verdicts.json');
    const args = ['--strategies', 'close-listener', '--tracers', 'sentry-static', '--scenarios', 'sse-tokens', '--node', '20,24', '--requests', '5', '--json', out];
    const { code, stderr } = await runEntry('bench/commands/verify.ts', args);
    assert.equal(code, 0, stderr);
    const saved = JSON.parse(readFileSync(out, 'utf8')) as { nodeVersions: Record<string, string>; verdicts: { cell: { node: string }; report: { correct: number; requests: number } | null }[] };
    assert.match(saved.nodeVersions['20'] ?? '', /^v20\./);
    assert.match(saved.nodeVersions['24'] ?? '', /^v24\./);
    assert.deepEqual(saved.verdicts.map((verdict) => verdict.cell.node), ['20', '24']);
    for (const { cell, report } of saved.verdicts) assert.deepEqual([report?.correct, report?.requests], [5, 5], `Node ${cell.node}`);
  });
});
