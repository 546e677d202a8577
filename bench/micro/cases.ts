import type { ServerResponse } from 'node:http';
import { Readable, Writable } from 'node:stream';
import { RequestTracker } from '../../servers/request-tracker.ts';
import type { OpenSpan, Tracer } from '../../servers/tracer.ts';
import type { RootSpan, RootStatus, Strategy } from '../../strategies/strategy.ts';
import { REQUEST_ID_ATTRIBUTE, SPAN_KIND_ATTRIBUTE } from '../../servers/ground-truth.ts';

/**
 * What one request does in each case of the micro benchmark (npm run bench:micro): one stream's
 * life without the network, so that what differs between cases is only who ends the root.
 */

export type MicroCaseKind = 'baseline' | 'strategy' | 'sdk';

export interface MicroCase {
  readonly name: string;
  readonly kind: MicroCaseKind;
  /** What a request carries N of. */
  readonly unit: 'chunk' | 'child span';
  /** The strategy's process-wide resources (a timer, a worker thread), around the whole case. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** One request with `units` chunks (or child spans); gives the root's status once it has ended. */
  request(units: number): Promise<RootStatus> | RootStatus;
}

const ROOT_NAME = 'GET /micro';
const ROOT_ATTRIBUTES = { [REQUEST_ID_ATTRIBUTE]: 'micro', [SPAN_KIND_ATTRIBUTE]: 'root' };
const CHILD_ATTRIBUTES = { [REQUEST_ID_ATTRIBUTE]: 'micro', [SPAN_KIND_ATTRIBUTE]: 'child' };
const CHUNK = Buffer.from('data: {"token":1}\n\n');
const doNothing = (): void => {};

/**
 * A response without a network: a Writable that takes every chunk at once. It has what strategies
 * read of a ServerResponse, with the same stream semantics: 'close' once finished (the body ended)
 * or destroyed (the client went away), and `closed`, `destroyed`, `writableFinished` flip as they do.
 */
export function discardingResponse(): ServerResponse {
  const response = new Writable({ write: (_chunk, _encoding, done) => done() });
  return response as unknown as ServerResponse;
}

/** A body of `chunks` SSE-sized chunks, all produced at once, then its end. */
function chunkedBody(chunks: number): Readable {
  const body = new Readable({ read() {} });
  for (let index = 0; index < chunks; index += 1) body.push(CHUNK);
  body.push(null);
  return body;
}

/** The root as the server hands it to a strategy, plus the status it ends with. */
function observedRoot(root: RootSpan): { root: RootSpan; ended: Promise<RootStatus> } {
  let settle: (status: RootStatus) => void = doNothing;
  const ended = new Promise<RootStatus>((resolve) => (settle = resolve));
  return {
    root: {
      get ended() {
        return root.ended;
      },
      end(status) {
        root.end(status);
        settle(status); // a second end is ignored by the root and by the promise alike
      },
    },
    ended,
  };
}

type Track = (root: RootSpan, res: ServerResponse, body: Readable) => void;

/** What a stream case needs of a tracer: a root, and running the producer inside it. */
export type RootMaker = Pick<Tracer, 'startRoot' | 'withActive'>;

const INERT_SPAN: OpenSpan = { setStatus: doNothing, end: doNothing };

/** Roots that do nothing, without any SDK: what remains is the strategy's own mechanism. */
export const INERT_ROOTS: RootMaker = {
  startRoot: () => INERT_SPAN,
  withActive: (_span, fn) => fn(),
};

/** One stream as the app serves it: a root, the body made inside it, tracked, piped to the response. */
function streamCase(tracer: RootMaker, identity: Pick<MicroCase, 'name' | 'kind'>, track: Track, strategy?: Strategy): MicroCase {
  const tracker = new RequestTracker(true);
  return {
    ...identity,
    unit: 'chunk',
    start: async () => {
      await strategy?.start?.();
    },
    stop: async () => {
      await strategy?.stop?.();
    },
    request(units) {
      const span = tracer.startRoot(ROOT_NAME, ROOT_ATTRIBUTES);
      const { root, ended } = observedRoot(tracker.root(span));
      const body = tracer.withActive(span, () => chunkedBody(units));
      const res = discardingResponse();
      track(root, res, body);
      body.pipe(res);
      return ended;
    },
  };
}

/** The baseline: no strategy; the harness ends the root itself on 'close', the least any strategy must do. */
export function noStrategyCase(tracer: RootMaker): MicroCase {
  return streamCase(tracer, { name: 'no strategy', kind: 'baseline' }, (root, res) => {
    res.once('close', () => root.end('ok'));
  });
}

/** A strategy that owns the root, tracking the stream as the app makes it do. */
export function strategyCase(tracer: RootMaker, strategy: Strategy): MicroCase {
  const track = strategy.track?.bind(strategy);
  if (strategy.rootOwner !== 'strategy' || !track) throw new Error(`${strategy.name} does not own the root: nothing to measure`);
  return streamCase(tracer, { name: strategy.name, kind: 'strategy' }, track, strategy);
}

/** The SDK's span work alone: a root started and ended, with `units` child spans made inside it. */
export function sdkAloneCase(tracer: Tracer): MicroCase {
  return {
    name: 'SDK span work alone',
    kind: 'sdk',
    unit: 'child span',
    start: async () => {},
    stop: async () => {},
    request(units) {
      const span = tracer.startRoot(ROOT_NAME, ROOT_ATTRIBUTES);
      tracer.withActive(span, () => {
        for (let index = 0; index < units; index += 1) tracer.child('micro.child', CHILD_ATTRIBUTES, doNothing);
      });
      span.setStatus('ok');
      span.end();
      return 'ok';
    },
  };
}
