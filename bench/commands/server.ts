/**
 * npm run server -- --strategy NAME [flags] (npm run server -- --help lists them)
 *
 * Starts the one app with a strategy on 127.0.0.1 and prints `control on http://127.0.0.1:PORT`
 * (the harness's own listener, see listenForControl), then `listening on http://127.0.0.1:PORT`
 * (followed by the SDK it loaded, e.g. ` (@sentry/node 11.12.0)`) once ready. Started by the
 * harness with an IPC channel, it exits when its parent goes away.
 * It runs from build/ (compiled), and refuses a build older than its sources.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer as createListener, type Server as Listener } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import { refuseStaleCompiledBuild } from '../common/build.ts';
import { defineCommand, parseChoice, parseFlags, parseIntegerFlag, runCommand, UsageError } from '../common/cli.ts';
import { DEFAULT_NODE, isThisNode, NODE_RUNTIMES, nodeBinary } from '../common/node-runtime.ts';
import { ALL_STRATEGY_NAMES, type AnyStrategyName, createStrategy, loadsNoSdk } from '../../strategies/registry.ts';
import { useStrategyModule } from '../harness/strategy-selection.ts';
import { redirectSdk } from '../releases/redirect.ts';
import { defaultStrategyOptions } from '../../strategies/strategy.ts';
import { CONTROL_PREFIX } from '../../servers/ground-truth.ts';
import { TRACER_NAMES, type TracerName, TracerNotApplicable } from '../../servers/tracer.ts';
import { setupTracer } from '../../servers/tracers.ts';
import { NEVER_MS } from '../../servers/counted.ts';

/** The tracer of a strategy that loads the SDK, unless --tracer says otherwise. */
const DEFAULT_SDK_TRACER = 'sentry-stream';

const COMMAND = defineCommand({
  usage: 'npm run server -- --strategy NAME [flags]',
  flags: {
    strategy: { type: 'string', value: 'NAME', help: `the strategy (this or --strategy-module is required): ${ALL_STRATEGY_NAMES.join(', ')}` },
    'strategy-module': { type: 'string', value: 'PATH', help: 'instead of --strategy: the strategy this TypeScript or JavaScript file exports by default (README: "Bring your own strategy")' },
    node: { type: 'string', value: 'V', help: `the Node to run on: ${NODE_RUNTIMES.join(', ')}`, default: DEFAULT_NODE },
    tracer: { type: 'string', value: 'NAME', help: `the tracer: ${TRACER_NAMES.join(', ')}`, defaultText: `none for untraced and calibration-burn, else ${DEFAULT_SDK_TRACER}` },
    'sdk-dir': { type: 'string', value: 'DIR', help: "another release of the tracer's SDK: the directory it is installed in (the harness's .sdk-releases/NAME)", defaultText: "the suite's own, in node_modules" },
    port: { type: 'string', value: 'N', help: 'the port on 127.0.0.1, 0 for any free one', integer: [0, 65_535], default: '0' },
    dsn: { type: 'string', value: 'URL', help: 'where the SDK sends, e.g. a sink started by npm run sink', defaultText: '$SENTRY_DSN' },
    'genai-spans': { type: 'string', value: 'on|off', help: "the SDK's own generative-AI spans (Sentry's OpenAI integration); off to measure their cost", default: 'on' },
    upstream: { type: 'string', value: 'URL', help: "the model behind /llm-proxy: the suite's fake upstream, http://127.0.0.1:PORT/v1 only", defaultText: '$STREAMTRACE_UPSTREAM, else none (/llm-proxy answers 400)' },
    'tick-ms': { type: 'string', value: 'N', help: "the polling strategies' tick (ms)", integer: [1, 60_000], default: String(defaultStrategyOptions.tickMs) },
    'max-lifetime-ms': { type: 'string', value: 'N', help: 'a root open this long is ended (ms)', integer: [1], default: String(defaultStrategyOptions.maxLifetimeMs) },
    'idle-limit-ms': { type: 'string', value: 'N', help: 'a stream silent this long counts as stuck (ms)', integer: [1], default: String(defaultStrategyOptions.idleLimitMs) },
    'burn-us': { type: 'string', value: 'N', help: 'calibration only: busy CPU added per request (µs)', integer: [0, 1_000_000], default: String(defaultStrategyOptions.burnUs) },
    counted: { type: 'boolean', default: false, help: 'counted under valgrind (npm run bench -- --instructions): no clock-driven work; a polling strategy ticks once after each response closes (servers/counted.ts)' },
    'burn-iterations': { type: 'string', value: 'N', help: 'calibration only: iterations of a known loop added per request', integer: [0, 1_000_000_000], default: String(defaultStrategyOptions.burnIterations) },
  },
});

