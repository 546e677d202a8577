import type { Env, ResultCell, ResultFile } from '../../results/schema.ts';
import { shortCommit } from '../common/format.ts';
import { describeNoise } from '../../results/host-noise.ts';
import { ACROSS_MACHINES, describeMachine, describeMachineCells, machinesOfCells } from './machines.ts';

/**
 * What a chart or report was measured on: figures from another machine, SDK or configuration are
 * not the same figures, so every chart carries this. `cells` are those the chart shows: when they
 * ran on several machines (a merge of shards from different runners), each machine gets a line
 * naming what ran there, and the caption says which figures compare across them.
 */
export function environmentCaption(result: ResultFile, cells: readonly ResultCell[] = result.cells): string[] {
  const { env, config } = result;
  const run = [
    `commit ${shortCommit(env.gitCommit)}${env.gitDirty ? ' with uncommitted changes' : ''}`,
    `run of ${result.createdAt.slice(0, 16).replace('T', ' ')} UTC`,
    `${config.trials} trial${config.trials === 1 ? '' : 's'} x ${config.durationSec} s per cell, ${describeConnections(config)}`,
    ...(config.idleServers === 'frozen' ? ['other servers frozen while one is measured'] : []),
    `host noise (reference work CV) ${describeNoise(env)}`,
    ...(config.quick ? ['quick run: a smoke test, not a measurement'] : []),
    ...(result.complete ? [] : ['incomplete run']),
  ];
  const machines = machinesOfCells(result, cells);
  const nodes = nodesOf(cells);
  if (machines.length <= 1) {
    const machine = machines[0]?.env ?? env;
    return [`${describeMachine(machine)} · ${nodes} · ${software(env)} · ${pinningOf(machine)}`, run.join(' · ')];
  }
  return [
    ...machines.map((machine) => `${describeMachineCells(result, machine.cells)}: ${machineLine(machine.env)}`),
    `${machines.length} machines: ${ACROSS_MACHINES}`,
    `${nodes} · ${software(env)} · ${run.join(' · ')}`,
  ];
}

function machineLine(env: Env): string {
  return `${describeMachine(env)} · ${pinningOf(env)}`;
}

function pinningOf(env: Env): string {
  return env.pinning.available ? `server pinned to ${env.pinning.server ?? '?'}, load to ${env.pinning.load ?? '?'}` : `not pinned (${env.pinning.note})`;
}

function software(env: Env): string {
  // Older result files did not record the OTel SDK.
  const otel = env.packages['@opentelemetry/sdk-trace-node'];
  return `@sentry/node ${env.packages['@sentry/node'] ?? 'not installed'}${otel ? ` · OTel sdk-trace-node ${otel}` : ''} · fastify ${env.packages.fastify ?? '?'}`;
}

/** `Node v24.21.0` (the servers'), or each Node's version when several ran. */
function nodesOf(cells: readonly ResultCell[]): string {
  const versions = [...new Set(cells.map((cell) => cell.nodeVersion))];
  return versions.length === 0 ? 'no cells' : `Node ${versions.join(', ')}`;
}

/** One count, or each scenario's where they differ. */
function describeConnections(config: ResultFile['config']): string {
  const counts = Object.entries(config.connectionsByScenario ?? {});
  if (counts.length === 0 || counts.every(([, count]) => count === counts[0]?.[1])) return `${counts[0]?.[1] ?? config.connections} connections`;
  return `connections ${counts.map(([scenario, count]) => `${scenario} ${count}`).join(', ')}`;
}
