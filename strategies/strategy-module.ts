import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { defaultStrategyOptions, ROOT_OWNERS, type RootOwner, type Strategy, type StrategyFactory } from './strategy.ts';

/**
 * A strategy brought from outside the repository (--strategy-module PATH): a TypeScript or
 * JavaScript file whose default export is a StrategyFactory (strategy.ts). It runs in every cell
 * like a built-in strategy, under its file's name, or the name the module exports as `name`.
 */
export interface StrategyModule {
  readonly name: string;
  /** Absolute: the servers load the same file the harness checked. */
  readonly path: string;
  readonly factory: StrategyFactory;
  readonly rootOwner: RootOwner;
  /** It has a tick to call (pollNow): the instruction counts give it a tick case. */
  readonly polling: boolean;
  /** The SHA-256 of the file as it was loaded and checked, for results to record. */
  readonly sha256: string;
}

/** The module cannot run as a strategy; the message says what is missing, in one line. */
export class StrategyModuleRefused extends Error {}

/** A name fits a cell's name (`label/tracer/scenario/node24`) and a file name. */
const NAME = /^[a-z0-9][a-z0-9._-]*$/i;
const EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];
const TYPESCRIPT = ['.ts', '.mts'];
const OPTIONAL_METHODS = ['start', 'stop', 'track', 'pollNow'] as const;

/**
 * Loads a strategy module and checks it against the interface: its factory is called once with the
 * default options (start() is not: no process-wide resource is made here). `taken` are the names
 * it may not have (the built-in strategies'). Throws StrategyModuleRefused.
 *
 * TypeScript is loaded through tsx's scoped import: only this module (and what it imports) goes
 * through tsx, on every Node the servers run on (20, 22, 24); the rest of the process does not.
 * Node's own type stripping was not chosen: Node 20 has none, and it refuses enums and parameter
 * properties.
 */
export async function loadStrategyModule(path: string, taken: readonly string[] = []): Promise<StrategyModule> {
  const absolute = resolve(path);
  const refuse = (what: string): never => {
    throw new StrategyModuleRefused(`strategy module ${path} ${what}`);
  };
  const extension = extname(absolute);
  if (!EXTENSIONS.includes(extension)) refuse(`is not a module file (accepted: ${EXTENSIONS.join(', ')})`);
  if (!statSync(absolute, { throwIfNoEntry: false })?.isFile()) refuse('does not exist or is not a file');

  const sha256 = createHash('sha256').update(readFileSync(absolute)).digest('hex');
  let exports: Record<string, unknown>;
  try {
    exports = await importModule(absolute, TYPESCRIPT.includes(extension));
  } catch (error) {
    return refuse(`could not be loaded: ${firstLine(error)}`);
  }
  const factory = exports.default;
  if (typeof factory !== 'function') {
    return refuse('has no default export that is a function (accepted: export default (options: StrategyOptions) => Strategy)');
  }
  const name = exports.name === undefined ? basename(absolute, extension) : exports.name;
  if (typeof name !== 'string' || !NAME.test(name)) {
    refuse(`has the name ${JSON.stringify(name)} (accepted: letters, digits, '.', '_', '-'; export const name = '...' to choose one)`);
  }
  if (taken.includes(name as string)) refuse(`has the name '${name as string}' of a built-in strategy (export const name = '...' to choose another)`);

  let strategy: unknown;
  try {
    strategy = (factory as StrategyFactory)({ ...defaultStrategyOptions });
  } catch (error) {
    return refuse(`could not make its strategy: the default export threw: ${firstLine(error)}`);
  }
  const missing = missingMembers(strategy);
  if (missing.length > 0) refuse(`does not satisfy strategies/strategy.ts: ${missing.join('; ')}`);
  const { rootOwner, pollNow } = strategy as Strategy;
  return { name: name as string, path: absolute, factory: factory as StrategyFactory, rootOwner, polling: typeof pollNow === 'function', sha256 };
}

/** What the factory's strategy lacks against the Strategy interface, each in a few words. */
function missingMembers(strategy: unknown): string[] {
  if (typeof strategy !== 'object' || strategy === null) return [`its default export returned ${strategy === null ? 'null' : typeof strategy}, not a strategy object`];
  const members = strategy as Record<string, unknown>;
  const missing: string[] = [];
  for (const field of ['name', 'description'] as const) {
    if (typeof members[field] !== 'string') missing.push(`${field} must be a string`);
  }
  if (!(ROOT_OWNERS as readonly unknown[]).includes(members.rootOwner)) missing.push(`rootOwner must be one of ${ROOT_OWNERS.map((owner) => `'${owner}'`).join(', ')}`);
  for (const method of OPTIONAL_METHODS) {
    if (members[method] !== undefined && typeof members[method] !== 'function') missing.push(`${method} must be a function when present`);
  }
  if (members.rootOwner === 'strategy' && typeof members.track !== 'function') missing.push("track is required with rootOwner 'strategy' (it must end the root)");
  return missing;
}

async function importModule(path: string, typescript: boolean): Promise<Record<string, unknown>> {
  const url = pathToFileURL(path).href;
  if (!typescript) return (await import(url)) as Record<string, unknown>;
  const { tsImport } = await import('tsx/esm/api');
  // tsconfig false: the module's folder may hold a tsconfig that is not the suite's business.
  const namespace = (await tsImport(url, { parentURL: import.meta.url, tsconfig: false })) as Record<string, unknown>;
  // A .ts file outside a package of type module is compiled to CommonJS, whose exports arrive as
  // the namespace's default, marked __esModule.
  const compiled = namespace.default as Record<string, unknown> | undefined;
  return typeof compiled === 'object' && compiled !== null && compiled.__esModule === true ? compiled : namespace;
}

/** An error in one line: a compiler's message starts with a header, and its second line says where. */
function firstLine(error: unknown): string {
  const lines = (error instanceof Error ? error.message : String(error)).split('\n').map((line) => line.trim()).filter(Boolean);
  return lines.slice(0, 2).join(' ');
}
