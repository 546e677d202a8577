/**
 * node build/bench/micro/instruction-child.js CASE_KEY COUNT [STRATEGY_MODULE...]
 *
 * A child of npm run bench:micro -- --instructions, run under cachegrind (bench/micro/instructions.ts)
 * from the compiled build: sets up its tracer, runs the case's loop WARMUP_ITERATIONS times, lets
 * what that set off finish, then runs the loop COUNT times, synchronously, lets what the loop set
 * off finish (the SDK's events and sends), and prints one JSON line saying what happened, so the
 * parent can check the work was really done and that the process ran no GC. Nothing here waits
 * for wall time: the parent's figure is the difference of two counts.
 */
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { setImmediate as nextLoopTurn } from 'node:timers/promises';
import { GCProfiler, getHeapStatistics } from 'node:v8';
import { CONTROL_PREFIX, REQUEST_ID_ATTRIBUTE, SPAN_KIND_ATTRIBUTE } from '../../servers/ground-truth.ts';
import { RequestTracker } from '../../servers/request-tracker.ts';
import type { OpenSpan, Tracer } from '../../servers/tracer.ts';
import { setupTracer } from '../../servers/tracers.ts';
import { type AnyStrategyName, createStrategy, strategyModuleOf } from '../../strategies/registry.ts';
import { useStrategyModule } from '../harness/strategy-selection.ts';
import { defaultStrategyOptions, type RootSpan, type Strategy } from '../../strategies/strategy.ts';
import { parseInteger, runCommand, UsageError } from '../common/cli.ts';
import { discardSends } from './discarding.ts';
import type { SentCounts } from './discarding-transport.ts';
import { INERT_ROOTS, type RootMaker } from './cases.ts';
import {
  CHUNKS_PER_STREAM,
  caseKey,
  EXTRA_LOOP_ITERATIONS,
  findInstructionCase,
  type InstructionCase,
  instructionCases,
  type ModuleCaseStrategy,
  OPEN_STREAMS_PER_TICK,
  SDK_WARMUP_ITERATIONS,
  WARMUP_ITERATIONS,
} from './instruction-cases.ts';

/** What the child prints: the parent checks it before it trusts the count. */
export interface ChildReport {
  iterations: number;
  /** Roots still open at the end: only the tick cases keep theirs open. */
  rootsOpen: number;
  /** Roots ended twice: a strategy must end each once. */
  extraRootEnds: number;
  sent: SentCounts | null;
  /** Garbage collections in the whole process: its count is only trusted at 0. */
  collections: number;
  /** Heap bytes allocated by the counted part: nothing was collected, so all of it. */
  allocatedBytes: number;
}

const UNUSED_DSN = 'http://public@127.0.0.1:9/1';
/** Longer than any run (a week), and small enough for the watcher's 32-bit slot times. */
const NEVER_MS = 7 * 24 * 3_600_000;
const ROOT_NAME = 'GET /micro';
const ROOT_ATTRIBUTES = { [REQUEST_ID_ATTRIBUTE]: 'micro', [SPAN_KIND_ATTRIBUTE]: 'root' };
const CHILD_ATTRIBUTES = { [REQUEST_ID_ATTRIBUTE]: 'micro', [SPAN_KIND_ATTRIBUTE]: 'child' };
const CHUNK = Buffer.from('data: {"token":1}\n\n');

/**
 * A response and its body driven by hand, synchronously: the fields strategies read, flipped as a
 * finished ServerResponse flips them, and the events they listen to, emitted in order.
 */
class HandDrivenResponse extends EventEmitter {
  closed = false;
  destroyed = false;
  writableFinished = false;
  finish(): void {
    this.writableFinished = true;
    this.closed = true;
    this.emit('close');
  }
}
class HandDrivenBody extends EventEmitter {
  errored: Error | null = null;
}

/** A value the loops write, so that no work of theirs can be optimised away. */
let sink = 0;