runCommand(async () => {
  const { values } = parseFlags(process.argv.slice(2), COMMAND);
  refuseStaleCompiledBuild(import.meta.url, 'server');
  const binary = nodeBinary(parseChoice('node', values.node, NODE_RUNTIMES));
  // Bad flags fail before another Node starts. A strategy module loads only on the Node it runs on.
  const settings = parseSettings(values);
  if (!isThisNode(binary)) {
    if (values['strategy-module'] === undefined) await chooseCell(values);
    return runOn(binary);
  }
  const { strategyName, tracerName, dsn, sdkDir } = await chooseCell(values);
  const { port, counted, upstreamUrl } = settings;
  const strategy = createStrategy(strategyName, settings.strategyOptions);
  if (sdkDir !== undefined) redirectSdk(tracerName, sdkDir);

  // The SDK is set up before the app, fastify and openai are imported, as the SDK asks.
  const tracer = await setupTracer(tracerName, {
    dsn,
    sdkServerSpans: strategy.rootOwner === 'sdk',
    ignorePathPrefix: CONTROL_PREFIX,
    genAiSpans: settings.genAiSpans,
    counted,
  }).catch((error: unknown) => {
    throw error instanceof TracerNotApplicable ? new UsageError(error.message) : error;
  });
  const { buildApp } = await import('../../servers/app.ts');
  const upstream = upstreamUrl === undefined ? undefined : await (await import('../../servers/llm-proxy.ts')).upstreamClient(upstreamUrl);
  await strategy.start?.();
  const app = buildApp({ strategy, tracer, upstream, counted });
  try {
    await app.listen({ host: '127.0.0.1', port });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new UsageError(`port ${port} is in use (accepted: a free port, or 0 for any free port)`);
    }
    throw error;
  }

  const control = await listenForControl(app.server);

  let stopping = false;
  const shutdown = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    control.close();
    app.server.closeAllConnections();
    await app.close();
    await strategy.stop?.();
    await tracer.flush(2_000);
    process.exit(0);
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  process.once('disconnect', shutdown);

  const address = app.server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const controlAddress = control.address();
  process.stdout.write(`control on http://127.0.0.1:${typeof controlAddress === 'object' && controlAddress ? controlAddress.port : 0}\n`);
  // The SDK it really loaded, so the harness can check a release axis ran the release it names.
  process.stdout.write(`listening on http://127.0.0.1:${boundPort}${tracer.sdk ? ` (${tracer.sdk})` : ''}\n`);
  return new Promise<never>(() => {});
});

type ServerFlags = ReturnType<typeof parseFlags<typeof COMMAND.flags>>['values'];

/** The flags that do not depend on the strategy. */
function parseSettings(values: ServerFlags) {
  const counted = values.counted === true;
  return {
    port: parseIntegerFlag(COMMAND, 'port', values.port),
    counted,
    strategyOptions: {
      tickMs: counted ? NEVER_MS : parseIntegerFlag(COMMAND, 'tick-ms', values['tick-ms']),
      maxLifetimeMs: parseIntegerFlag(COMMAND, 'max-lifetime-ms', values['max-lifetime-ms']),
      idleLimitMs: parseIntegerFlag(COMMAND, 'idle-limit-ms', values['idle-limit-ms']),
      burnUs: parseIntegerFlag(COMMAND, 'burn-us', values['burn-us']),
      burnIterations: parseIntegerFlag(COMMAND, 'burn-iterations', values['burn-iterations']),
    },
    upstreamUrl: parseUpstreamUrl(values.upstream ?? process.env.STREAMTRACE_UPSTREAM),
    genAiSpans: parseChoice('genai-spans', values['genai-spans'], ['on', 'off'] as const) === 'on',
  };
}

