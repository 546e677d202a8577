import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { statusOf } from './outcome.ts';
import type { RootSpan, StrategyFactory } from './strategy.ts';

/** Slot states in shared memory. The worker moves DONE→REPORTED and OPEN→EXPIRED (scanSlots spells them as literals). */
const FREE = 0;
const OPEN = 1;
const DONE = 2;

/** More open streams than one server holds here; past it, roots end on close on the main thread. */
const CAPACITY = 1 << 16;

interface WatchedStream {
  root: RootSpan;
  res: ServerResponse;
  body: Readable | undefined;
  slot: number;
}

interface WatcherReport {
  done: number[];
  expired: number[];
}

/** The shared memory's views, as both threads make them. */
interface SlotViews {
  state: Int32Array;
  openedAt: Int32Array;
  activeAt: Int32Array;
  highWater: Int32Array;
}

function slotViews(buffer: SharedArrayBuffer, capacity: number): SlotViews {
  return {
    state: new Int32Array(buffer, 0, capacity),
    openedAt: new Int32Array(buffer, 4 * capacity, capacity),
    activeAt: new Int32Array(buffer, 8 * capacity, capacity),
    highWater: new Int32Array(buffer, 12 * capacity, 1),
  };
}

/**
 * One tick of the watcher: scans the slots and claims the streams that are done and those open
 * past the lifetime or idle limit. Self-contained (its source runs in the worker as it is), so
 * the slot states are literals: 1 OPEN, 2 DONE, 3 REPORTED, 4 EXPIRED.
 */
function scanSlots(views: SlotViews, now: number, maxLifetimeMs: number, idleLimitMs: number): WatcherReport {
  const { state, openedAt, activeAt, highWater } = views;
  const done: number[] = [];
  const expired: number[] = [];
  const end = Atomics.load(highWater, 0);
  for (let slot = 0; slot < end; slot++) {
    const current = Atomics.load(state, slot);
    if (current === 2) {
      if (Atomics.compareExchange(state, slot, 2, 3) === 2) done.push(slot);
    } else if (current === 1) {
      const tooOld = now - Atomics.load(openedAt, slot) > maxLifetimeMs;
      const idle = now - Atomics.load(activeAt, slot) > idleLimitMs;
      if ((tooOld || idle) && Atomics.compareExchange(state, slot, 1, 4) === 1) expired.push(slot);
    }
  }
  return { done, expired };
}

/**
 * Runs in the worker: wakes every tick, scans the slots, and reports what it claimed. Plain JS
 * (the scan's own compiled source) so the worker needs no TypeScript loader.
 */
const watcherSource = `
const { parentPort, workerData } = require('node:worker_threads');
const { buffer, capacity, tickMs, maxLifetimeMs, idleLimitMs, epoch } = workerData;
${slotViews.toString()}
${scanSlots.toString()}
const views = slotViews(buffer, capacity);
setInterval(() => {
  const report = scanSlots(views, Date.now() - epoch, maxLifetimeMs, idleLimitMs);
  if (report.done.length > 0 || report.expired.length > 0) parentPort.postMessage(report);
}, tickMs);
`;

/**
 * The thread-based fix, measured: the main thread only flips a stream's slot in shared memory
 * (open, done, last activity); a worker thread wakes every tick, finds the finished and expired
 * streams and tells the main thread which roots to end.
 */
export const workerThreadWatcher: StrategyFactory = ({ tickMs, maxLifetimeMs, idleLimitMs }) => {
  const buffer = new SharedArrayBuffer(12 * CAPACITY + 4);
  const views = slotViews(buffer, CAPACITY);
  const { state, openedAt, activeAt, highWater } = views;
  const epoch = Date.now();
  const streams: (WatchedStream | undefined)[] = [];
  const freeSlots: number[] = [];
  let worker: Worker | undefined;

  const now = (): number => Date.now() - epoch;

  function allocate(): number {
    const reused = freeSlots.pop();
    if (reused !== undefined) return reused;
    const next = Atomics.load(highWater, 0);
    if (next >= CAPACITY) return -1;
    Atomics.store(highWater, 0, next + 1);
    return next;
  }

  function release(stream: WatchedStream): void {
    const { slot } = stream;
    stream.slot = -1;
    streams[slot] = undefined;
    Atomics.store(state, slot, FREE);
    freeSlots.push(slot);
  }

  function onReport({ done, expired }: WatcherReport): void {
    for (const slot of done) {
      const stream = streams[slot];
      if (!stream) continue;
      release(stream);
      stream.root.end(statusOf(stream.res, stream.body));
    }
    for (const slot of expired) {
      const stream = streams[slot];
      if (!stream) continue;
      release(stream);
      stream.root.end('deadline_exceeded');
    }
  }

  return {
    name: 'worker-thread-watcher',
    description: `a worker thread scans shared memory every ${tickMs} ms and tells the main thread which roots to end`,
    rootOwner: 'strategy',
    start() {
      worker = new Worker(watcherSource, {
        eval: true,
        workerData: { buffer, capacity: CAPACITY, tickMs, maxLifetimeMs, idleLimitMs, epoch },
      });
      worker.on('message', onReport);
      worker.unref();
    },
    async stop() {
      await worker?.terminate();
    },
    track(root, res, body) {
      const slot = allocate();
      if (slot < 0) {
        // Shared memory is full: fall back to ending on close rather than leaking the root.
        res.once('close', () => root.end(statusOf(res, body)));
        return;
      }
      const stream: WatchedStream = { root, res, body, slot };
      streams[slot] = stream;
      const opened = now();
      Atomics.store(openedAt, slot, opened);
      Atomics.store(activeAt, slot, opened);
      Atomics.store(state, slot, OPEN);
      body?.on('data', () => {
        if (stream.slot >= 0) Atomics.store(activeAt, slot, now());
      });
      const markDone = (): void => {
        if (stream.slot >= 0) Atomics.compareExchange(state, slot, OPEN, DONE);
      };
      if (res.closed) markDone();
      else res.once('close', markDone);
    },
    // The worker's tick run here: its scan, then the main thread's handling of the report.
    pollNow: () => onReport(scanSlots(views, now(), maxLifetimeMs, idleLimitMs)),
  };
};
