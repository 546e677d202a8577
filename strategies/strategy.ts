import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';

/** The statuses a root may end with, named as the Sentry SDK names them. */
export type RootStatus = 'ok' | 'cancelled' | 'internal_error' | 'deadline_exceeded';

/** The request's root span, as a strategy sees it: it can only end it. */
export interface RootSpan {
  /** Ends the root with a status. A second call is ignored (and counted by the server). */
  end(status: RootStatus): void;
  readonly ended: boolean;
}

/**
 * Who makes the request's root span: 'none', no SDK at all; 'sdk', the SDK's own http.server span;
 * 'strategy', the server starts it and the strategy decides when it ends.
 */
export const ROOT_OWNERS = ['none', 'sdk', 'strategy'] as const;
export type RootOwner = (typeof ROOT_OWNERS)[number];

/** Tunables shared by all strategies; each reads the ones it needs. */
export interface StrategyOptions {
  /** How often polling strategies look at open streams. */
  tickMs: number;
  /** A root still open after this long is ended with deadline_exceeded, so it cannot leak. */
  maxLifetimeMs: number;
  /** A stream that produced nothing for this long counts as stuck (watchers that track activity). */
  idleLimitMs: number;
  /** Calibration only: busy CPU added per request. */
  burnUs: number;
  /** Calibration only: iterations of a known loop added per request (instruction counts). */
  burnIterations: number;
}

export const defaultStrategyOptions: StrategyOptions = {
  tickMs: 50,
  maxLifetimeMs: 5 * 60_000,
  idleLimitMs: 60_000,
  burnUs: 0,
  burnIterations: 0,
};

/**
 * A strategy decides when the request's root span ends. It must end it exactly once, when the
 * response is really done, with ok / cancelled / internal_error as the response completed, was
 * aborted by the client, or failed.
 */
export interface Strategy {
  readonly name: string;
  readonly description: string;
  readonly rootOwner: RootOwner;
  /** Process-wide resources (a shared timer, a worker thread). */
  start?(): void | Promise<void>;
  stop?(): void | Promise<void>;
  /**
   * Called once per response, when the handler has returned its body. Where the strategy does
   * not own the root (rootOwner none or sdk) the root given is inert.
   */
  track?(root: RootSpan, res: ServerResponse, body: Readable | undefined): void;
  /**
   * Polling strategies only: one pass of what their timer (or watcher thread) does each tick, run
   * now on the calling thread, so that a tick's work can be measured without waiting for it.
   */
  pollNow?(): void;
}

export type StrategyFactory = (options: StrategyOptions) => Strategy;
