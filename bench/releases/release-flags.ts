import { type Flag, UsageError } from '../common/cli.ts';
import { type ReleaseAxis, SDK_FAMILIES, SDK_FAMILY_NAMES } from './sdk-families.ts';
import { useReleases } from './sdk-releases.ts';

/** --sentry, as every command with the releases axis declares it. */
export const SENTRY_RELEASES_FLAG = {
  type: 'string',
  value: 'a,b',
  help: `releases of ${SDK_FAMILIES.sentry.main} side by side, e.g. 11.12.0,10.x: each other than the suite's own installed on first use under .sdk-releases/`,
  defaultText: "the suite's own",
} as const satisfies Flag;

/** --otel, likewise. */
export const OTEL_RELEASES_FLAG = {
  type: 'string',
  value: 'a,b',
  help: `releases of OpenTelemetry JS (${SDK_FAMILIES.otel.main} and the packages released with it) side by side, e.g. 2.12.0,1.x: each other than the suite's own installed on first use under .sdk-releases/`,
  defaultText: "the suite's own",
} as const satisfies Flag;

/** The releases axis from the flags (installing what is missing, with a progress line each). */
export async function useReleaseAxis(
  flags: { sentry?: string | undefined; otel?: string | undefined; tracers?: string | undefined },
  log: (line: string) => void,
): Promise<ReleaseAxis> {
  const axis: ReleaseAxis = {};
  for (const family of SDK_FAMILY_NAMES) {
    const list = flags[family];
    if (list === undefined) continue;
    const { tracers } = SDK_FAMILIES[family];
    if (flags.tracers !== undefined && !flags.tracers.split(',').some((tracer) => (tracers as readonly string[]).includes(tracer.trim()))) {
      throw new UsageError(`--${family} chooses releases of the tracers ${tracers.join(', ')}, and --tracers ${flags.tracers} lists none (accepted: ${tracers.join(', ')})`);
    }
    axis[family] = await useReleases(family, list, log);
  }
  return axis;
}
