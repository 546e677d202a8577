/**
 * npm run profile -- --strategy S --scenario X [flags] (npm run profile -- --help lists them)
 *
 * Runs one cell's server, on one Node (default the current LTS), under clinic (bench/profile.ts) with the load npm run bench puts on it,
 * stops it with SIGINT when the load is done, and prints the folder and the HTML report clinic
 * wrote (under .clinic/ by default). Exit 0 with a report, 1 without, 2 on bad input, 130 on
 * Ctrl-C (the server is stopped early and the report still written).
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { TRACER_NAMES } from '../../servers/tracer.ts';
import { SDK_TRACERS } from '../harness/matrix.ts';
import { loadsNoSdk, STRATEGY_NAMES } from '../../strategies/registry.ts';
import { buildIfStale } from '../common/build.ts';
import { killAllChildren } from '../common/children.ts';
import { defineCommand, parseChoice, parseFlags, parseIntegerFlag, runCommand, UsageError } from '../common/cli.ts';
import { PROFILE_TOOLS } from '../profile/profile-tools.ts';
import { SCENARIO_NAMES } from '../harness/scenarios.ts';
import { checkPackagesRunOn } from '../harness/environment.ts';
import { DEFAULT_NODE, NODE_RUNTIMES, nodeBinary } from '../common/node-runtime.ts';

/** The tracer of a strategy that loads the SDK, unless --tracer says otherwise. */
const DEFAULT_SDK_TRACER = 'sentry-stream';
/** As npm run bench loads a cell by default. */
const DEFAULT_CONNECTIONS = '50';

const COMMAND = defineCommand({
  usage: 'npm run profile -- --strategy S --scenario X [flags]',
  flags: {
    strategy: { type: 'string', value: 'S', help: `the strategy (required): ${STRATEGY_NAMES.join(', ')}` },
    tracer: { type: 'string', value: 'T', help: `the tracer: ${TRACER_NAMES.join(', ')}`, defaultText: `none for untraced, else ${DEFAULT_SDK_TRACER}` },
    scenario: { type: 'string', value: 'X', help: `the scenario (required): ${SCENARIO_NAMES.join(', ')}` },
    tool: { type: 'string', value: 'TOOL', help: `the clinic tool: ${PROFILE_TOOLS.join(', ')}`, default: 'doctor' },
    node: { type: 'string', value: 'V', help: `the Node the server and clinic run on: ${NODE_RUNTIMES.join(', ')}`, default: DEFAULT_NODE },
    duration: { type: 'string', value: 'SEC', help: 'seconds of load', integer: [1, 3_600], default: '10' },
    connections: { type: 'string', value: 'C', help: 'load connections', integer: [1, 10_000], default: DEFAULT_CONNECTIONS },
    dest: { type: 'string', value: 'DIR', help: 'the folder clinic writes into, made if missing', default: '.clinic' },
  },
});

runCommand(async () => {
  const { values } = parseFlags(process.argv.slice(2), COMMAND);
  if (values.strategy === undefined) throw new UsageError(`--strategy is required (accepted: ${STRATEGY_NAMES.join(', ')})`);
  if (values.scenario === undefined) throw new UsageError(`--scenario is required (accepted: ${SCENARIO_NAMES.join(', ')})`);
  const strategy = parseChoice('strategy', values.strategy, STRATEGY_NAMES);
  const scenario = parseChoice('scenario', values.scenario, SCENARIO_NAMES);
  const untraced = loadsNoSdk(strategy);
  const tracer = parseChoice('tracer', values.tracer ?? (untraced ? 'none' : DEFAULT_SDK_TRACER), TRACER_NAMES);
  if (untraced !== (tracer === 'none')) {
    throw new UsageError(`strategy ${strategy} cannot run with tracer ${tracer} (accepted: tracer none with untraced only, ${SDK_TRACERS.join(', ')} with the others)`);
  }
  const tool = parseChoice('tool', values.tool, PROFILE_TOOLS);
  const node = parseChoice('node', values.node, NODE_RUNTIMES);
  nodeBinary(node);
  checkPackagesRunOn([node]);
  const durationSec = parseIntegerFlag(COMMAND, 'duration', values.duration);
  const connections = parseIntegerFlag(COMMAND, 'connections', values.connections);
  if (values.dest.trim() === '') throw new UsageError('--dest needs a directory (accepted: --dest DIR)');
  const dest = resolve(values.dest);
  if (existsSync(dest) && !statSync(dest).isDirectory()) throw new UsageError(`--dest ${values.dest} is not a directory (accepted: a directory, made if missing)`);
  buildIfStale();
  // The profiler (the load generator, sink and upstream) loads once the flags are good: bad input fails fast.
  const { runProfile, stopProfiledServer } = await import('../profile/profile.ts');

  let interrupted = false;
  process.once('SIGINT', () => {
    interrupted = true;
    process.stderr.write('\ninterrupted: stopping the server; clinic writes what it has\n');
    stopProfiledServer();
  });
  // Killed rather than interrupted: take clinic and the server along, write nothing more.
  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAllChildren();
      process.exit(128 + (signal === 'SIGTERM' ? 15 : 1));
    });
  }

  const output = await runProfile({ strategy, tracer, scenario, tool, node, durationSec, connections, dest, log: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(`clinic ${tool} wrote ${output.dataDir}\nreport: ${output.html}\n`);
  return interrupted ? 130 : 0;
});
