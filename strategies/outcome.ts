import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { RootStatus } from './strategy.ts';

/** True once the response can send nothing more: finished, aborted or destroyed. */
export function isResponseDone(res: ServerResponse): boolean {
  return res.closed || res.destroyed;
}

/**
 * The status a root should end with, read from the response and its body once done.
 * A producer failure leaves the body errored; a client abort closes the response unfinished.
 */
export function statusOf(res: ServerResponse, body: Readable | undefined): RootStatus {
  if (body?.errored) return 'internal_error';
  if (res.writableFinished) return 'ok';
  return 'cancelled';
}
