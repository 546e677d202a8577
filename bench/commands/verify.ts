/**
 * npm run verify -- [flags] (npm run verify -- --help lists them)
 *
 * Span correctness without load: a fresh server per cell, a fixed mix of normal, aborted and
 * failing requests, a flush, and the verifier's verdict per cell, on each Node listed (default the
 * current LTS). Exits 0 when it ran, whatever it found; 2 on bad input.
 */
import { STRATEGY_NAMES } from '../../strategies/registry.ts';
import { writeFileAtomic } from '../common/atomic-write.ts';
import { buildIfStale } from '../common/build.ts';
import { defineCommand, parseChoiceList, parseFlags, parseIntegerFlag, runCommand } from '../common/cli.ts';
import { buildMatrix, type Cell, releaseOf, SDK_TRACERS } from '../harness/matrix.ts';
import { OTEL_RELEASES_FLAG, SENTRY_RELEASES_FLAG, useReleaseAxis } from '../releases/release-flags.ts';
import { releaseText } from '../releases/sdk-families.ts';
import { callsUpstream, SCENARIO_NAMES } from '../harness/scenarios.ts';
import { stopAllChildren } from '../common/children.ts';
import { RULES } from '../../results/rules.ts';
import type { CellVerdict } from '../harness/verify-run.ts';
import { renderTable } from '../common/table.ts';
import { describeStrategyModules, selectStrategies, STRATEGY_MODULE_FLAG } from '../harness/strategy-selection.ts';
import { checkPackagesRunOn } from '../harness/environment.ts';
import { DEFAULT_NODE, NODE_RUNTIMES, nodeVersion, parseNodeList } from '../common/node-runtime.ts';

const COMMAND = defineCommand({
  usage: 'npm run verify -- [flags]',
  flags: {
    strategies: { type: 'string', value: 'a,b', help: `strategies: ${STRATEGY_NAMES.join(', ')}`, defaultText: 'all' },
    'strategy-module': STRATEGY_MODULE_FLAG,
    tracers: { type: 'string', value: 'a,b', help: `tracers: ${SDK_TRACERS.join(', ')}`, default: SDK_TRACERS.join(','), defaultText: 'all' },
    sentry: SENTRY_RELEASES_FLAG,
    otel: OTEL_RELEASES_FLAG,
    scenarios: { type: 'string', value: 'a,b', help: `scenarios: ${SCENARIO_NAMES.join(', ')}`, default: SCENARIO_NAMES.join(','), defaultText: 'all' },
    node: { type: 'string', value: 'a,b', help: `the Nodes the servers run on: ${NODE_RUNTIMES.join(', ')}`, default: DEFAULT_NODE },
    requests: { type: 'string', value: 'N', help: 'requests per cell: normal, aborted and failing', integer: [1, 1_000], default: '10' },
    json: { type: 'string', value: 'FILE', help: 'also write the verdicts there, as JSON' },
  },
});

