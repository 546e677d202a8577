import type { ResultFile } from '../../results/schema.ts';
import { shortCommit } from '../common/format.ts';

/**
 * What a chart or report was measured on, in two lines: figures from another machine, SDK or
 * configuration are not the same figures, so every chart carries this.
 */
export function environmentCaption(result: ResultFile): string[] {
  const { env, config } = result;
  const sentry = env.packages['@sentry/node'] ?? 'not installed';
  // Older result files did not record it.
  const otel = env.packages['@opentelemetry/sdk-trace-node'];
  const pinning = env.pinning.available
    ? `server pinned to ${env.pinning.server ?? '?'}, load to ${env.pinning.load ?? '?'}`
    : `not pinned (${env.pinning.note})`;
  const run = [
    `commit ${shortCommit(env.gitCommit)}${env.gitDirty ? ' with uncommitted changes' : ''}`,
    `run of ${result.createdAt.slice(0, 16).replace('T', ' ')} UTC`,
    `${config.trials} trial${config.trials === 1 ? '' : 's'} x ${config.durationSec} s per cell, ${config.connections} connections`,
    ...(config.quick ? ['quick run: a smoke test, not a measurement'] : []),
    ...(result.complete ? [] : ['incomplete run']),
  ];
  return [
    `${env.cpuModel}, ${env.cpus} cores · Node ${env.node} · @sentry/node ${sentry}${otel ? ` · OTel sdk-trace-node ${otel}` : ''} · fastify ${env.packages.fastify ?? '?'} · ${pinning}`,
    run.join(' · '),
  ];
}
