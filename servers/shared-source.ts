import { AsyncResource } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import type { WorkloadContext } from './workload.ts';

/**
 * One process-wide emitter, created at start-up, that ticks for every subscriber. Its listeners
 * run in the start-up context, not the request's: the case where a span gets another trace_id.
 */
export class SharedSource {
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  /** The start-up context, captured once: every tick runs in it, whoever subscribed first. */
  private readonly startup = new AsyncResource('SharedSource');
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly tickMs: number) {}

  subscribe(listener: () => void): () => void {
    this.emitter.on('tick', listener);
    // Ticks only while someone listens, so an idle server does not wake up for it.
    this.timer ??= this.startup.runInAsyncScope(() => setInterval(() => this.emitter.emit('tick'), this.tickMs));
    return () => {
      this.emitter.off('tick', listener);
      if (this.emitter.listenerCount('tick') === 0) this.close();
    };
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

export interface SharedStreamParams {
  events: number;
  /** Bind the listener to the request's async context (AsyncResource.bind). */
  bind: boolean;
  failAt: number;
}

/** A stream of `events` events taken from the shared source, one child span per event. */
export function sharedSourceStream(source: SharedSource, context: WorkloadContext, params: SharedStreamParams): Readable {
  let sent = 0;
  const onTick = (): void => {
    sent += 1;
    try {
      context.child('shared.event', () => {
        if (sent === params.failAt) throw new Error(`producer failed at event ${sent}`);
        body.push(`data: {"event":${sent}}\n\n`);
      });
    } catch (error) {
      body.destroy(error as Error);
      return;
    }
    if (sent >= params.events) {
      unsubscribe();
      body.push(null);
    }
  };
  const unsubscribe = source.subscribe(params.bind ? AsyncResource.bind(onTick) : onTick);
  const body = new Readable({
    read() {},
    destroy(error, callback) {
      unsubscribe();
      callback(error);
    },
  });
  return body;
}
