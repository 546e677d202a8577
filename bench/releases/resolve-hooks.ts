/**
 * Module resolution hooks (node:module register) for a server that runs another release of its
 * SDK: the SDK's packages, imported by the suite's own code, resolve from the release's directory;
 * what the release's files import then resolves from there by itself.
 */
import type { InitializeHook, ResolveHook } from 'node:module';
import { pathToFileURL } from 'node:url';

export interface RedirectData {
  dir: string;
  packages: readonly string[];
}

let releaseUrl = '';
let packages: readonly string[] = [];

export const initialize: InitializeHook<RedirectData> = (data) => {
  releaseUrl = pathToFileURL(`${data.dir}/`).href;
  packages = data.packages;
};

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  const fromSuite = context.parentURL !== undefined && !context.parentURL.startsWith(releaseUrl);
  if (!fromSuite || !packages.includes(packageOf(specifier))) return nextResolve(specifier, context);
  const resolved = await nextResolve(specifier, { ...context, parentURL: `${releaseUrl}package.json` });
  // The release directory lies inside the suite, so a package the release lacks would be found in
  // the suite's own node_modules, of the suite's own release: the two must not mix.
  if (!resolved.url.startsWith(releaseUrl)) {
    throw Object.assign(new Error(`${specifier} is not part of the release in ${releaseUrl}`), { code: 'ERR_MODULE_NOT_FOUND' });
  }
  return resolved;
};
