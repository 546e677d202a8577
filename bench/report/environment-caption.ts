import type { ResultFile } from '../../results/schema.ts';
import { shortCommit } from '../common/format.ts';

/**
 * What a chart or report was measured on, in two lines: figures from another machine, SDK or
 * configuration are not the same figures, so every chart carries this.
 */
export function environmentCaption(result: ResultFile): string[] {
  const { env, config } = result;
  const sentry = env.packages['@sentry/node'] ?? 'not installed';
  const pinning = env.pinning.available
    ? `server pinned to ${env.pinning.server ?? '?'}, load to ${env.pinning.load ?? '?'}`
    : `not pinned (${env.pinning.note})`;
  const run = [
    `commit ${shortCommit(env.gitCommit)}${env.gitDirty ? ' with uncommitted changes' : ''}`,
    `run of ${result.createdAt.slice(0, 16).replace('T', ' ')} UTC`,
    `${config.trials} trial${config.trials === 1 ? '' : 's'} x ${config.durationSec} s per cell, ${describeConnections(config)}`,
    ...(config.idleServers === 'frozen' ? ['other servers frozen while one is measured'] : []),
    ...(config.quick ? ['quick run: a smoke test, not a measurement'] : []),
    ...(result.complete ? [] : ['incomplete run']),
  ];
  return [
    `${env.cpuModel}, ${env.cpus} cores · Node ${env.node} · @sentry/node ${sentry} · fastify ${env.packages.fastify ?? '?'} · ${pinning}`,
    run.join(' · '),
  ];
}

/** One count, or each scenario's where they differ. */
function describeConnections(config: ResultFile['config']): string {
  const counts = Object.entries(config.connectionsByScenario ?? {});
  if (counts.length === 0 || counts.every(([, count]) => count === counts[0]?.[1])) return `${counts[0]?.[1] ?? config.connections} connections`;
  return `connections ${counts.map(([scenario, count]) => `${scenario} ${count}`).join(', ')}`;
}
