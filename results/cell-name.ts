/** The fields that identify a cell of the matrix; every result-file cell has them. */
export interface CellIdentity {
  label: string;
  tracer: string;
  scenario: string;
  /** The --node value its server ran on: '20', '22', '24' or 'system'. */
  node: string;
  /** The SDK release it ran, where the run chose releases (--sentry). */
  sdkRelease?: { version: string };
}

/**
 * `label/tracer/scenario/node24`, e.g. `untraced#2/none/sse-tokens/node24`: unique within a run
 * (the label already tells copies of a strategy apart), so it is how two runs' cells are matched.
 * A cell on the harness's own Node ends in `node-system`. Where the run chose SDK releases, the
 * tracer carries its release: `close-listener/sentry-static@10.78.0/sse-tokens/node24`.
 */
export function cellName(cell: CellIdentity): string {
  return `${cell.label}/${tracerTag(cell)}/${cell.scenario}/${nodeTag(cell.node)}`;
}

/** `sentry-static`, or `sentry-static@10.78.0` where the run chose SDK releases. */
export function tracerTag(cell: Pick<CellIdentity, 'tracer' | 'sdkRelease'>): string {
  return `${cell.tracer}${cell.sdkRelease ? `@${cell.sdkRelease.version}` : ''}`;
}

/** `node24` for --node 24, `node-system` for the harness's own Node. */
export function nodeTag(node: string): string {
  return /^\d+$/.test(node) ? `node${node}` : `node-${node}`;
}
