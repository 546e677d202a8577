/** The fields that identify a cell of the matrix; every result-file cell has them. */
export interface CellIdentity {
  label: string;
  tracer: string;
  scenario: string;
  /** The --node value its server ran on: '20', '22', '24' or 'system'. */
  node: string;
}

/**
 * `label/tracer/scenario/node24`, e.g. `untraced#2/none/sse-tokens/node24`: unique within a run
 * (the label already tells copies of a strategy apart), so it is how two runs' cells are matched.
 * A cell on the harness's own Node ends in `node-system`.
 */
export function cellName(cell: CellIdentity): string {
  return `${cell.label}/${cell.tracer}/${cell.scenario}/${nodeTag(cell.node)}`;
}

/** `node24` for --node 24, `node-system` for the harness's own Node. */
export function nodeTag(node: string): string {
  return /^\d+$/.test(node) ? `node${node}` : `node-${node}`;
}
