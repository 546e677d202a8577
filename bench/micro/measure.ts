import { Bench, type FnReturnedObject } from 'tinybench';
import type { Difference, Estimate, MicroCaseResult } from '../../results/micro-schema.ts';
import type { MicroCase } from './cases.ts';

/** How every case is measured; the same under every tracer, and written into the result. */
export interface MicroSettings {
  /** tinybench's time budget per measurement (ms). */
  timeMs: number;
  warmupMs: number;
  /** N: chunks per stream, or child spans per root in the SDK case; sse-tokens sends 20 events. */
  units: number;
  /** Requests run concurrently in one sample, as the load's 50 connections would. */
  requestsPerSample: number;
}

/** What a sample measures, in words, for the result file and the table. */
export const MICRO_CLOCK =
  'process CPU time (user + system, every thread: the worker thread and GC count; a polling wait does not) per request';

/** At least this many samples per measurement, whatever the time budget: fewer give no margin worth the name. */
const MIN_SAMPLES = 8;
const MIN_WARMUP_SAMPLES = 2;

export function microSettings(timeMs: number): MicroSettings {
  return { timeMs, warmupMs: Math.min(250, Math.ceil(timeMs / 4)), units: 20, requestsPerSample: 50 };
}

/**
 * One estimate with tinybench. A sample starts a batch of streams, lets them flow to their end
 * and waits until the SDK (if any) has processed every root ended so far; it records the CPU time
 * this took, per request. A root ends whenever its strategy ends it: within the sample, or for a
 * polling strategy at a later tick, in a later sample. As in a busy server, a tick's work (and
 * its wake-up) is then shared by the requests it serves, and the wait itself costs nothing.
 */
async function estimate(startBatch: () => void, settings: MicroSettings, settle: () => Promise<unknown>): Promise<Estimate> {
  globalThis.gc?.(); // the garbage of the case before is not this one's cost
  const bench = new Bench({
    time: settings.timeMs,
    warmupTime: settings.warmupMs,
    iterations: MIN_SAMPLES,
    warmupIterations: MIN_WARMUP_SAMPLES,
    throws: true,
  });
  bench.add('batch', async (): Promise<FnReturnedObject> => {
    const wallStart = performance.now();
    const cpuStart = process.cpuUsage();
    startBatch();
    // The SDK finishes a root's event after an I/O step and sends it later: waiting for that
    // puts the SDK's work for the roots ended so far in this sample.
    await settle();
    const cpu = process.cpuUsage(cpuStart);
    return {
      overriddenDuration: (cpu.user + cpu.system) / 1_000 / settings.requestsPerSample,
      // The time budget is wall time, waits included.
      overriddenIterationCost: performance.now() - wallStart,
    };
  });
  const [task] = await bench.run();
  const result = task?.result;
  if (result?.state !== 'completed') throw new Error(`tinybench did not complete the measurement (${result?.state ?? 'no task'})`);
  const { mean, rme, samplesCount } = result.latency;
  if (!Number.isFinite(rme)) throw new Error(`no error margin: the CPU clock measured ${mean} ms per request`);
  return { ns: mean * 1e6, rmePercent: rme, samples: samplesCount };
}

const marginNs = (estimate: Estimate): number => (estimate.ns * estimate.rmePercent) / 100;

/** a - b, with the two 95 % margins combined. */
function difference(a: Estimate, b: Estimate): Difference {
  return { ns: a.ns - b.ns, marginNs: Math.hypot(marginNs(a), marginNs(b)) };
}

/**
 * Measures one case at 0 and at N units per request. Its cost per unit is the difference over N;
 * a strategy's own cost is its cost at N units minus the baseline's. `settle` resolves once the
 * work a batch set off is done: its streams, and the SDK's processing and sends (its flush).
 */
export async function measureCase(
  microCase: MicroCase,
  settings: MicroSettings,
  baseline: Estimate | null,
  settle: () => Promise<unknown>,
): Promise<MicroCaseResult> {
  const rootStatuses: Record<string, number> = {};
  let ends: Promise<void>[] = [];
  const batchOf = (units: number) => (): void => {
    for (let index = 0; index < settings.requestsPerSample; index += 1) {
      ends.push(Promise.resolve(microCase.request(units)).then((status) => void (rootStatuses[status] = (rootStatuses[status] ?? 0) + 1)));
    }
  };
  /** Outside the samples: every root of the estimate has ended and the SDK is idle again. */
  const drain = async (): Promise<void> => {
    await Promise.all(ends);
    ends = [];
    await settle();
  };
  // The polling strategies' timers are unref'd, so a server can exit; this process must stay up
  // while they end its roots. Never fires: it costs no wake-up.
  const keepAlive = setInterval(() => {}, 1 << 30);
  await microCase.start();
  let withoutUnits: Estimate;
  let withUnits: Estimate;
  try {
    withoutUnits = await estimate(batchOf(0), settings, settle);
    await drain();
    withUnits = await estimate(batchOf(settings.units), settings, settle);
    await drain();
  } finally {
    await microCase.stop();
    clearInterval(keepAlive);
  }
  const perUnit = difference(withUnits, withoutUnits);
  return {
    name: microCase.name,
    kind: microCase.kind,
    unit: microCase.unit,
    withoutUnits,
    withUnits,
    perUnit: { ns: perUnit.ns / settings.units, marginNs: perUnit.marginNs / settings.units },
    ownCost: baseline ? difference(withUnits, baseline) : null,
    rootStatuses,
  };
}
