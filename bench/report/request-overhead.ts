import type { RequestCell, RequestInstructionResult } from '../../results/request-instruction-schema.ts';

/** The untraced cell of the same scenario and Node, where it was counted and held. */
export function untracedOf(result: RequestInstructionResult, cell: RequestCell): RequestCell | undefined {
  return result.cells.find((other) => other.strategy === 'untraced' && other.scenario === cell.scenario && other.node === cell.node && other.perRequest);
}

/** Instructions per request over untraced's, as a ratio (1.00 = untraced). */
export function overheadRatio(result: RequestInstructionResult, cell: RequestCell): number | null {
  const base = untracedOf(result, cell);
  return base?.perRequest && cell.perRequest ? cell.perRequest.mean / base.perRequest.mean : null;
}