/** The strategy, and the tracer it goes with: the SDK's DSN and release directory checked. */
async function chooseCell(values: ServerFlags): Promise<{ strategyName: AnyStrategyName; tracerName: TracerName; dsn: string | undefined; sdkDir: string | undefined }> {
  const strategyName = await chooseStrategy(values.strategy, values['strategy-module']);
  const untraced = loadsNoSdk(strategyName);
  const tracerName = parseChoice('tracer', values.tracer ?? (untraced ? 'none' : DEFAULT_SDK_TRACER), TRACER_NAMES);
  if (untraced !== (tracerName === 'none')) {
    throw new UsageError(`strategy ${strategyName} cannot run with tracer ${tracerName}: a strategy that loads no SDK (rootOwner 'none') goes only with tracer none, and the others need an SDK`);
  }
  const dsn = values.dsn ?? process.env.SENTRY_DSN;
  if (tracerName !== 'none' && !dsn) throw new UsageError(`tracer ${tracerName} needs --dsn URL or SENTRY_DSN (start a sink with: npm run sink)`);
  const sdkDir = values['sdk-dir'];
  if (sdkDir !== undefined) {
    if (tracerName === 'none') throw new UsageError('--sdk-dir chooses the release of an SDK: tracer none loads none');
    if (!existsSync(sdkDir)) throw new UsageError(`--sdk-dir ${sdkDir} does not exist (accepted: a release directory the harness installed, under .sdk-releases/)`);
  }
  return { strategyName, tracerName, dsn, sdkDir };
}

/**
 * A second listener on a free port whose connections the same HTTP server serves: the harness
 * sends its control requests (state, probe start and stop, flush) there. Node (libuv 1.45 and
 * newer) accepts one connection per event-loop turn, and a saturated server's turns last 100-300
 * ms: on the load's own listener, a control connection waited behind the load's connections not
 * yet accepted, up to 4 s, and the measured window opened after the load had ended.
 */
async function listenForControl(server: HttpServer): Promise<Listener> {
  const listener = createListener((socket) => server.emit('connection', socket));
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(0, '127.0.0.1', () => {
      listener.off('error', reject);
      resolve();
    });
  });
  return listener;
}

/**
 * The model upstream's base URL: the suite's fake upstream on 127.0.0.1 and nothing else, so no
 * request of the suite can reach a real model API (no key, no endpoint, no bill).
 */
function parseUpstreamUrl(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  const accepted = 'accepted: http://127.0.0.1:PORT/v1, the fake upstream the harness starts';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--upstream ${raw} is not a URL (${accepted})`);
  }
  if (url.protocol !== 'http:' || url.hostname !== '127.0.0.1' || url.port === '' || url.username || url.password || url.search || url.hash || !['/v1', '/v1/'].includes(url.pathname)) {
    throw new UsageError(`--upstream ${raw} is not the fake upstream on 127.0.0.1 (${accepted})`);
  }
  return `http://127.0.0.1:${url.port}/v1`;
}

/** --strategy NAME or --strategy-module PATH (loaded, checked and registered here), exactly one. */
async function chooseStrategy(name: string | undefined, modulePath: string | undefined): Promise<AnyStrategyName> {
  if (name !== undefined && modulePath !== undefined) throw new UsageError('give --strategy NAME or --strategy-module PATH, not both');
  if (modulePath !== undefined) return useStrategyModule(modulePath);
  if (name === undefined) throw new UsageError(`--strategy or --strategy-module is required (accepted strategies: ${ALL_STRATEGY_NAMES.join(', ')})`);
  return parseChoice('strategy', name, ALL_STRATEGY_NAMES);
}

/** Runs this same command on another Node binary (from `npm run server`), passing signals on. */
function runOn(binary: string): Promise<number> {
  const child = spawn(binary, [...process.execArgv, process.argv[1] as string, ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}
