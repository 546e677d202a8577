import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from './cli.ts';

/**
 * The compiled JavaScript that servers and other measured children run (`npm run build`, run by
 * `npm ci` through `prepare`). Importing @sentry/node under tsx doubles a server's start-up, so
 * children start from build/; the harness itself stays on tsx. A stale build is never measured:
 * each command that starts compiled children rebuilds a stale build once, before anything else
 * (buildIfStale), and a compiled child refuses to run from a stale build (staleCompiledBuild).
 */

/** The project's root, whether this file runs from bench/common/ or build/bench/common/. */
export const PROJECT_ROOT = fileURLToPath(new URL(import.meta.url.includes('/build/bench/') ? '../../../' : '../../', import.meta.url));
export const BUILD_DIR = join(PROJECT_ROOT, 'build');
const STAMP = join(BUILD_DIR, '.built');
const SOURCE_DIRS = ['servers', 'strategies', 'bench', 'results'];
const CONFIG_FILES = ['tsconfig.json', 'tsconfig.build.json'];

/** Where a source file's compiled JavaScript lives, e.g. bench/commands/server.ts → build/bench/commands/server.js. */
export function builtPath(sourceFromRoot: string): string {
  return join(BUILD_DIR, sourceFromRoot.replace(/\.ts$/, '.js'));
}

/** The newest source (or build config) if it is newer than the build, or the reason there is no build; null when fresh. */
export function staleBuildReason(): string | null {
  if (!existsSync(STAMP)) return 'there is no build';
  const builtAt = statSync(STAMP).mtimeMs;
  const newer = sourceFiles().find((file) => statSync(file).mtimeMs > builtAt);
  return newer ? `${relative(PROJECT_ROOT, newer)} is newer than the build` : null;
}

/** Compiles the sources into build/ (tsc, about a second). Throws with tsc's own output on failure. */
export function build(): void {
  const tsc = join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const started = Date.now();
  const run = spawnSync(process.execPath, [tsc, '-p', join(PROJECT_ROOT, 'tsconfig.build.json')], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`the build failed (tsc -p tsconfig.build.json):\n${run.stdout}${run.stderr}`);
  // The stamp takes the time the build started: a source saved during the build counts as newer.
  writeFileSync(STAMP, `${new Date(started).toISOString()}\n`);
  utimesSync(STAMP, started / 1000, started / 1000);
}

/**
 * Rebuilds when a source is newer than the build; returns what was stale, or null. Called once at
 * the start of a command, once its flags are good.
 */
export function buildIfStale(): string | null {
  const reason = staleBuildReason();
  if (reason) build();
  return reason;
}

/**
 * For a module that may run compiled (pass its import.meta.url): why its build must not run, or
 * null. Null too when it runs from source (under tsx), which is never stale.
 */
export function staleCompiledBuild(moduleUrl: string): string | null {
  return moduleUrl.endsWith('.js') ? staleBuildReason() : null;
}

/** A compiled entry point's first step (inside runCommand): a stale build is one line and exit 2. */
export function refuseStaleCompiledBuild(moduleUrl: string, what: string): void {
  const stale = staleCompiledBuild(moduleUrl);
  if (stale) throw new UsageError(`the compiled ${what} is stale: ${stale} (run: npm run build)`);
}

function sourceFiles(): string[] {
  const files = CONFIG_FILES.map((name) => join(PROJECT_ROOT, name));
  for (const dir of SOURCE_DIRS) {
    for (const entry of readdirSync(join(PROJECT_ROOT, dir), { recursive: true, withFileTypes: true })) {
      if (entry.isFile() && entry.name.endsWith('.ts')) files.push(join(entry.parentPath, entry.name));
    }
  }
  return files;
}
