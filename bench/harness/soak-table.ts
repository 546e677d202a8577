import type { SoakFile } from '../../results/soak-schema.ts';
import { formatSlope, soakCellName } from './soak.ts';
import { renderTable } from '../common/table.ts';

/** The soak's summary: per cell, streams finished, the heap's range, the slope with its interval, the verdict. */
export function renderSoakSummary(result: SoakFile): string {
  const rows = result.cells.map((cell) => {
    const fitted = cell.samples.filter((sample) => !sample.warmUp);
    const first = fitted[0]?.heapAfterGcMb;
    const last = fitted.at(-1)?.heapAfterGcMb;
    const slope = cell.slopeMbPer10k;
    return [
      soakCellName(cell),
      cell.streams,
      cell.errors,
      first === undefined || last === undefined ? '-' : `${first.toFixed(1)} -> ${last.toFixed(1)}`,
      slope ? `${formatSlope(slope.estimate)} [${formatSlope(slope.ci95[0])}, ${formatSlope(slope.ci95[1])}]` : '-',
      cell.failed ? `${cell.verdict} (FAILED: ${cell.failed})` : cell.verdict,
    ];
  });
  const threshold = result.config.leakThresholdMbPer10k;
  return [
    renderTable(['cell', 'streams', 'errors', 'heap after GC, MiB', 'slope MiB/10k streams [95 % CI]', 'verdict'], rows),
    '',
    `leak: the slope's whole 95 % interval lies above ${threshold} MiB per 10 000 finished streams; no leak: wholly below it;`,
    `inconclusive: the interval straddles it (soak longer). Heap after a forced GC; not fitted: each cell's warm-up,`,
    `its first ${result.config.warmUpStreams} streams or first ${Math.round(result.config.warmUpFraction * 100)} % of its waves, whichever is longer.`,
    ...(result.complete ? [] : ['', 'incomplete: interrupted, or a cell failed; the samples taken are kept']),
  ].join('\n');
}
