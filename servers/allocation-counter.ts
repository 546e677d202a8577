import { getHeapStatistics } from 'node:v8';
import { PerformanceObserver } from 'node:perf_hooks';

/** What whole-request instruction counts read between their windows (bench/instructions/). */
export interface AllocationReading {
  /** V8 heap in use now: with no collection in between, two readings differ by what was allocated. */
  usedHeapBytes: number;
  /** Garbage collections since the first reading: a window's allocation is only trusted at 0. */
  collections: number;
}

/**
 * Counts garbage collections from its first reading on. The observer starts only when read, so a
 * server that is never counted (the load run) carries none.
 */
export class AllocationCounter {
  private collections = 0;
  private observer: PerformanceObserver | undefined;

  /**
   * A young-generation collection (with --expose-gc), so the counted requests that follow start
   * from an empty young generation. Never a full one: a full GC flushes bytecode V8 must then
   * compile again, about 1 M (untraced) to 10 M (Sentry) instructions in the next window.
   */
  collectYoung(): boolean {
    if (typeof globalThis.gc !== 'function') return false;
    globalThis.gc({ type: 'minor' });
    return true;
  }

  read(): AllocationReading {
    if (!this.observer) {
      this.observer = new PerformanceObserver((list) => (this.collections += list.getEntries().length));
      this.observer.observe({ entryTypes: ['gc'] });
    }
    return { usedHeapBytes: getHeapStatistics().used_heap_size, collections: this.collections };
  }
}
