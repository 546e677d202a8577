import { execFileSync } from 'node:child_process';
import { arch, cpus, platform, release, totalmem } from 'node:os';
import type { Env } from '../../results/schema.ts';
import type { Pinning } from './pinning.ts';
import type { ScenarioName } from './scenarios.ts';
import { satisfies } from 'semver';
import { UsageError } from '../common/cli.ts';
import { type NodeRuntime, nodeVersion } from '../common/node-runtime.ts';
import { PROJECT_ROOT } from '../common/build.ts';
import { packageManifest, type PackageManifest } from '../common/package-manifest.ts';

/**
 * Packages whose versions shape the figures. One node_modules serves every Node of a run, so the
 * versions recorded ran on each; checkPackagesRunOn makes sure each of them supports each Node.
 */
const MEASURED_PACKAGES = [
  'fastify',
  '@sentry/node',
  '@sentry/core',
  '@opentelemetry/api',
  '@opentelemetry/sdk-trace-node',
  '@opentelemetry/exporter-trace-otlp-http',
  '@opentelemetry/instrumentation-http',
  '@opentelemetry/instrumentation-undici',
  '@fastify/otel',
  'autocannon',
  'tsx',
  'typescript',
];

/** Packages only some scenarios load: a Node they do not support is refused for those scenarios alone. */
const SCENARIO_PACKAGES: Partial<Record<ScenarioName, readonly string[]>> = { 'llm-proxy': ['openai'] };

/** The suite's own installed packages. */
const packageJson = (name: string): PackageManifest | null => packageManifest(name, PROJECT_ROOT);

/**
 * The same SDK versions must run on every Node of the run: a Node outside a measured package's
 * `engines` would measure a setup the package does not support (or, were versions chosen per
 * Node, another SDK). A UsageError naming the Node and the package otherwise.
 */
export function checkPackagesRunOn(nodes: readonly NodeRuntime[], scenarios: readonly ScenarioName[] = []): void {
  const scenarioPackages = scenarios.flatMap((scenario) => SCENARIO_PACKAGES[scenario] ?? []);
  for (const node of nodes) {
    const version = nodeVersion(node);
    const forScenario = packageNotSupporting(version, scenarioPackages);
    if (forScenario) {
      const scenario = scenarios.find((name) => SCENARIO_PACKAGES[name]?.includes(forScenario.name));
      throw new UsageError(
        `scenario ${scenario} cannot run on Node ${node} (${version}): ${forScenario.name} ${forScenario.version} needs engines.node ${forScenario.range} (accepted: leave ${scenario} out with --scenarios, or Nodes within that range)`,
      );
    }
    const unsupported = packageNotSupporting(version);
    if (unsupported) {
      throw new UsageError(
        `Node ${node} (${version}) is outside what ${unsupported.name} ${unsupported.version} supports (engines.node ${unsupported.range}): every Node of a run runs the same package versions (accepted: Nodes within that range)`,
      );
    }
  }
}

/** The first measured package whose engines.node excludes this Node version, or null. */
export function packageNotSupporting(version: string, names: readonly string[] = MEASURED_PACKAGES): { name: string; version: string; range: string } | null {
  for (const name of names) {
    const manifest = packageJson(name);
    const range = manifest?.engines?.node;
    if (manifest && range && !satisfies(version, range)) return { name, version: manifest.version, range };
  }
  return null;
}

/** The checked-out commit, or null outside a git work tree. */
export function gitCommit(): string | null {
  return git('rev-parse', 'HEAD');
}

function git(...args: string[]): string | null {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** The machine and software a run measured, written into every result file. */
export function collectEnvironment(pinning: Pinning): Env {
  const packages: Record<string, string> = {};
  for (const name of [...MEASURED_PACKAGES, ...Object.values(SCENARIO_PACKAGES).flat()]) {
    const version = packageJson(name)?.version;
    if (version) packages[name] = version;
  }
  return {
    node: process.version,
    os: { platform: platform(), release: release(), arch: arch() },
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cpus: cpus().length,
    totalMemoryMb: Math.round(totalmem() / 1024 / 1024),
    packages,
    gitCommit: gitCommit(),
    gitDirty: (git('status', '--porcelain', '--untracked-files=no') ?? '') !== '',
    pinning: { available: pinning.available, server: pinning.server, load: pinning.load, note: pinning.note },
  };
}
