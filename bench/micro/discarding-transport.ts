import * as Sentry from '@sentry/node';

/** What the SDK handed its transport since the swap. */
export interface SentCounts {
  envelopes: number;
  bytes: number;
}

/**
 * Cuts the network out of the SDK that the server's own tracer set up, keeping everything else:
 * the client still builds and serialises every envelope through the SDK's own transport pipeline
 * (createTransport: rate limits, its promise buffer, serializeEnvelope); only the request
 * executor differs, counting each serialised body and discarding it, and the buffer is large
 * enough that no envelope is dropped.
 *
 * Why not the ingest sink: over HTTP, static lifecycle sends one request per root, which costs
 * more than the root itself and, past the transport's 64 pending requests, is dropped; sending
 * would dominate what the micro benchmark isolates.
 */
export function discardSdkSends(): SentCounts {
  const client = Sentry.getClient();
  const transport = client?.getTransport();
  if (!client || !transport) throw new Error('the SDK has no client with a transport: set the tracer up with a DSN first');
  const counts: SentCounts = { envelopes: 0, bytes: 0 };
  const options = {
    recordDroppedEvent: client.recordDroppedEvent.bind(client),
    // Room for every pending envelope: the default 64 drops a burst of roots ended together (a
    // polling tick) and so would charge strategies differently for the same SDK work.
    bufferSize: 100_000,
  };
  const discarding = Sentry.createTransport(options, (request) => {
    counts.envelopes += 1;
    counts.bytes += typeof request.body === 'string' ? Buffer.byteLength(request.body) : request.body.byteLength;
    return Promise.resolve({ statusCode: 200 });
  });
  // The client calls its transport's send and flush for every envelope: swapping both reroutes all of it.
  transport.send = discarding.send;
  transport.flush = discarding.flush;
  return counts;
}
