import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** The part of a package's manifest the harness reads. */
export interface PackageManifest {
  version: string;
  engines?: { node?: string };
}

/**
 * The manifest of a package installed in a node_modules reachable from `from` (a directory), read
 * from its folder: also where the package's exports do not list package.json (openai's do not).
 */
export function packageManifest(name: string, from: string): PackageManifest | null {
  const require = createRequire(join(from, 'package.json'));
  for (const folder of require.resolve.paths(name) ?? []) {
    try {
      return JSON.parse(readFileSync(join(folder, name, 'package.json'), 'utf8')) as PackageManifest;
    } catch {
      // not in this node_modules: try the next
    }
  }
  return null;
}