runCommand(async () => {
  const { values } = parseFlags(process.argv.slice(2), COMMAND);
  const requests = parseIntegerFlag(COMMAND, 'requests', values.requests);
  const strategies = await selectStrategies(values.strategies, values['strategy-module'], STRATEGY_NAMES);
  const cells = buildMatrix(
    strategies,
    parseChoiceList('tracers', values.tracers, SDK_TRACERS),
    parseChoiceList('scenarios', values.scenarios, SCENARIO_NAMES),
    parseNodeList(values.node),
    await useReleaseAxis(values, (line) => process.stderr.write(`${line}\n`)),
  );
  const nodes = [...new Set(cells.map((cell) => cell.node))];
  checkPackagesRunOn(nodes, [...new Set(cells.map((cell) => cell.scenario))]);
  const jsonPath = values.json;
  const nodeVersions = Object.fromEntries(nodes.map((node) => [node, nodeVersion(node)]));
  buildIfStale();
  // The harness (sink, upstream, servers) loads once the flags are good: bad input fails fast.
  const [{ startSink }, { startFakeUpstream }, { verifyCell }] = await Promise.all([import('../spans/sink.ts'), import('../upstream/fake-upstream.ts'), import('../harness/verify-run.ts')]);

  const sink = await startSink({ port: 0 });
  const upstream = cells.some((cell) => callsUpstream(cell.scenario)) ? await startFakeUpstream() : undefined;
  const verdicts: CellVerdict[] = [];
  const save = (complete: boolean): void => {
    if (jsonPath) writeFileAtomic(jsonPath, `${JSON.stringify({ complete, requestsPerCell: requests, nodeVersions, ...describeStrategyModules(strategies), verdicts: verdicts.map(recorded) }, null, 2)}\n`);
  };
  process.once('SIGINT', () => {
    process.stderr.write('\ninterrupted: stopping servers, keeping the finished cells\n');
    void stopAllChildren().then(() => {
      save(false);
      process.exit(130);
    });
  });

  for (const [index, cell] of cells.entries()) {
    const started = performance.now();
    const verdict = await verifyCell(cell, sink, requests, undefined, upstream);
    verdicts.push(verdict);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    process.stderr.write(`[${index + 1}/${cells.length}] ${cell.label} ${cell.tracer}${cell.sdkRelease ? ` ${releaseText(cell.sdkRelease)}` : ''} ${cell.scenario} node ${nodeVersions[cell.node]}: ${summarise(verdict)} (${seconds} s)\n`);
  }
  await Promise.all([sink.close(), upstream?.close()]);
  save(true);
  process.stdout.write(`${renderVerdicts(verdicts)}\n`);
});

/** A verdict as the JSON keeps it: a cell's release without where this machine installed it. */
function recorded(verdict: CellVerdict): CellVerdict | (Omit<CellVerdict, 'cell'> & { cell: Omit<Cell, 'sdkRelease'> }) {
  const { sdkRelease, ...cell } = verdict.cell;
  return sdkRelease ? { ...verdict, cell: { ...cell, ...releaseOf(verdict.cell) } } : verdict;
}

/** The error furthest from zero, with its sign: negative = the root ended before the response. */
function worst(min: number, max: number): number {
  return Math.abs(min) > Math.abs(max) ? min : max;
}

function summarise(verdict: CellVerdict): string {
  if (verdict.error) return `failed: ${verdict.error}`;
  if (!verdict.report) return 'no tracing, nothing to verify';
  const { correct, requests } = verdict.report;
  return `${correct}/${requests} correct`;
}

/** One row per cell: how many requests broke each rule. */
function renderVerdicts(verdicts: CellVerdict[]): string {
  const releases = verdicts.some(({ cell }) => cell.sdkRelease);
  const header = ['strategy', 'tracer', ...(releases ? ['sdk'] : []), 'scenario', 'node', 'requests', 'correct', ...RULES, 'leakedOpen', 'endErr p50 ms', 'endErr worst ms'];
  const rows = verdicts.map(({ cell, report, requestsSent, error }) => {
    const base = [cell.label, cell.tracer, ...(releases ? [cell.sdkRelease ? releaseText(cell.sdkRelease) : '-'] : []), cell.scenario, cell.node];
    if (error) return [...base, requestsSent, 'ERROR', ...RULES.map(() => '-'), '-', '-', '-'];
    if (!report) return [...base, requestsSent, 'n/a', ...RULES.map(() => '-'), '-', '-', '-'];
    const percent = report.correctRate === null ? '-' : `${Math.round(report.correctRate * 100)}%`;
    const errors = report.durationErrorMs;
    return [
      ...base,
      report.requests,
      `${report.correct} (${percent})`,
      ...RULES.map((rule) => report.requestsViolating[rule]),
      report.leakedOpen ?? 'n/a',
      errors ? errors.p50.toFixed(1) : '-',
      errors ? worst(errors.min, errors.max).toFixed(1) : '-',
    ];
  });
  const failures = verdicts.filter((verdict) => verdict.error).map((verdict) => `error in ${verdict.cell.label} ${verdict.cell.tracer}${verdict.cell.sdkRelease ? ` ${releaseText(verdict.cell.sdkRelease)}` : ''} ${verdict.cell.scenario} node ${verdict.cell.node}: ${verdict.error}`);
  return [renderTable(header, rows), ...failures].join('\n');
}
