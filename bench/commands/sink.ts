/**
 * `npm run sink -- --port N`: runs the ingest sink on its own, printing each envelope or OTLP export it gets.
 * Useful to point a server at by hand and watch what the SDK sends.
 */
import { defineCommand, parseFlags } from '../common/cli.ts';
import { OTLP_ITEM_TYPE, startSink, type EnvelopeReport } from '../spans/sink.ts';

const PORTS = 'an integer 0-65535, 0 = any free port';
const COMMAND = defineCommand({
  usage: 'npm run sink -- [--port N]',
  flags: { port: { type: 'string', value: 'N', help: `the port to listen on: ${PORTS}`, default: '0' } },
});

/** Bad input: one line on stderr, exit code 2. */
function fail(message: string): never {
  process.stderr.write(`sink: ${message}; usage: ${COMMAND.usage} (N ${PORTS}; default ${COMMAND.flags.port.default})\n`);
  process.exit(2);
}

function parsePort(argv: string[]): number {
  let values: { port: string };
  try {
    ({ values } = parseFlags(argv, COMMAND));
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  const text = values.port;
  const port = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(port) || port > 65_535) fail(`--port "${text}" is not a port number`);
  return port;
}

function describe(report: EnvelopeReport): string {
  if (!report.accepted) return `rejected (${report.status}): ${report.reason}`;
  const spans = `${report.spans} span${report.spans === 1 ? '' : 's'}`;
  const kind = report.itemTypes.includes(OTLP_ITEM_TYPE) ? 'OTLP export' : 'envelope';
  return `${kind}: ${spans} [${report.itemTypes.join(', ')}]${report.gzipped ? ' (gzip)' : ''}`;
}

const port = parsePort(process.argv.slice(2));
const sink = await startSink({
  port,
  onEnvelope: (report) => console.log(describe(report)),
}).catch((error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') fail(`port ${port} is already in use`);
  if (code === 'EACCES') fail(`port ${port} needs privileges this user does not have`);
  return fail(`cannot listen on port ${port}: ${error instanceof Error ? error.message : String(error)}`);
});

console.log(`sink listening on ${sink.url} (DSN ${sink.dsn}; OTLP/HTTP JSON at ${sink.url}/v1/traces)`);

let stopping = false;
function stop(): void {
  if (stopping) return;
  stopping = true;
  console.log(`sink closing: ${sink.envelopes} envelopes, ${sink.spans().length} spans, ${sink.rejected} rejected`);
  sink.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
