import { type Flag, UsageError } from '../common/cli.ts';
import { type ReleaseAxis, SDK_FAMILIES } from './sdk-families.ts';
import { useReleases } from './sdk-releases.ts';

/** --sentry, as every command with the releases axis declares it. */
export const SENTRY_RELEASES_FLAG = {
  type: 'string',
  value: 'a,b',
  help: `releases of ${SDK_FAMILIES.sentry.main} side by side, e.g. 11.12.0,10.x: each other than the suite's own installed on first use under .sdk-releases/`,
  defaultText: "the suite's own",
} as const satisfies Flag;

/** The releases axis from the flags (installing what is missing, with a progress line each). */
export async function useReleaseAxis(flags: { sentry?: string | undefined; tracers?: string | undefined }, log: (line: string) => void): Promise<ReleaseAxis> {
  if (flags.sentry === undefined) return {};
  if (flags.tracers !== undefined && !flags.tracers.split(',').some((tracer) => tracer.trim().startsWith('sentry-'))) {
    throw new UsageError(`--sentry chooses releases of the Sentry tracers, and --tracers ${flags.tracers} lists none (accepted: sentry-static, sentry-stream)`);
  }
  return { sentry: await useReleases('sentry', flags.sentry, log) };
}
