import { type Difference, MICRO_SCHEMA_VERSION, type MicroLifecycle, type MicroResult, validateMicroLifecycle } from '../../results/micro-schema.ts';
import { defaultStrategyOptions } from '../../strategies/strategy.ts';
import { collectEnvironment } from '../harness/environment.ts';
import { SDK_TRACERS } from '../harness/matrix.ts';
import { MICRO_CLOCK, microSettings } from './measure.ts';
import type { Pinning } from '../harness/pinning.ts';
import { killChild, spawnChild } from '../common/children.ts';
import { renderTable } from '../common/table.ts';
import { builtPath, buildIfStale, PROJECT_ROOT } from '../common/build.ts';
import { DEFAULT_NODE, type NodeRuntime, nodeBinary, nodeVersion } from '../common/node-runtime.ts';

/**
 * npm run bench:micro: the cost of keeping one root open through one stream's life, per strategy,
 * without the network (the cases are in bench/micro-cases.ts, the measuring in micro-measure.ts).
 * The SDK initialises once per process, so each tracer is measured in a child process of its own
 * (bench/micro/lifecycle.ts), one after the other, and its figures come back over IPC: tracer none
 * (inert roots, no SDK: a strategy's mechanism alone), then both lifecycles of the real SDK.
 */

/** Compiled, as the servers are: importing an SDK under tsx doubles a process's start-up (common/build.ts). */
const LIFECYCLE_SOURCE = 'bench/micro/lifecycle.ts';

/** What a lifecycle child sends its parent. */
export type MicroMessage = { type: 'progress'; text: string } | { type: 'result'; lifecycle: MicroLifecycle };

/** The micro benchmark pins nothing: one child process per tracer, each on whatever core it gets. */
const NO_PINNING: Pinning = { available: false, server: null, load: null, note: 'micro benchmark: one process per tracer, not pinned', serverCpus: null };

export const MICRO_TRANSPORT =
  "Sentry: the SDK's own transport pipeline (rate limits, buffer, envelope serialisation), with a request executor that discards; otel: the batch processor, each export serialised to OTLP JSON and discarded: no network";

export interface MicroOptions {
  timeMs: number;
  /** The Node the lifecycle children run on (default: the servers' default, the current LTS). */
  node?: NodeRuntime;
  /** Progress lines, one per measured case. */
  log?: (line: string) => void;
}

export async function runMicro({ timeMs, node = DEFAULT_NODE, log = () => {} }: MicroOptions): Promise<MicroResult> {
  const createdAt = new Date().toISOString();
  const settings = microSettings(timeMs);
  const stale = buildIfStale();
  if (stale) log(`rebuilt build/ (${stale})`);
  const lifecycles: MicroLifecycle[] = [];
  // One after the other: side by side they would share the cores and disturb each other.
  for (const tracer of ['none', ...SDK_TRACERS]) lifecycles.push(await measureInChild(nodeBinary(node), tracer, timeMs, log));
  return {
    schemaVersion: MICRO_SCHEMA_VERSION,
    kind: 'micro',
    createdAt,
    env: collectEnvironment(NO_PINNING),
    config: { ...settings, tickMs: defaultStrategyOptions.tickMs, node: `${node === 'system' ? 'system' : `node${node}`} ${nodeVersion(node)}`, clock: MICRO_CLOCK, transport: MICRO_TRANSPORT },
    lifecycles,
  };
}

function isMessage(value: unknown): value is MicroMessage {
  return typeof value === 'object' && value !== null && 'type' in value && (value.type === 'progress' || value.type === 'result');
}

/** Runs one lifecycle's child to its end and returns the figures it sent, checked against the schema. */
function measureInChild(binary: string, tracer: string, timeMs: number, log: (line: string) => void): Promise<MicroLifecycle> {
  // Six cases, two measurements each; a polling case's samples last a tick or more.
  const timeoutMs = 60_000 + 12 * (timeMs * 2 + 5_000);
  return new Promise((resolve, reject) => {
    const child = spawnChild(binary, ['--expose-gc', builtPath(LIFECYCLE_SOURCE), tracer, String(timeMs)], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: { ...process.env, SENTRY_DSN: '' },
    });
    const timer = setTimeout(() => killChild(child), timeoutMs);
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      stderr = (stderr + text).slice(-4_000);
    });
    let lifecycle: MicroLifecycle | undefined;
    let invalid: string | undefined;
    child.on('message', (message: unknown) => {
      if (!isMessage(message)) return;
      if (message.type === 'progress') {
        log(`${tracer}: ${message.text}`);
        return;
      }
      const validation = validateMicroLifecycle(message.lifecycle);
      if (validation.ok) lifecycle = validation.value;
      else invalid = validation.error;
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`the ${tracer} measurement could not start: ${error.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (lifecycle && code === 0) return resolve(lifecycle);
      const why = invalid ? `sent figures that do not match results/micro-schema.ts: ${invalid}` : `exited (${signal ?? `code ${code}`}) without its figures`;
      reject(new Error(`the ${tracer} measurement ${why}${stderr ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`));
    });
  });
}

const round = (value: number): number => Math.round(value);

/**
 * A subtracted cost is a finding only where its interval lies above zero; a wider interval (or a
 * negative difference) says only that this clock cannot resolve it, and is printed as such.
 */
export function resolvedCostText(own: Difference): string {
  return own.ns - own.marginNs > 0 ? String(round(own.ns)) : 'unresolved';
}

/** One row per case and lifecycle; the margins are 95 %. */
export function renderMicroTable(result: MicroResult): string {
  const { units, requestsPerSample } = result.config;
  const header = ['tracer', 'case', 'unit', 'ns/req, 0 units', `ns/req, ${units} units`, '± %', 'ns/unit', '± ns', 'own ns/req', '± ns'];
  const rows = result.lifecycles.flatMap(({ tracer, cases }) =>
    cases.map((entry) => [
      tracer,
      entry.name,
      entry.unit,
      round(entry.withoutUnits.ns),
      round(entry.withUnits.ns),
      Number(entry.withUnits.rmePercent.toFixed(1)),
      resolvedCostText(entry.perUnit),
      round(entry.perUnit.marginNs),
      entry.ownCost ? resolvedCostText(entry.ownCost) : '-',
      entry.ownCost ? String(round(entry.ownCost.marginNs)) : '-',
    ]),
  );
  const notes = [
    `ns: ${result.config.clock}; each sample runs ${requestsPerSample} requests at once.`,
    "tracer none: inert roots and no SDK loaded, so a strategy's own mechanism alone; the others: the real SDK, sending nowhere.",
    "ns/unit: (ns/req with N units - with 0) / N; a unit is a stream chunk, or a child span in 'SDK span work alone'.",
    "own ns/req: the strategy's ns/req minus 'no strategy' (the harness ends the root on 'close' itself), both with N chunks;",
    "  both read 'unresolved' where their 95 % interval reaches zero: the clock cannot tell it from nothing (npm run bench:micro -- --instructions can).",
  ];
  return [renderTable(header, rows), '', ...notes].join('\n');
}
