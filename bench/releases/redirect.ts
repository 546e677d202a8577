import { register } from 'node:module';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TracerName } from '../../servers/tracer.ts';
import { familyOf, SDK_FAMILIES } from './sdk-families.ts';
import type { RedirectData } from './resolve-hooks.ts';

/**
 * In a server (--sdk-dir DIR): from now on the tracer's SDK packages resolve from DIR, a release
 * installed by the harness (sdk-releases.ts). Must run before the tracer is set up. The hooks run
 * from the same build as this file (compiled .js, or .ts under tsx).
 */
export function redirectSdk(tracer: TracerName, dir: string): void {
  const family = familyOf(tracer);
  if (!family) throw new Error(`tracer ${tracer} has no SDK releases to choose from`);
  const hooks = new URL(`./resolve-hooks${extname(fileURLToPath(import.meta.url))}`, import.meta.url);
  register<RedirectData>(hooks, { data: { dir, packages: SDK_FAMILIES[family].packages } });
}
