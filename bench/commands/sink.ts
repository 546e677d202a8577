/**
 * `npm run sink -- --port N [--upstream]`: runs the ingest sink on its own, printing each envelope or
 * OTLP export it gets; with --upstream, the fake model upstream of llm-proxy beside it, printing
 * each call as it ends. Useful to point a server at by hand and watch what the SDK sends.
 */
import { buildIfStale } from '../common/build.ts';
import { defineCommand, parseFlags, parseIntegerFlag, runCommand, UsageError } from '../common/cli.ts';
import { OTLP_ITEM_TYPE, startSink, type EnvelopeReport } from '../spans/sink.ts';
import { type FakeUpstream, startFakeUpstream } from '../upstream/fake-upstream.ts';
import { errorMessage } from '../common/error-message.ts';

const COMMAND = defineCommand({
  usage: 'npm run sink -- [--port N] [--upstream]',
  flags: {
    port: { type: 'string', value: 'N', help: 'the port to listen on, 0 for any free one', integer: [0, 65_535], default: '0' },
    upstream: { type: 'boolean', default: false, help: 'also start the fake model upstream (for a server started with --upstream URL), on any free port' },
  },
});

function describe(report: EnvelopeReport): string {
  if (!report.accepted) return `rejected (${report.status}): ${report.reason}`;
  const spans = `${report.spans} span${report.spans === 1 ? '' : 's'}`;
  const kind = report.itemTypes.includes(OTLP_ITEM_TYPE) ? 'OTLP export' : 'envelope';
  return `${kind}: ${spans} [${report.itemTypes.join(', ')}]${report.gzipped ? ' (gzip)' : ''}`;
}

runCommand(async () => {
  const { values } = parseFlags(process.argv.slice(2), COMMAND);
  const port = parseIntegerFlag(COMMAND, 'port', values.port);
  const sink = await startSink({
    port,
    onEnvelope: (report) => console.log(describe(report)),
  }).catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UsageError(`port ${port} is already in use (accepted: a free port, or 0 for any)`);
    if (code === 'EACCES') throw new UsageError(`port ${port} needs privileges this user does not have (accepted: a port from 1024, or 0 for any)`);
    throw new UsageError(`cannot listen on port ${port}: ${errorMessage(error)}`);
  });

  console.log(`sink listening on ${sink.url} (DSN ${sink.dsn}; OTLP/HTTP JSON at ${sink.url}/v1/traces)`);
  let upstream: FakeUpstream | undefined;
  if (values.upstream) {
    buildIfStale(); // the upstream's thread runs from build/
    upstream = await startFakeUpstream();
    console.log(`fake model upstream at ${upstream.url} (npm run server -- --upstream ${upstream.url} ...)`);
    // Each call as it ends, read off the records every half second.
    const printed = new Set<object>();
    setInterval(() => {
      for (const call of upstream!.records()) {
        if (printed.has(call)) continue;
        printed.add(call);
        const ending = call.aborted ? 'aborted by the caller' : call.failed ? 'broken off (failAt)' : 'completed';
        console.log(`upstream call ${call.requestId}: ${call.tokens} tokens, ${ending}, ${((call.endMs ?? 0) - call.startMs).toFixed(1)} ms`);
      }
    }, 500).unref();
  }

  let stopping = false;
  function stop(): void {
    if (stopping) return;
    stopping = true;
    console.log(`sink closing: ${sink.envelopes} envelopes, ${sink.spans().length} spans, ${sink.rejected} rejected`);
    Promise.all([sink.close(), upstream?.close()]).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  }
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
});
