import { type AnyStrategyName, loadsNoSdk } from '../../strategies/registry.ts';
import type { TracerName } from '../../servers/tracer.ts';
import type { ScenarioName } from './scenarios.ts';
import { DEFAULT_NODE, type NodeRuntime } from '../common/node-runtime.ts';
import { familyOf, type ReleaseAxis, recordedRelease, releaseText, type SdkRelease } from '../releases/sdk-families.ts';

/** The SDK tracers a matrix may list; `none` is implied for untraced. */
export const SDK_TRACERS = ['sentry-static', 'sentry-stream', 'otel'] as const satisfies readonly TracerName[];

/** One cell of the matrix: a strategy with a tracer on a scenario, its server on one Node. */
export interface Cell {
  /** Unique within the matrix: `strategy#2` for a strategy listed twice (A/A runs). */
  label: string;
  strategy: AnyStrategyName;
  tracer: TracerName;
  scenario: ScenarioName;
  /** The Node the cell's server runs on (--node). */
  node: NodeRuntime;
  /** The SDK release it runs, where releases were chosen (--sentry); else the suite's own. */
  sdkRelease?: SdkRelease;
}

/**
 * strategy x tracer (x its SDK's releases) x scenario x Node. A strategy that loads no SDK (untraced) runs once per scenario
 * (per Node) with tracer `none` whatever the tracers listed. A strategy listed twice gets its own
 * label. Every Node gets its own untraced cell: a baseline on another Node would not be one.
 */
export function buildMatrix(
  strategies: readonly AnyStrategyName[],
  tracers: readonly TracerName[],
  scenarios: readonly ScenarioName[],
  nodes: readonly NodeRuntime[] = [DEFAULT_NODE],
  releases: ReleaseAxis = {},
): Cell[] {
  const seen = new Map<string, number>();
  const labels = strategies.map((strategy) => {
    const copy = (seen.get(strategy) ?? 0) + 1;
    seen.set(strategy, copy);
    return { strategy, label: copy === 1 ? strategy : `${strategy}#${copy}` };
  });
  const cells: Cell[] = [];
  for (const scenario of scenarios) {
    for (const node of nodes) {
      for (const { strategy, label } of labels) {
        const cellTracers: readonly TracerName[] = loadsNoSdk(strategy) ? ['none'] : tracers;
        for (const tracer of cellTracers) {
          const family = familyOf(tracer);
          const tracerReleases = family ? releases[family] : undefined;
          if (!tracerReleases) cells.push({ label, strategy, tracer, scenario, node });
          else for (const release of tracerReleases) cells.push({ label, strategy, tracer, scenario, node, sdkRelease: release });
        }
      }
    }
  }
  return cells;
}

/** The SDK a cell's server must say it loaded, where the cell names a release. */
export function expectedSdk(cell: Cell): string | undefined {
  return cell.sdkRelease ? releaseText(cell.sdkRelease) : undefined;
}

/** A result cell's (or failure's) sdkRelease field, where the cell names a release. */
export function releaseOf(cell: Cell): { sdkRelease?: ReturnType<typeof recordedRelease> } {
  return cell.sdkRelease ? { sdkRelease: recordedRelease(cell.sdkRelease) } : {};
}

/** A result config's sdkReleases field: the releases as asked, by SDK; nothing without the axis. */
export function releaseAxisOf(axis: ReleaseAxis = {}): { sdkReleases?: Record<string, string[]> } {
  const listed = Object.entries(axis).filter(([, releases]) => releases && releases.length > 0);
  return listed.length === 0 ? {} : { sdkReleases: Object.fromEntries(listed.map(([family, releases]) => [family, releases!.map((release) => release.spec)])) };
}
