/**
 * Experiment (issue 21, "explain the wander"): does pacing the load steady CPU per request? One
 * server, trials of 1 s alternating between the closed loop `bench` runs (autocannon's connections,
 * each sending its next request as the last one ends) and a fixed overall rate, a fraction of what
 * the closed loop reached; the server's own probe over each window, as in a trial. Prints, per
 * mode, the median CPU per request and its CV over the trials, and each recorded driver's median
 * and Spearman rho with CPU per request.
 *
 *   node --import tsx bench/repro/paced-load.ts [--strategy S] [--tracer T] [--trials N]
 *       [--pace PCT] [--connections C] [--cpus 0]
 */
import autocannon from 'autocannon';
import { TRACER_NAMES } from '../../servers/tracer.ts';
import { STRATEGY_NAMES } from '../../strategies/registry.ts';
import { buildIfStale } from '../common/build.ts';
import { defineCommand, parseChoice, parseFlags, parseIntegerFlag, runCommand } from '../common/cli.ts';
import { SCENARIOS, scenarioUrl } from '../harness/scenarios.ts';
import { startServer } from '../harness/server-process.ts';
import { startSink } from '../spans/sink.ts';
import { coefficientOfVariation, median } from '../stats/stats.ts';
import { spearman } from '../stats/rank-correlation.ts';
import type { ProcessSample } from '../../servers/process-probe.ts';

const COMMAND = defineCommand({
  usage: 'node --import tsx bench/repro/paced-load.ts [flags]',
  flags: {
    strategy: { type: 'string', value: 'S', help: `the strategy: ${STRATEGY_NAMES.join(', ')}`, default: 'untraced' },
    tracer: { type: 'string', value: 'T', help: `the tracer: ${TRACER_NAMES.join(', ')} (none only with untraced)`, default: 'none' },
    trials: { type: 'string', value: 'N', help: 'trials per mode, interleaved', integer: [3, 100], default: '12' },
    pace: { type: 'string', value: 'PCT', help: "the paced rate, in percent of the closed loop's", integer: [5, 100], default: '60' },
    connections: { type: 'string', value: 'C', help: 'load connections', integer: [1, 200], default: '50' },
    cpus: { type: 'string', value: 'LIST', help: 'pin the server to these cpus (taskset -c syntax)', defaultText: 'not pinned' },
  },
});

const RAMP_MS = 500;
const WINDOW_MS = 1000;

const DRIVERS: Record<string, (sample: ProcessSample) => number | null> = {
  'GC ms per request': (sample) => sample.gcMs / sample.requestsCompleted,
  'loop turns per request': (sample) => (sample.loopTurns === null ? null : sample.loopTurns / sample.requestsCompleted),
  'events per loop turn': (sample) => (sample.loopTurns && sample.loopEvents !== null ? sample.loopEvents / sample.loopTurns : null),
  'voluntary context switches /s': (sample) => sample.voluntaryContextSwitches / (sample.wallMs / 1000),
  'involuntary context switches /s': (sample) => sample.involuntaryContextSwitches / (sample.wallMs / 1000),
  'server core busy': (sample) => sample.cpuUtilisation,
};

runCommand(async () => {
  const { values } = parseFlags(process.argv.slice(2), COMMAND);
  const strategy = parseChoice('strategy', values.strategy, STRATEGY_NAMES);
  const tracer = parseChoice('tracer', values.tracer, TRACER_NAMES);
  const trials = parseIntegerFlag(COMMAND, 'trials', values.trials);
  const pace = parseIntegerFlag(COMMAND, 'pace', values.pace) / 100;
  const connections = parseIntegerFlag(COMMAND, 'connections', values.connections);
  buildIfStale();

  const sink = await startSink({ port: 0 });
  const server = await startServer({ strategy, tracer, dsn: tracer === 'none' ? undefined : sink.dsn, nodeArgs: ['--expose-gc'], cpus: values.cpus ?? null });
  const url = new URL(scenarioUrl(server.url, SCENARIOS['plain-json'], { underLoad: true }));
  const load = (seconds: number, overallRate?: number) =>
    autocannon({ url: url.origin, requests: [{ method: 'GET', path: url.pathname }], connections, duration: seconds, sampleInt: 50, ...(overallRate ? { overallRate } : {}) });
  try {
    await load(6); // warm-up
    const samples: Record<'closed loop' | 'paced', ProcessSample[]> = { 'closed loop': [], paced: [] };
    const rates: number[] = [];
    for (let trial = 0; trial < trials * 2; trial += 1) {
      const mode = trial % 2 === 0 ? 'closed loop' : 'paced';
      // Each paced trial runs at a fraction of what the server did in the closed-loop trial just before it.
      const previous = samples['closed loop'].at(-1);
      const rate = mode === 'paced' && previous ? Math.max(1, Math.round((previous.requestsCompleted / (previous.wallMs / 1000)) * pace)) : undefined;
      if (rate) rates.push(rate);
      const running = load((RAMP_MS + WINDOW_MS + 250) / 1000, rate);
      await sleep(RAMP_MS);
      await server.probeStart();
      await sleep(WINDOW_MS);
      samples[mode].push(await server.probeStop());
      await running;
    }
    console.log(`${strategy}/${tracer}/plain-json, ${connections} connections; paced at ${pace * 100} % of the closed loop before it: median ${median(rates)} req/s`);
    for (const [mode, list] of Object.entries(samples)) {
      const cpu = list.map((sample) => (sample.cpuUserMs + sample.cpuSystemMs) / sample.requestsCompleted);
      console.log(`${mode}: CPU per request median ${(median(cpu) * 1000).toFixed(1)} µs, CV ${((coefficientOfVariation(cpu) ?? 0) * 100).toFixed(1)} % over ${cpu.length} trials`);
      for (const [name, driver] of Object.entries(DRIVERS)) {
        const values = list.map(driver);
        if (values.some((value) => value === null)) continue;
        const rho = spearman(values as number[], cpu);
        console.log(`  ${name}: median ${median(values as number[]).toPrecision(3)}, rho ${rho === null ? 'n/a (no spread)' : rho.toFixed(2)}`);
      }
    }
  } finally {
    await server.stop();
    await sink.close();
  }
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
