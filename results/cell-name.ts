/** The fields that identify a cell of the matrix; every result-file cell has them. */
export interface CellIdentity {
  label: string;
  tracer: string;
  scenario: string;
}

/**
 * `label/tracer/scenario`, e.g. `untraced#2/none/sse-tokens`: unique within a run (the label
 * already tells copies of a strategy apart), so it is how two runs' cells are matched.
 */
export function cellName(cell: CellIdentity): string {
  return `${cell.label}/${cell.tracer}/${cell.scenario}`;
}
