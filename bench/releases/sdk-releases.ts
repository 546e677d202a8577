import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { minVersion, validRange } from 'semver';
import { PROJECT_ROOT } from '../common/build.ts';
import { packageManifest } from '../common/package-manifest.ts';
import { spawnChild } from '../common/children.ts';
import { UsageError } from '../common/cli.ts';
import { SDK_FAMILIES, type SdkFamily, type SdkRelease } from './sdk-families.ts';

/**
 * SDK releases side by side (--sentry 11.12.0,10.x): each release other than the suite's own is
 * installed with npm, on first use, into a directory of its own under .sdk-releases/ (its own
 * package.json and lock file, so it stays pinned once installed), and the servers of its cells
 * import the SDK from there (redirect.ts). An install that fails is removed whole: it is made in
 * a partial directory and renamed into place only once complete.
 */

/**
 * The cache of installed releases; ignored by git. A fresh clone has none until one is asked for.
 * STREAMTRACE_SDK_RELEASES puts it elsewhere (the tests do).
 */
export const RELEASES_DIR = process.env.STREAMTRACE_SDK_RELEASES || join(PROJECT_ROOT, '.sdk-releases');
/** Written last into a complete install: a directory without it is not used. */
const COMPLETE = '.installed';

/** The version of a package installed in a node_modules reachable from `from` (a directory). */
const installedVersion = (name: string, from: string): string | null => packageManifest(name, from)?.version ?? null;

/** The release the suite pins in its own package.json (and npm ci installed). */
export function pinnedRelease(family: SdkFamily): SdkRelease {
  const version = installedVersion(SDK_FAMILIES[family].main, PROJECT_ROOT);
  if (!version) throw new Error(`${SDK_FAMILIES[family].main} is not installed: run npm ci`);
  return { family, package: SDK_FAMILIES[family].main, spec: version, version, dir: null };
}

/** A release's directory name: the family and the spec as asked, with what a path cannot hold replaced. */
function releaseDir(family: SdkFamily, spec: string): string {
  return join(RELEASES_DIR, `${family}@${spec.replace(/[^A-Za-z0-9.+-]/g, '_')}`);
}

/**
 * The comma list of --sentry (or --otel) as releases, each installed if it is not yet. The suite's
 * own pinned version is used from node_modules. A spec that is no version or range, or that npm
 * cannot install (unknown version, no registry), is a UsageError naming it.
 */
export async function useReleases(family: SdkFamily, list: string, log: (line: string) => void): Promise<SdkRelease[]> {
  const specs = list.split(',').map((spec) => spec.trim());
  const flag = `--${SDK_FAMILIES[family].flag}`;
  if (specs.some((spec) => spec === '')) throw new UsageError(`${flag} has an empty release in '${list}' (accepted: versions or ranges, e.g. 11.12.0,10.x)`);
  const releases: SdkRelease[] = [];
  for (const spec of specs) {
    if (!validRange(spec)) throw new UsageError(`${flag}: '${spec}' is not a version or range of ${SDK_FAMILIES[family].main} (accepted: e.g. 11.12.0, 10.x)`);
    const pinned = pinnedRelease(family);
    const release = spec === pinned.version ? pinned : await installRelease(family, spec, log);
    if (releases.some((other) => other.version === release.version)) {
      throw new UsageError(`${flag}: '${spec}' is ${SDK_FAMILIES[family].main} ${release.version} again (accepted: different releases)`);
    }
    releases.push(release);
  }
  return releases;
}

async function installRelease(family: SdkFamily, spec: string, log: (line: string) => void): Promise<SdkRelease> {
  const { main } = SDK_FAMILIES[family];
  const dir = releaseDir(family, spec);
  const installed = (): SdkRelease | null => {
    const version = existsSync(join(dir, COMPLETE)) ? installedVersion(main, dir) : null;
    return version ? { family, package: main, spec, version, dir } : null;
  };
  const ready = installed();
  if (ready) return ready;
  // A directory without its completion mark is not a release: never used, replaced.
  rmSync(dir, { recursive: true, force: true });

  const specs = installSpecs(family, spec);
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  writeFileSync(join(partial, 'package.json'), `${JSON.stringify({ name: `sdk-release-${family}`, private: true, description: `${main}@${spec} for streamtrace-bench` }, null, 2)}\n`);
  log(`installing ${main}@${spec} into ${relative(process.cwd(), dir)} (first use, with npm)`);
  const failure = await npmInstall(partial, specs);
  if (failure !== null) {
    rmSync(partial, { recursive: true, force: true });
    throw new UsageError(`could not install ${main}@${spec}: ${failure} (nothing of it is kept)`);
  }
  writeFileSync(join(partial, COMPLETE), `${new Date().toISOString()}\n`);
  try {
    renameSync(partial, dir);
  } catch (error) {
    // Another command installed the same release meanwhile: use that one.
    rmSync(partial, { recursive: true, force: true });
    if (!installed()) throw error;
  }
  const release = installed();
  if (!release) throw new Error(`${main} is missing from ${dir} after its install`);
  return release;
}

/**
 * What npm installs for a release. OpenTelemetry JS releases its stable packages (sdk-trace-*,
 * core, resources: 1.x, 2.x) and its experimental ones (exporter, instrumentation: 0.x) in pairs;
 * the spec names the stable line, and the experimental packages are the newest of the matching
 * line (2.x: 0.200 and up; 1.x: below 0.200). @fastify/otel needs OpenTelemetry 2: an older
 * release goes without it, and sdk-default does not apply to it (servers/otel-tracer.ts).
 */
function installSpecs(family: SdkFamily, spec: string): string[] {
  if (family === 'sentry') return [`@sentry/node@${spec}`];
  const major = minVersion(spec)?.major;
  const experimental = major === 1 ? '<0.200.0' : major === 2 ? '>=0.200.0 <1.0.0' : null;
  if (experimental === null) throw new UsageError(`--otel: '${spec}' is not a release of OpenTelemetry JS 1 or 2 (accepted: e.g. 2.12.0, 1.x)`);
  const stable = ['context-async-hooks', 'core', 'resources', 'sdk-trace-base', 'sdk-trace-node'].map((name) => `@opentelemetry/${name}@${spec}`);
  const experimentalPackages = ['exporter-trace-otlp-http', 'instrumentation', 'instrumentation-http', 'otlp-transformer'].map((name) => `@opentelemetry/${name}@${experimental}`);
  const fastify = major === 2 ? [`@fastify/otel@${installedVersion('@fastify/otel', PROJECT_ROOT) ?? 'latest'}`] : [];
  return ['@opentelemetry/api@^1.9.0', ...stable, ...experimentalPackages, ...fastify];
}

/** npm install, exact versions into the directory's lock file; null when it worked, else npm's reason in one line. */
function npmInstall(dir: string, packages: readonly string[]): Promise<string | null> {
  return new Promise((resolve) => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const child = spawnChild(npm, ['install', '--save-exact', '--no-audit', '--no-fund', '--loglevel', 'error', ...packages], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-8_000)));
    child.once('error', (error) => resolve(`npm could not start: ${error.message}`));
    child.once('close', (code, signal) => {
      if (code === 0) return resolve(null);
      const reason = stderr
        .split('\n')
        .map((line) => line.replace(/^npm (error|ERR!)\s*/, '').replace(/^notarget\s+/, '').trim())
        .find((line) => line !== '' && !/^(code|errno|syscall|A complete log)/.test(line));
      resolve(reason ?? `npm exited (${signal ?? `code ${code}`})`);
    });
  });
}
