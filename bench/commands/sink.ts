/**
 * `npm run sink -- --port N [--upstream]`: runs the ingest sink on its own, printing each envelope or
 * OTLP export it gets; with --upstream, the fake model upstream of llm-proxy beside it, printing
 * each call as it ends. Useful to point a server at by hand and watch what the SDK sends.
 */
import { buildIfStale } from '../common/build.ts';
import { defineCommand, parseFlags } from '../common/cli.ts';
import { OTLP_ITEM_TYPE, startSink, type EnvelopeReport } from '../spans/sink.ts';
import { type FakeUpstream, startFakeUpstream } from '../upstream/fake-upstream.ts';
import { errorMessage } from '../common/error-message.ts';

const PORTS = 'an integer 0-65535, 0 = any free port';
const COMMAND = defineCommand({
  usage: 'npm run sink -- [--port N] [--upstream]',
  flags: {
    port: { type: 'string', value: 'N', help: `the port to listen on: ${PORTS}`, default: '0' },
    upstream: { type: 'boolean', default: false, help: 'also start the fake model upstream (for a server started with --upstream URL), on any free port' },
  },
});

/** Bad input: one line on stderr, exit code 2. */
function fail(message: string): never {
  process.stderr.write(`sink: ${message}; usage: ${COMMAND.usage} (N ${PORTS}; default ${COMMAND.flags.port.default})\n`);
  process.exit(2);
}

function parseArguments(argv: string[]): { port: number; upstream: boolean } {
  let values: { port: string; upstream: boolean };
  try {
    ({ values } = parseFlags(argv, COMMAND));
  } catch (error) {
    fail(errorMessage(error));
  }
  const text = values.port;
  const port = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(port) || port > 65_535) fail(`--port "${text}" is not a port number`);
  return { port, upstream: values.upstream };
}

function describe(report: EnvelopeReport): string {
  if (!report.accepted) return `rejected (${report.status}): ${report.reason}`;
  const spans = `${report.spans} span${report.spans === 1 ? '' : 's'}`;
  const kind = report.itemTypes.includes(OTLP_ITEM_TYPE) ? 'OTLP export' : 'envelope';
  return `${kind}: ${spans} [${report.itemTypes.join(', ')}]${report.gzipped ? ' (gzip)' : ''}`;
}

const { port, upstream: withUpstream } = parseArguments(process.argv.slice(2));
const sink = await startSink({
  port,
  onEnvelope: (report) => console.log(describe(report)),
}).catch((error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') fail(`port ${port} is already in use`);
  if (code === 'EACCES') fail(`port ${port} needs privileges this user does not have`);
  return fail(`cannot listen on port ${port}: ${errorMessage(error)}`);
});

console.log(`sink listening on ${sink.url} (DSN ${sink.dsn}; OTLP/HTTP JSON at ${sink.url}/v1/traces)`);
let upstream: FakeUpstream | undefined;
if (withUpstream) {
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
