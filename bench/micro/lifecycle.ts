/**
 * node --expose-gc build/bench/micro/lifecycle.js TRACER TIME_MS (compiled: npm run build)
 *
 * A child of npm run bench:micro (bench/micro.ts): measures every case under one tracer and sends
 * the figures to its parent over IPC. One tracer per process: the SDK initialises only once, and
 * tracer none loads no SDK at all.
 */
import { setImmediate as nextLoopTurn } from 'node:timers/promises';
import type { MicroCaseResult } from '../../results/micro-schema.ts';
import { CONTROL_PREFIX } from '../../servers/ground-truth.ts';
import { TRACER_NAMES, type TracerName } from '../../servers/tracer.ts';
import { setupTracer } from '../../servers/tracers.ts';
import { createStrategy, STRATEGY_NAMES } from '../../strategies/registry.ts';
import { defaultStrategyOptions } from '../../strategies/strategy.ts';
import { refuseStaleCompiledBuild } from '../common/build.ts';
import { parseChoice, parseInteger, runCommand, UsageError } from '../common/cli.ts';
import { discardSends } from './discarding.ts';
import type { SentCounts } from './discarding-transport.ts';
import { INERT_ROOTS, type MicroCase, noStrategyCase, type RootMaker, sdkAloneCase, strategyCase } from './cases.ts';
import { measureCase, microSettings } from './measure.ts';
import type { MicroMessage } from './micro.ts';

/** Enables the SDK's client; nothing is ever sent there (see discardSdkSends). */
const UNUSED_DSN = 'http://public@127.0.0.1:9/1';

interface Setup {
  roots: RootMaker;
  /** Resolves once the work a batch set off is done: its streams, and the SDK's events. */
  settle: () => Promise<unknown>;
  /** The case beside the strategies: the SDK's span work alone (none without an SDK). */
  sdkCase: MicroCase | null;
  sent: SentCounts | null;
}

async function setUp(tracerName: TracerName): Promise<Setup> {
  if (tracerName === 'none') return { roots: INERT_ROOTS, settle: () => nextLoopTurn(), sdkCase: null, sent: null };
  // The servers' own tracer, as a strategy-owned root gets it; only its network is cut.
  const tracer = await setupTracer(tracerName, { dsn: UNUSED_DSN, sdkServerSpans: false, ignorePathPrefix: CONTROL_PREFIX });
  const sent = await discardSends(tracerName);
  return { roots: tracer, settle: () => tracer.flush(10_000), sdkCase: sdkAloneCase(tracer), sent };
}

runCommand(async () => {
  refuseStaleCompiledBuild(import.meta.url, 'micro benchmark');
  const [tracerArg = '', timeArg = ''] = process.argv.slice(2);
  const tracerName = parseChoice('tracer', tracerArg, TRACER_NAMES);
  const settings = microSettings(parseInteger('time', timeArg, 1));
  const send = process.send?.bind(process);
  if (!send) throw new UsageError('bench/micro/lifecycle.ts answers over IPC: run it through npm run bench:micro');
  // Nothing of a micro run may outlive the command that started it.
  process.once('disconnect', () => process.exit(1));
  const report = (message: MicroMessage): Promise<void> =>
    new Promise((resolve, reject) => send(message, (error: Error | null) => (error ? reject(error) : resolve())));

  const { roots, settle, sdkCase, sent } = await setUp(tracerName);
  const cases: MicroCaseResult[] = [];
  const measured = async (result: MicroCaseResult): Promise<MicroCaseResult> => {
    cases.push(result);
    const { ns, rmePercent } = result.withUnits;
    await report({ type: 'progress', text: `${result.name}: ${Math.round(ns)} ns/request with ${settings.units} ${result.unit}s (±${rmePercent.toFixed(1)} %)` });
    return result;
  };

  // Run once unrecorded: the first case measured in a process would meet a colder JIT than the rest.
  await measureCase(noStrategyCase(roots), settings, null, settle);
  const baseline = await measured(await measureCase(noStrategyCase(roots), settings, null, settle));
  for (const name of STRATEGY_NAMES) {
    const strategy = createStrategy(name, defaultStrategyOptions);
    if (strategy.rootOwner === 'strategy') await measured(await measureCase(strategyCase(roots, strategy), settings, baseline.withUnits, settle));
  }
  if (sdkCase) await measured(await measureCase(sdkCase, settings, null, settle));

  await report({ type: 'result', lifecycle: { tracer: tracerName, cases, sdk: sent && { ...sent } } });
  // The SDK's timers would keep the process alive; everything it made has been counted.
  process.exit(0);
});
