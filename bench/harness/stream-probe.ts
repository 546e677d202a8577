import { median } from '../stats/stats.ts';
import { fetchStream, type StreamResult } from './stream-client.ts';

export interface StreamProbeResult {
  /** Median time to first byte over the probe's streams. */
  ttfbMs: number | null;
  /** Median over the probe's streams of each stream's largest gap between chunks. */
  maxGapMs: number | null;
  streams: number;
}

/**
 * Beside the load, one stream at a time, timed as a user would see it: a strategy or SDK that
 * buffers a stream shows up as a late first byte or a long gap. Runs until `until` resolves.
 */
export async function probeStreams(url: string, idPrefix: string, until: Promise<unknown>): Promise<StreamProbeResult> {
  let done = false;
  void until.finally(() => (done = true));
  const results: StreamResult[] = [];
  for (let index = 1; !done; index += 1) {
    const result = await fetchStream({ url, requestId: `${idPrefix}-${index}`, timeoutMs: 30_000 });
    if (result.ending === 'complete') results.push(result);
  }
  const ttfbs = results.flatMap((result) => (result.ttfbMs === undefined ? [] : [result.ttfbMs]));
  return {
    ttfbMs: ttfbs.length > 0 ? median(ttfbs) : null,
    maxGapMs: results.length > 0 ? median(results.map((result) => result.maxGapMs)) : null,
    streams: results.length,
  };
}
