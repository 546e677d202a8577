/**
 * npm run profile -- --strategy S --scenario X [--tracer T] [--tool doctor|flame|bubbleprof]
 *   [--node 20|22|24|system] [--duration SEC] [--connections C] [--dest DIR]
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
import { parseChoice, parseFlags, parseInteger, runCommand, UsageError } from '../common/cli.ts';
import { PROFILE_TOOLS, runProfile, stopProfiledServer } from '../profile/profile.ts';
import { SCENARIO_NAMES } from '../harness/scenarios.ts';
import { checkPackagesRunOn } from '../harness/environment.ts';
import { DEFAULT_NODE, NODE_RUNTIMES, nodeBinary } from '../common/node-runtime.ts';

/** As npm run bench loads a cell by default. */
const DEFAULT_CONNECTIONS = '50';

runCommand(async () => {
  const { values } = parseFlags(process.argv.slice(2), {
    strategy: { type: 'string' },
    tracer: { type: 'string' },
    scenario: { type: 'string' },
    tool: { type: 'string', default: 'doctor' },
    node: { type: 'string', default: DEFAULT_NODE },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: DEFAULT_CONNECTIONS },
    dest: { type: 'string', default: '.clinic' },
  });
  if (values.strategy === undefined) throw new UsageError(`--strategy is required (accepted: ${STRATEGY_NAMES.join(', ')})`);
  if (values.scenario === undefined) throw new UsageError(`--scenario is required (accepted: ${SCENARIO_NAMES.join(', ')})`);
  const strategy = parseChoice('strategy', values.strategy, STRATEGY_NAMES);
  const scenario = parseChoice('scenario', values.scenario, SCENARIO_NAMES);
  const untraced = loadsNoSdk(strategy);
  const tracer = parseChoice('tracer', values.tracer ?? (untraced ? 'none' : 'sentry-stream'), TRACER_NAMES);
  if (untraced !== (tracer === 'none')) {
    throw new UsageError(`strategy ${strategy} cannot run with tracer ${tracer} (accepted: tracer none with untraced only, ${SDK_TRACERS.join(', ')} with the others)`);
  }
  const tool = parseChoice('tool', values.tool, PROFILE_TOOLS);
  const node = parseChoice('node', values.node, NODE_RUNTIMES);
  nodeBinary(node);
  checkPackagesRunOn([node]);
  const durationSec = parseInteger('duration', values.duration, 1, 3_600);
  const connections = parseInteger('connections', values.connections, 1, 10_000);
  if (values.dest.trim() === '') throw new UsageError('--dest needs a directory (accepted: --dest DIR)');
  const dest = resolve(values.dest);
  if (existsSync(dest) && !statSync(dest).isDirectory()) throw new UsageError(`--dest ${values.dest} is not a directory (accepted: a directory, made if missing)`);
  buildIfStale();

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
