import http from 'node:http';

export interface StreamRequest {
  url: string;
  requestId: string;
  /** Abort (destroy the connection) once this many chunks have arrived; mid-stream abort. */
  abortAfterChunks?: number;
  /** Give up after this long: the request counts as an error. */
  timeoutMs?: number;
  /** More request headers (x-request-id is set from requestId). */
  headers?: Record<string, string>;
}

export interface StreamResult {
  requestId: string;
  status: number | undefined;
  bytes: number;
  chunks: number;
  /** Time to the first body byte. */
  ttfbMs: number | undefined;
  /** Largest gap between two chunks: a buffered stream shows up here. */
  maxGapMs: number;
  durationMs: number;
  /** How the response ended from the client's side. */
  ending: 'complete' | 'aborted-by-client' | 'broken';
}

/** One GET read chunk by chunk, timing what a user of the stream would see. */
export function fetchStream(request: StreamRequest): Promise<StreamResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    let last = started;
    const result: StreamResult = {
      requestId: request.requestId,
      status: undefined,
      bytes: 0,
      chunks: 0,
      ttfbMs: undefined,
      maxGapMs: 0,
      durationMs: 0,
      ending: 'broken',
    };
    let finished = false;
    const finish = (ending: StreamResult['ending']): void => {
      if (finished) return;
      finished = true;
      result.ending = ending;
      result.durationMs = performance.now() - started;
      resolve(result);
    };

    const req = http.get(request.url, { headers: { ...request.headers, 'x-request-id': request.requestId }, agent: false }, (res) => {
      result.status = res.statusCode;
      res.on('data', (chunk: Buffer) => {
        const now = performance.now();
        if (result.chunks === 0) result.ttfbMs = now - started;
        else result.maxGapMs = Math.max(result.maxGapMs, now - last);
        last = now;
        result.chunks += 1;
        result.bytes += chunk.length;
        if (request.abortAfterChunks !== undefined && result.chunks >= request.abortAfterChunks) {
          req.destroy();
          finish('aborted-by-client');
        }
      });
      res.once('end', () => finish(res.complete ? 'complete' : 'broken'));
      res.once('error', () => finish('broken'));
      res.once('aborted', () => finish('broken'));
    });
    req.once('error', () => finish('broken'));
    req.setTimeout(request.timeoutMs ?? 60_000, () => {
      req.destroy();
      finish('broken');
    });
  });
}
