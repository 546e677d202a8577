/**
 * Diagnosis (issue 10, "The rare outOfRange"): one cell under load, then every outOfRange child
 * with its root, next to the server's own ground truth for the request.
 *
 *   node --import tsx bench/repro/out-of-range-under-load.ts [--strategy S] [--tracer T]
 *       [--scenario N] [--seconds 10] [--connections 20] [--cpus 0]
 *
 * With close-listener the server records the response's real end and then the strategy ends the
 * root, in the same 'close' event, on the same clock as the SDK (performance.timeOrigin +
 * performance.now()): the root can end only after that moment. There "roots ending before the
 * response closed" counts the roots whose duration the SDK shortened (bench/repro/
 * span-end-after-pause.ts shows how); an outOfRange child is one that ended in the time its root
 * lost. (sdk-default's root is ended by the SDK's own close listener, which runs before the
 * server's, so there that count says nothing.)
 */
import { randomUUID } from 'node:crypto';
import { STRATEGY_NAMES } from '../../strategies/registry.ts';
import { REQUEST_ID_ATTRIBUTE, SPAN_KIND_ATTRIBUTE } from '../../servers/ground-truth.ts';
import { buildIfStale } from '../common/build.ts';
import { defineCommand, parseChoice, parseFlags, parseIntegerFlag, runCommand } from '../common/cli.ts';
import { runLoad } from '../harness/load.ts';
import { SDK_TRACERS } from '../harness/matrix.ts';
import { SCENARIO_NAMES, SCENARIOS, scenarioUrl } from '../harness/scenarios.ts';
import { startServer } from '../harness/server-process.ts';
import { settle } from '../harness/verify-run.ts';
import { startSink } from '../spans/sink.ts';
import { type RequestVerdict, verify } from '../spans/verifier.ts';

const COMMAND = defineCommand({
  usage: 'node --import tsx bench/repro/out-of-range-under-load.ts [flags]',
  flags: {
    strategy: { type: 'string', value: 'S', help: `the strategy: ${STRATEGY_NAMES.join(', ')}`, default: 'close-listener' },
    tracer: { type: 'string', value: 'T', help: `the tracer: ${SDK_TRACERS.join(', ')}`, default: 'sentry-static' },
    scenario: { type: 'string', value: 'N', help: `the scenario: ${SCENARIO_NAMES.join(', ')}`, default: 'plain-json' },
    seconds: { type: 'string', value: 'SEC', help: 'seconds of load', integer: [1, 60], default: '10' },
    connections: { type: 'string', value: 'C', help: 'load connections', integer: [1, 200], default: '20' },
    cpus: { type: 'string', value: 'LIST', help: 'pin the server to these cpus (taskset -c syntax)', defaultText: 'not pinned' },
  },
});

runCommand(async () => {
  const { values } = parseFlags(process.argv.slice(2), COMMAND);
  const strategy = parseChoice('strategy', values.strategy, STRATEGY_NAMES);
  const tracer = parseChoice('tracer', values.tracer, SDK_TRACERS);
  const scenario = SCENARIOS[parseChoice('scenario', values.scenario, SCENARIO_NAMES)];
  const seconds = parseIntegerFlag(COMMAND, 'seconds', values.seconds);
  const connections = parseIntegerFlag(COMMAND, 'connections', values.connections);
  buildIfStale();

  const sink = await startSink({ port: 0 });
  const server = await startServer({ strategy, tracer, dsn: sink.dsn, cpus: values.cpus ?? null });
  try {
    const url = scenarioUrl(server.url, scenario, { underLoad: true });
    await runLoad({ url, connections, durationSec: seconds, idPrefix: `oor-${randomUUID().slice(0, 8)}` });
    await settle(server);
    await server.flush();
    await sink.waitForQuiet(300);
    const { requests: truths } = await server.state(true);
    const spans = sink.spans();
    const report = verify(spans, truths);

    console.log(`${strategy} ${tracer} ${scenario.name}: ${report.requests} requests, ${report.violations.outOfRange} outOfRange children in ${report.requestsViolating.outOfRange} requests`);
    if (strategy === 'close-listener') reportEarlyRoots(report.perRequest);

    for (const verdict of report.perRequest.filter((candidate) => candidate.violations.outOfRange)) {
      const truth = truths.find((candidate) => candidate.requestId === verdict.requestId);
      const mine = spans.filter((span) => span.attributes[REQUEST_ID_ATTRIBUTE] === verdict.requestId);
      const root = mine.filter((span) => span.isSegment && span.attributes[SPAN_KIND_ATTRIBUTE] === 'root').sort((a, b) => a.start - b.start)[0];
      if (!truth || !root) continue;
      console.log(
        `\nrequest ${verdict.requestId} (${truth.outcome}): root duration sent ${ms(root.end - root.start)}, response open ${(truth.endMs - truth.startMs).toFixed(3)} ms;` +
          ` root starts ${(root.start * 1000 - truth.startMs).toFixed(3)} ms after the request arrived, ends ${(root.end * 1000 - truth.endMs).toFixed(3)} ms after the response closed`,
      );
      const outside = mine.filter((span) => span.attributes[SPAN_KIND_ATTRIBUTE] === 'child' && (span.end > root.end || span.start < root.start));
      for (const child of outside.slice(0, 3)) {
        console.log(`  child ${child.name}: starts ${ms(child.start - root.start)} after the root's start, ends ${ms(child.end - root.end)} after the root's end`);
      }
      if (outside.length > 3) console.log(`  ... ${outside.length - 3} more children outside the root`);
    }
  } finally {
    await server.stop();
    await sink.close();
  }
});

const ms = (seconds: number): string => `${(seconds * 1000).toFixed(3)} ms`;

/** How many roots ended before the response closed (only possible when their duration was shortened), and by how much. */
function reportEarlyRoots(verdicts: RequestVerdict[]): void {
  const early = verdicts.flatMap((verdict) => (verdict.durationErrorMs !== undefined && verdict.durationErrorMs < 0 ? [verdict.durationErrorMs] : []));
  early.sort((a, b) => a - b);
  console.log(
    `roots ending before the response closed: ${early.length}; by more than 0.1 ms: ${early.filter((error) => error < -0.1).length},` +
      ` 1 ms: ${early.filter((error) => error < -1).length}; worst ${early[0]?.toFixed(3) ?? '-'} ms`,
  );
}
