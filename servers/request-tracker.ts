import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { RootSpan, RootStatus } from '../strategies/strategy.ts';
import type { RequestTruth, ServerState } from './ground-truth.ts';
import type { OpenSpan } from './tracer.ts';

/** What the server has done since it started. */
export interface WorkProgress {
  completed: number;
  childSpans: number;
}

/** One request while it is served. */
export interface TrackedRequest {
  childSpans: number;
  body: Readable | undefined;
}

/**
 * The server's ground truth: every request's start, real end (response close), child spans
 * produced and outcome, plus how many strategy-owned roots are still open.
 */
export class RequestTracker {
  private finished: RequestTruth[] = [];
  private inFlight = 0;
  /** Responses completed since start: a throughput count that draining never resets. */
  private completedTotal = 0;
  /** Child spans produced since start: the work done so far, counted as it happens rather than at a response's end. */
  private childSpansTotal = 0;
  private openRoots = 0;
  private extraRootEnds = 0;

  constructor(private readonly countsRoots: boolean) {}

  begin(requestId: string, route: string, res: ServerResponse): TrackedRequest {
    const startMs = performance.timeOrigin + performance.now();
    const tracked: TrackedRequest = { childSpans: 0, body: undefined };
    this.inFlight += 1;
    // First of all close listeners: the SDK's own (sdk-default ends its http.server span there)
    // was added earlier and would otherwise run, and take its time, before the end is recorded.
    res.prependOnceListener('close', () => {
      this.inFlight -= 1;
      const outcome = tracked.body?.errored ? 'failed' : res.writableFinished ? 'completed' : 'aborted';
      if (outcome === 'completed') this.completedTotal += 1;
      this.finished.push({ requestId, route, startMs, endMs: performance.timeOrigin + performance.now(), childSpans: tracked.childSpans, outcome });
    });
    return tracked;
  }

  /** Wraps a root so strategies can end it once; the tracker counts open and repeated ends. */
  root(span: OpenSpan): RootSpan {
    this.openRoots += 1;
    let ended = false;
    return {
      get ended() {
        return ended;
      },
      end: (status: RootStatus) => {
        if (ended) {
          this.extraRootEnds += 1;
          return;
        }
        ended = true;
        this.openRoots -= 1;
        span.setStatus(status);
        span.end();
      },
    };
  }

  /** One child span of `tracked` produced. */
  childSpan(tracked: TrackedRequest): void {
    tracked.childSpans += 1;
    this.childSpansTotal += 1;
  }

  /** Responses completed and child spans produced since the server started. */
  progress(): WorkProgress {
    return { completed: this.completedTotal, childSpans: this.childSpansTotal };
  }

  /** The ground truth so far; `drain` hands over the finished requests and forgets them. */
  state(drain: boolean): ServerState {
    const requests = this.finished;
    if (drain) this.finished = [];
    return {
      requests,
      inFlight: this.inFlight,
      openRoots: this.countsRoots ? this.openRoots : null,
      extraRootEnds: this.extraRootEnds,
    };
  }
}