/** The known extra work of the calibration: a plain arithmetic loop. */
function extraLoop(iterations: number): void {
  let accumulator = sink;
  for (let index = 0; index < iterations; index += 1) accumulator = (accumulator * 31 + index) | 0;
  sink = accumulator;
}

interface Fixture {
  tracker: RequestTracker;
  roots: RootMaker;
}

/** A root as the server makes it: the SDK's span, wrapped by the tracker that counts open roots. */
function newRoot({ tracker, roots }: Fixture): { span: OpenSpan; root: RootSpan } {
  const span = roots.startRoot(ROOT_NAME, ROOT_ATTRIBUTES);
  return { span, root: tracker.root(span) };
}

/**
 * One stream's life: a root, `responses` responses with one body, the chunks, the close, and the
 * root's end, by the strategy (polled once after the close, as its next tick would) or, without
 * one, by the harness on the spot.
 */
function streamLife(fixture: Fixture, strategy: Strategy | null, responses: number, extra: number): () => void {
  const track = strategy?.track?.bind(strategy);
  const poll = strategy?.pollNow?.bind(strategy);
  return () => {
    const body = new HandDrivenBody();
    const pairs: { span: OpenSpan; root: RootSpan; res: HandDrivenResponse }[] = [];
    for (let index = 0; index < responses; index += 1) {
      const { span, root } = newRoot(fixture);
      const res = new HandDrivenResponse();
      track?.(root, res as unknown as ServerResponse, body as unknown as Readable);
      pairs.push({ span, root, res });
    }
    // The chunks are made inside the root, as the app makes them.
    fixture.roots.withActive(pairs[0]!.span, () => {
      for (let chunk = 0; chunk < CHUNKS_PER_STREAM; chunk += 1) body.emit('data', CHUNK);
    });
    if (extra > 0) extraLoop(extra);
    for (const { res } of pairs) res.finish();
    poll?.();
    for (const { root } of pairs) if (!track) root.end('ok');
  };
}

/** A polling tick over OPEN_STREAMS_PER_TICK open streams that stay open. */
function tickOver(fixture: Fixture, strategy: Strategy): () => void {
  const poll = strategy.pollNow?.bind(strategy);
  if (!strategy.track || !poll) throw new Error(`${strategy.name} has no tick to call`);
  for (let index = 0; index < OPEN_STREAMS_PER_TICK; index += 1) {
    strategy.track(newRoot(fixture).root, new HandDrivenResponse() as unknown as ServerResponse, new HandDrivenBody() as unknown as Readable);
  }
  return poll;
}

/** Child spans made inside one root, which ends after the loop. */
function childSpans(tracer: Tracer, fixture: Fixture): { iteration: () => void; after: () => void } {
  const { span, root } = newRoot(fixture);
  const noWork = (): void => {};
  return {
    iteration: () => tracer.withActive(span, () => tracer.child('micro.child', CHILD_ATTRIBUTES, noWork)),
    after: () => root.end('ok'),
  };
}

function rootStartAndEnd(fixture: Fixture): () => void {
  return () => newRoot(fixture).root.end('ok');
}

interface Prepared {
  iteration: () => void;
  after: () => void;
  strategy: Strategy | null;
}

function prepare(entry: InstructionCase, tracer: Tracer | null, tracker: RequestTracker): Prepared {
  const roots: RootMaker = tracer ?? INERT_ROOTS;
  const fixture: Fixture = { tracker, roots };
  // No stream may expire while counted: under valgrind a run lasts minutes of wall time, and an
  // expiry (after the default lifetime or idle limit) would make the count depend on it.
  const options = { ...defaultStrategyOptions, maxLifetimeMs: NEVER_MS, idleLimitMs: NEVER_MS };
  // The cases name built-in strategies and the modules this child registered (runCommand below).
  const strategy = entry.strategy ? createStrategy(entry.strategy as AnyStrategyName, options) : null;
  const none = (): void => {};
  if (entry.group === 'tick' && strategy) return { iteration: tickOver(fixture, strategy), after: none, strategy };
  if (entry.unit === 'loop iteration') return { iteration: () => extraLoop(EXTRA_LOOP_ITERATIONS), after: none, strategy };
  if (entry.name === 'root start and end') return { iteration: rootStartAndEnd(fixture), after: none, strategy };
  if (entry.name === 'child span') {
    if (!tracer) throw new Error('child span needs an SDK');
    return { ...childSpans(tracer, fixture), strategy };
  }
  const responses = entry.name.endsWith(' x2') ? 2 : 1;
  const extra = entry.name.endsWith('+ extra loop') ? EXTRA_LOOP_ITERATIONS : 0;
  return { iteration: streamLife(fixture, strategy, responses, extra), after: none, strategy };
}

