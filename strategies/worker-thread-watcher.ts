import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { statusOf } from './outcome.ts';
import type { RootSpan, StrategyFactory } from './strategy.ts';

/** Slot states in shared memory. The worker moves DONE→REPORTED and OPEN→EXPIRED. */
const FREE = 0;
const OPEN = 1;
const DONE = 2;
const REPORTED = 3;
const EXPIRED = 4;

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

/**
 * Runs in the worker: wakes every tick, scans the slots, and reports the streams that are done
 * and those open past the lifetime or idle limit. Plain JS so the worker needs no TypeScript loader.
 */
const watcherSource = `
const { parentPort, workerData } = require('node:worker_threads');
const { buffer, capacity, tickMs, maxLifetimeMs, idleLimitMs, epoch } = workerData;
const state = new Int32Array(buffer, 0, capacity);
const openedAt = new Int32Array(buffer, 4 * capacity, capacity);
const activeAt = new Int32Array(buffer, 8 * capacity, capacity);
const highWater = new Int32Array(buffer, 12 * capacity, 1);
setInterval(() => {
  const now = Date.now() - epoch;
  const done = [];
  const expired = [];
  const end = Atomics.load(highWater, 0);
  for (let slot = 0; slot < end; slot++) {
    const s = Atomics.load(state, slot);
    if (s === ${DONE}) {
      if (Atomics.compareExchange(state, slot, ${DONE}, ${REPORTED}) === ${DONE}) done.push(slot);
    } else if (s === ${OPEN}) {
      const tooOld = now - Atomics.load(openedAt, slot) > maxLifetimeMs;
      const idle = now - Atomics.load(activeAt, slot) > idleLimitMs;
      if ((tooOld || idle) && Atomics.compareExchange(state, slot, ${OPEN}, ${EXPIRED}) === ${OPEN}) expired.push(slot);
    }
  }
  if (done.length > 0 || expired.length > 0) parentPort.postMessage({ done, expired });
}, tickMs);
`;

/**
 * The thread-based fix, measured: the main thread only flips a stream's slot in shared memory
 * (open, done, last activity); a worker thread wakes every tick, finds the finished and expired
 * streams and tells the main thread which roots to end.
 */
export const workerThreadWatcher: StrategyFactory = ({ tickMs, maxLifetimeMs, idleLimitMs }) => {
  const buffer = new SharedArrayBuffer(12 * CAPACITY + 4);
  const state = new Int32Array(buffer, 0, CAPACITY);
  const openedAt = new Int32Array(buffer, 4 * CAPACITY, CAPACITY);
  const activeAt = new Int32Array(buffer, 8 * CAPACITY, CAPACITY);
  const highWater = new Int32Array(buffer, 12 * CAPACITY, 1);
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
  };
};
