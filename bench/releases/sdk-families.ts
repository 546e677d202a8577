import type { TracerName } from '../../servers/tracer.ts';

/**
 * The SDKs whose releases can run side by side (--sentry, --otel): the packages the servers import
 * from a release's own directory instead of the suite's node_modules. This file is data only: the
 * server reads it without loading any installer.
 */
export const SDK_FAMILIES = {
  sentry: { flag: 'sentry', main: '@sentry/node', packages: ['@sentry/node'], tracers: ['sentry-static', 'sentry-stream'] },
  otel: {
    flag: 'otel',
    main: '@opentelemetry/sdk-trace-node',
    packages: [
      '@opentelemetry/api',
      '@opentelemetry/context-async-hooks',
      '@opentelemetry/core',
      '@opentelemetry/exporter-trace-otlp-http',
      '@opentelemetry/instrumentation',
      '@opentelemetry/instrumentation-http',
      '@opentelemetry/otlp-transformer',
      '@opentelemetry/resources',
      '@opentelemetry/sdk-trace-base',
      '@opentelemetry/sdk-trace-node',
      '@fastify/otel',
    ],
    tracers: ['otel'],
  },
} as const satisfies Record<string, { flag: string; main: string; packages: readonly string[]; tracers: readonly TracerName[] }>;

export type SdkFamily = keyof typeof SDK_FAMILIES;
export const SDK_FAMILY_NAMES = Object.keys(SDK_FAMILIES) as SdkFamily[];

/** The family a tracer loads, or null for tracer none (and for an SDK that has no releases axis yet). */
export function familyOf(tracer: TracerName): SdkFamily | null {
  return SDK_FAMILY_NAMES.find((family) => (SDK_FAMILIES[family].tracers as readonly TracerName[]).includes(tracer)) ?? null;
}

/** One release of an SDK a cell runs. */
export interface SdkRelease {
  family: SdkFamily;
  /** The family's main package, e.g. '@sentry/node'. */
  package: string;
  /** As asked: `10.x`, `11.12.0`. */
  spec: string;
  /** The version of the family's main package that is installed, e.g. 10.78.0. */
  version: string;
  /** Its own directory (under .sdk-releases/); null for the suite's own pinned release, in node_modules. */
  dir: string | null;
}

/** The releases of each SDK a matrix runs side by side; an SDK not listed runs the suite's own. */
export type ReleaseAxis = Partial<Record<SdkFamily, readonly SdkRelease[]>>;

/** `@sentry/node 10.78.0`, as tables and progress lines show a cell's release (and a server says what it loaded). */
export function releaseText(release: Pick<SdkRelease, 'package' | 'version'>): string {
  return `${release.package} ${release.version}`;
}

/** What a result file records of a release: not where this machine keeps it. */
export function recordedRelease({ package: name, version, spec }: SdkRelease): { package: string; version: string; spec: string } {
  return { package: name, version, spec };
}