async function setUp(entry: InstructionCase): Promise<{ tracer: Tracer | null; sent: SentCounts | null }> {
  if (entry.tracer === 'none') return { tracer: null, sent: null };
  const tracer = await setupTracer(entry.tracer, { dsn: UNUSED_DSN, sdkServerSpans: false, ignorePathPrefix: CONTROL_PREFIX });
  return { tracer, sent: await discardSends(entry.tracer) };
}

/**
 * Until the SDK says what the loop set off is done (its event processing, its sends): a flush
 * that gave up (its budget is in 1 ms polls, and under valgrind processing takes far longer)
 * would leave work that depends on wall time. Called straight after a loop, before any turn of
 * the event loop: a turn first would let timers that are due by wall time (a span bucket's 5 s,
 * a batch processor's scheduled export) send part of the work their own way.
 */
async function settle(tracer: Tracer | null): Promise<void> {
  if (tracer) while (!(await tracer.flush(600_000)));
  await nextLoopTurn();
}

runCommand(async () => {
  const [keyArg = '', countArg = '', ...modulePaths] = process.argv.slice(2);
  // Strategy modules load before anything is counted, at both counts alike.
  const modules: ModuleCaseStrategy[] = [];
  for (const path of modulePaths) modules.push(strategyModuleOf(await useStrategyModule(path))!);
  const cases = instructionCases(modules);
  const entry = findInstructionCase(keyArg, cases);
  if (!entry) throw new UsageError(`unknown instruction case '${keyArg}' (accepted: ${cases.map(caseKey).join(', ')})`);
  const count = parseInteger('count', countArg, 0);
  // Every GC of the process, set-up included: what one costs varies from run to run (how much
  // memory it gives back, measured), so a count is only trusted from a process that ran none.
  const collections = new GCProfiler();
  collections.start();
  const { tracer, sent } = await setUp(entry);
  const tracker = new RequestTracker(true);
  const { iteration, after } = prepare(entry, tracer, tracker);
  // The child span case keeps one root: its warm-up would count against the SDK's span limit.
  const warmup = entry.name === 'child span' ? 0 : entry.tracer === 'none' ? WARMUP_ITERATIONS : SDK_WARMUP_ITERATIONS;
  for (let index = 0; index < warmup; index += 1) iteration();
  // The warm-up's own SDK work, and the SDK's one-off work (such as reading the host's context for
  // its first event), is done before the counted part, alike at both counts.
  await settle(tracer);
  const heapBefore = getHeapStatistics().used_heap_size;
  for (let index = 0; index < count; index += 1) iteration();
  after();
  await settle(tracer);
  const allocatedBytes = getHeapStatistics().used_heap_size - heapBefore;
  const collected = collections.stop()?.statistics.length ?? 0;
  const state = tracker.state(false);
  const report: ChildReport = {
    iterations: warmup + count,
    rootsOpen: state.openRoots ?? -1,
    extraRootEnds: state.extraRootEnds,
    sent: sent && { ...sent },
    collections: collected,
    allocatedBytes,
  };
  process.stdout.write(`${JSON.stringify({ ...report, sink })}\n`);
  // The SDK's timers would keep the process alive; everything it made has been counted.
  process.exit(0);
});
