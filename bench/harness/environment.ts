import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { arch, cpus, platform, release, totalmem } from 'node:os';
import { createRequire } from 'node:module';
import type { Env } from '../../results/schema.ts';
import type { Pinning } from './pinning.ts';

/** Packages whose versions shape the figures. */
const MEASURED_PACKAGES = [
  'fastify',
  '@sentry/node',
  '@sentry/core',
  '@opentelemetry/sdk-trace-node',
  '@opentelemetry/exporter-trace-otlp-http',
  '@opentelemetry/instrumentation-http',
  '@fastify/otel',
  'autocannon',
  'tsx',
  'typescript',
];

function packageVersion(name: string): string | null {
  try {
    const require = createRequire(import.meta.url);
    const path = require.resolve(`${name}/package.json`);
    return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
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
  for (const name of MEASURED_PACKAGES) {
    const version = packageVersion(name);
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
