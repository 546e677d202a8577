/**
 * Reproduction (issue 10, "The rare outOfRange"): a pause at the start of a @sentry/node span is cut
 * out of the span's duration, so the span ends early and a child can end after it.
 *
 *   node --import tsx bench/repro/span-end-after-pause.ts [pauseMs] [spans]
 *   (on the servers' Node: node_modules/node24/bin/node --import tsx bench/repro/span-end-after-pause.ts)
 *
 * Why: @sentry/core's SentrySpan constructor reads the clock twice,
 *     this._startTime = timestampInSeconds();          // read 1: origin + performance.now()
 *     this._startPerformanceNow = safePerformanceNow(); // read 2: performance.now() again
 * and end() without a timestamp computes
 *     _startTime + (performance.now() - _startPerformanceNow) / 1000
 * Both reads come from the same monotonic clock, but whatever time passes between them (a GC, the
 * process being descheduled) is in neither the start nor the duration: the reported end is early
 * by exactly that time. A child started and ended inside the root then ends after its root.
 *
 * Part 1 makes the pause happen: the SDK runs every clock read through a global hook
 * (Symbol.for('__SENTRY_SAFE_RANDOM_ID_WRAPPER__'), see @sentry/core randomSafeContext); the hook
 * here lets `pauseMs` pass right after read 1 of the root (the only read that returns epoch seconds)
 * and changes nothing else. First on a stopped clock that moves only by the pause, so the figures
 * are exact and the same on every run; then on the real clock, with a busy-wait. Part 2 injects nothing: it makes `spans` roots, each with a child
 * ended just before the root, and counts how often the child still ends after its root, as it comes
 * on this machine (GC and scheduling pauses). Nothing is sent: the transaction events are read in
 * beforeSendTransaction, exactly as the SDK would send them, and dropped.
 */
import type { Event } from '@sentry/node';

const [pauseArg = '5', spansArg = '200000'] = process.argv.slice(2);
const pauseMs = Number(pauseArg);
const naturalSpans = Number(spansArg);
if (!(pauseMs > 0 && pauseMs <= 1000) || !Number.isInteger(naturalSpans) || naturalSpans < 1 || naturalSpans > 5_000_000) {
  console.error(`usage: span-end-after-pause.ts [pauseMs: >0..1000] [spans: 1..5000000], got ${pauseArg} ${spansArg}`);
  process.exit(2);
}

/** Busy-waits: real time passes, as in a GC pause or while the process is descheduled. */
function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

/**
 * A clock that stands still unless moved: while a trace runs on it, performance.now() and Date.now()
 * (the only clocks the SDK reads) return its time, so every figure the SDK sends is exact.
 */
let stoppedClockMs: number | undefined;
function onStoppedClock<T>(fn: () => T): T {
  const { now: realPerformanceNow } = performance;
  const realDateNow = Date.now;
  stoppedClockMs = realPerformanceNow.call(performance);
  performance.now = () => stoppedClockMs ?? realPerformanceNow.call(performance);
  Date.now = () => Math.floor(performance.timeOrigin + performance.now());
  try {
    return fn();
  } finally {
    performance.now = realPerformanceNow;
    Date.now = realDateNow;
    stoppedClockMs = undefined;
  }
}

/** Time passing: the stopped clock moves on, or (on the real clock) a busy-wait, as a GC pause or descheduling. */
function pause(ms: number): void {
  if (stoppedClockMs !== undefined) stoppedClockMs += ms;
  else spin(ms);
}

let pauseAfterStartRead = 0;
// Installed before the SDK is loaded: the SDK resolves the hook once, at its first clock read.
(globalThis as Record<symbol, unknown>)[Symbol.for('__SENTRY_SAFE_RANDOM_ID_WRAPPER__')] = <T>(read: () => T): T => {
  const value = read();
  // Epoch seconds come only from timestampInSeconds(); Math.random() and performance.now() reads are smaller.
  if (pauseAfterStartRead > 0 && typeof value === 'number' && value > 1e9) {
    pause(pauseAfterStartRead);
    pauseAfterStartRead = 0;
  }
  return value;
};

const Sentry = await import('@sentry/node');

