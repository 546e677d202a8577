import type { WorkProgress } from './request-tracker.ts';
import { monitorEventLoopDelay, PerformanceObserver, type IntervalHistogram } from 'node:perf_hooks';

/** What the server measured of itself over one window (a trial's measured period). */
export interface ProcessSample {
  wallMs: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  /** CPU time over wall time: 1 = one core fully busy. */
  cpuUtilisation: number;
  rssPeakMb: number;
  heapPeakMb: number;
  /** Heap used after a forced GC at the window's end (null without --expose-gc). */
  heapAfterGcMb: number | null;
  /** Heap used after a forced GC at the window's start: the baseline for memory per stream. */
  heapBaselineMb: number | null;
  eventLoopDelayP99Ms: number;
  /** Responses the server completed inside the window: throughput without the load's ramp-up and tail. */
  requestsCompleted: number;
  /** Child spans the server produced inside the window: work counted as it is done. */
  childSpansProduced: number;
  /** Time in garbage collection inside the window (perf_hooks 'gc' entries; the forced GCs at its ends left out). */
  gcMs: number;
  gcCount: number;
  /** Event-loop iterations and the I/O events libuv handed over in the window; null where this Node lacks uvMetricsInfo. */
  loopTurns: number | null;
  loopEvents: number | null;
  /** Context switches of the process (all threads) in the window: it waited / it was preempted. */
  voluntaryContextSwitches: number;
  involuntaryContextSwitches: number;
}

const MB = 1024 * 1024;
const SAMPLE_EVERY_MS = 50;

/** Forces a full GC where node runs with --expose-gc; returns the heap used after it, in MB. */
function heapAfterGc(): number | null {
  if (typeof globalThis.gc !== 'function') return null;
  globalThis.gc();
  return process.memoryUsage().heapUsed / MB;
}

/** libuv's loop counters (Node 20.18+, 22.8+), or null where this Node has none. */
function loopCounters(): { turns: number; events: number } | null {
  const metrics = (performance as { nodeTiming?: { uvMetricsInfo?: { loopCount: number; events: number } } }).nodeTiming?.uvMetricsInfo;
  return metrics ? { turns: metrics.loopCount, events: metrics.events } : null;
}

/**
 * Measures the server process over a window: CPU time, peak RSS and heap (sampled), event-loop
 * delay, and heap after GC at both ends; and what might drive CPU per request beyond the
 * requests' own work (GC time, loop turns, context switches).
 */
export class ProcessProbe {
  private started = 0;
  private progressAtStart: WorkProgress = { completed: 0, childSpans: 0 };
  private cpuAtStart = process.cpuUsage();
  private heapBaseline: number | null = null;
  private rssPeak = 0;
  private heapPeak = 0;
  private sampler: NodeJS.Timeout | undefined;
  private loopDelay: IntervalHistogram | undefined;
  private gcObserver: PerformanceObserver | undefined;
  private gcMs = 0;
  private gcCount = 0;
  private loopAtStart: { turns: number; events: number } | null = null;
  private switchesAtStart = { voluntary: 0, involuntary: 0 };

  /** `progress` reads what the server has done so far. */
  constructor(private readonly progress: () => WorkProgress) {}

  start(): void {
    this.stopSampling();
    this.heapBaseline = heapAfterGc();
    this.rssPeak = 0;
    this.heapPeak = 0;
    this.sample();
    this.sampler = setInterval(() => this.sample(), SAMPLE_EVERY_MS).unref();
    this.loopDelay = monitorEventLoopDelay({ resolution: 10 });
    this.loopDelay.enable();
    this.gcMs = 0;
    this.gcCount = 0;
    this.cpuAtStart = process.cpuUsage();
    this.progressAtStart = this.progress();
    this.loopAtStart = loopCounters();
    const usage = process.resourceUsage();
    this.switchesAtStart = { voluntary: usage.voluntaryContextSwitches, involuntary: usage.involuntaryContextSwitches };
    this.started = performance.now();
    // GC entries arrive a turn after their GC: the one forced above is told apart by its start
    // time. A GC ending in the window's last turn may arrive after stop() and is not counted.
    this.gcObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        if (entry.startTime < this.started) continue;
        this.gcMs += entry.duration;
        this.gcCount += 1;
      }
    });
    this.gcObserver.observe({ entryTypes: ['gc'] });
  }

  /** Heap used after a GC right now: for memory held by streams that are still open. */
  heapNow(): { heapAfterGcMb: number | null; rssMb: number } {
    return { heapAfterGcMb: heapAfterGc(), rssMb: process.memoryUsage().rss / MB };
  }

  stop(): ProcessSample {
    const wallMs = performance.now() - this.started;
    const cpu = process.cpuUsage(this.cpuAtStart);
    const progress = this.progress();
    const loop = loopCounters();
    const usage = process.resourceUsage();
    const gcMs = this.gcMs;
    const gcCount = this.gcCount;
    this.sample();
    const eventLoopDelayP99Ms = (this.loopDelay?.percentile(99) ?? 0) / 1e6;
    this.stopSampling();
    const cpuUserMs = cpu.user / 1000;
    const cpuSystemMs = cpu.system / 1000;
    return {
      wallMs,
      cpuUserMs,
      cpuSystemMs,
      cpuUtilisation: wallMs > 0 ? (cpuUserMs + cpuSystemMs) / wallMs : 0,
      rssPeakMb: this.rssPeak / MB,
      heapPeakMb: this.heapPeak / MB,
      heapAfterGcMb: heapAfterGc(),
      heapBaselineMb: this.heapBaseline,
      eventLoopDelayP99Ms,
      requestsCompleted: progress.completed - this.progressAtStart.completed,
      childSpansProduced: progress.childSpans - this.progressAtStart.childSpans,
      gcMs,
      gcCount,
      loopTurns: loop && this.loopAtStart ? loop.turns - this.loopAtStart.turns : null,
      loopEvents: loop && this.loopAtStart ? loop.events - this.loopAtStart.events : null,
      voluntaryContextSwitches: usage.voluntaryContextSwitches - this.switchesAtStart.voluntary,
      involuntaryContextSwitches: usage.involuntaryContextSwitches - this.switchesAtStart.involuntary,
    };
  }

  private sample(): void {
    const { rss, heapUsed } = process.memoryUsage();
    this.rssPeak = Math.max(this.rssPeak, rss);
    this.heapPeak = Math.max(this.heapPeak, heapUsed);
  }

  private stopSampling(): void {
    clearInterval(this.sampler);
    this.loopDelay?.disable();
    this.gcObserver?.disconnect();
  }
}
