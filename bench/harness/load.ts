import autocannon from 'autocannon';

export interface LoadOptions {
  url: string;
  connections: number;
  durationSec: number;
  /** Request ids are `${idPrefix}-${n}`: unique per request, readable in the sink. */
  idPrefix: string;
  /** The load stops (within 50 ms) once this resolves; durationSec is then the longest it runs. */
  stopWhen?: Promise<unknown>;
}

export interface LoadResult {
  /** Responses completed in the period. */
  requests: number;
  requestsPerSec: number;
  bytesPerSec: number;
  latencyP50Ms: number;
  latencyP90Ms: number;
  latencyP99Ms: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  durationSec: number;
}

/** Closed-loop load with autocannon, in this process: every request gets its own x-request-id. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const target = new URL(options.url);
  let sequence = 0;
  const settings: autocannon.Options = {
    url: target.origin,
    connections: options.connections,
    duration: options.durationSec,
    // autocannon checks its stop flag once per sample interval (1 s by default), so a 1.75 s load
    // ran 2 s. Every 50 ms, it stops within 50 ms of the duration asked for (or of stopWhen).
    sampleInt: 50,
    timeout: 30,
    requests: [
      {
        method: 'GET',
        path: `${target.pathname}${target.search}`,
        setupRequest: (request) => ({
          ...request,
          headers: { ...request.headers, 'x-request-id': `${options.idPrefix}-${(sequence += 1)}` },
        }),
      },
    ],
  };
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(settings, (error, finished) => (error ? reject(error) : resolve(finished)));
    void options.stopWhen?.then(() => instance.stop());
  });
  return {
    requests: result.requests.total,
    requestsPerSec: result.requests.total / result.duration,
    bytesPerSec: result.throughput.total / result.duration,
    latencyP50Ms: result.latency.p50,
    latencyP90Ms: result.latency.p90,
    latencyP99Ms: result.latency.p99,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    durationSec: result.duration,
  };
}
