import { AsyncResource } from 'node:async_hooks';
import { Readable } from 'node:stream';
import type { WorkloadContext } from './workload.ts';

export interface BulkDownloadParams {
  bytes: number;
  chunkBytes: number;
  failAt: number;
}

const filler = new Map<number, Buffer>();
function chunkOf(size: number): Buffer {
  let chunk = filler.get(size);
  if (!chunk) filler.set(size, (chunk = Buffer.alloc(size, 'x')));
  return chunk;
}

/**
 * A body of `bytes` bytes written as fast as backpressure allows. Each time the consumer asks
 * for more, one batch of chunks is pushed (until push says stop) inside one child span.
 * The read callback is bound to the request's context: stream internals call it from the
 * socket's drain events, which carry no request context of their own.
 */
export function bulkDownload(context: WorkloadContext, { bytes, chunkBytes, failAt }: BulkDownloadParams): Readable {
  let remaining = bytes;
  let batches = 0;
  const chunk = chunkOf(chunkBytes);

  const pushBatch = AsyncResource.bind(() => {
    batches += 1;
    try {
      context.child('bulk.batch', () => {
        if (batches === failAt) throw new Error(`producer failed at batch ${batches}`);
        let wantsMore = true;
        while (wantsMore && remaining > 0) {
          const size = Math.min(chunkBytes, remaining);
          remaining -= size;
          wantsMore = body.push(size === chunkBytes ? chunk : chunk.subarray(0, size));
        }
        if (remaining === 0) body.push(null);
      });
    } catch (error) {
      body.destroy(error as Error);
    }
  });

  const body = new Readable({ read: pushBatch });
  return body;
}