interface Sent {
  rootStart: number;
  rootEnd: number;
  childStart: number;
  childEnd: number;
}
let lastSent: Sent | undefined;
/** A function, not the variable: the callback sets it while traceOnce awaits. */
const sentSoFar = (): Sent | undefined => lastSent;
Sentry.init({
  // Never contacted: every transaction is dropped in beforeSendTransaction.
  dsn: 'http://key@127.0.0.1:9/1',
  tracesSampleRate: 1,
  traceLifecycle: 'static',
  defaultIntegrations: false,
  beforeSendTransaction(event: Event): null {
    const child = event.spans?.[0];
    lastSent = {
      rootStart: event.start_timestamp ?? Number.NaN,
      rootEnd: event.timestamp ?? Number.NaN,
      childStart: child?.start_timestamp ?? Number.NaN,
      childEnd: child?.timestamp ?? Number.NaN,
    };
    return null;
  },
});

/** One root with one child, the child ended just before the root; the transaction as the SDK sends it. */
async function traceOnce(pauseMs: number, clock: 'real' | 'stopped' = 'real'): Promise<Sent & { realMs: number }> {
  lastSent = undefined;
  const trace = (): number => {
    const realStart = performance.now();
    pauseAfterStartRead = pauseMs;
    const root = Sentry.startNewTrace(() => Sentry.startInactiveSpan({ name: 'root', forceTransaction: true }));
    Sentry.withActiveSpan(root, () => Sentry.startSpan({ name: 'child' }, () => {}));
    root.end();
    return performance.now() - realStart;
  };
  const realMs = clock === 'stopped' ? onStoppedClock(trace) : trace();
  // The transaction event is built and passed to beforeSendTransaction asynchronously.
  const deadline = performance.now() + 5_000;
  while (!sentSoFar() && performance.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
  const sent = sentSoFar();
  if (!sent) throw new Error('the SDK produced no transaction event within 5 s');
  return { ...sent, realMs };
}

const ms = (seconds: number): string => `${(seconds * 1000).toFixed(3)} ms`;

console.log(`@sentry/node ${Sentry.SDK_VERSION} on Node ${process.version}`);
// Warm: the first traces load and compile the SDK's paths; their times would say nothing.
for (let index = 0; index < 200; index += 1) await traceOnce(0);

console.log(`\n1. a ${pauseMs} ms pause right after the root's start time is read`);
for (const [clock, pauseHere] of [['stopped', 0], ['stopped', pauseMs], ['real', 0], ['real', pauseMs]] as const) {
  const sent = await traceOnce(pauseHere, clock);
  console.log(
    `  ${clock} clock, pause ${pauseHere} ms: time from before the root started to after it ended ${sent.realMs.toFixed(3)} ms;` +
      ` root duration sent ${ms(sent.rootEnd - sent.rootStart)};` +
      ` child starts ${ms(sent.childStart - sent.rootStart)} after the root's start and ends ${ms(sent.childEnd - sent.rootEnd)} after the root's end`,
  );
}

console.log(`\n2. ${naturalSpans} roots, nothing injected: how often the child (ended before its root) ends after it`);
let after = 0;
let beyondOneMs = 0;
let worst: (Sent & { realMs: number }) | undefined;
const overMs = (sent: Sent): number => (sent.childEnd - sent.rootEnd) * 1000;
for (let index = 0; index < naturalSpans; index += 1) {
  const sent = await traceOnce(0);
  if (overMs(sent) > 0) after += 1;
  if (overMs(sent) > 1) beyondOneMs += 1;
  if (!worst || overMs(sent) > overMs(worst)) worst = sent;
}
console.log(`  child ends after its root: ${after} of ${naturalSpans}; by more than 1 ms (the verifier's tolerance): ${beyondOneMs}`);
if (worst) {
  console.log(
    `  worst: child ends ${overMs(worst).toFixed(3)} ms after its root; root duration sent ${ms(worst.rootEnd - worst.rootStart)},` +
      ` real time around the root ${worst.realMs.toFixed(3)} ms; child starts ${ms(worst.childStart - worst.rootStart)} after the root's start`,
  );
}
await Sentry.close(0);
