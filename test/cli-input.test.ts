import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runEntry } from './support/run.ts';
import { scratchDirectory } from './support/scratch.ts';

/** Bad input: exit code 2 and exactly one line on stderr that names the problem and what is accepted. */
async function assertRejected(entry: string, args: string[], ...mentions: string[]): Promise<void> {
  const { code, stdout, stderr } = await runEntry(entry, args);
  assert.equal(code, 2, `${entry} ${args.join(' ')}: exit ${code}, stderr ${stderr}`);
  assert.equal(stdout, '');
  const lines = stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `more than one line: ${stderr}`);
  for (const mention of mentions) assert.match(lines[0]!, new RegExp(mention), `'${lines[0]}' does not mention ${mention}`);
}

describe('npm run server', () => {
  const server = 'bench/commands/server.ts';
  let busy: Server;
  let busyPort: number;
  before(async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    busyPort = (busy.address() as { port: number }).port;
  });
  after(() => busy.close());

  test('unknown strategy', () => assertRejected(server, ['--strategy', 'nope'], "'nope'", 'close-listener', 'worker-thread-watcher'));
  test('missing strategy', () => assertRejected(server, [], '--strategy', 'untraced'));
  test('unknown tracer', () => assertRejected(server, ['--strategy', 'close-listener', '--tracer', 'jaeger'], "'jaeger'", 'sentry-static', 'otel'));
  test('untraced with an SDK tracer', () =>
    assertRejected(server, ['--strategy', 'untraced', '--tracer', 'sentry-static'], 'untraced', 'none'));
  test('an SDK tracer without a DSN', () =>
    assertRejected(server, ['--strategy', 'close-listener', '--tracer', 'sentry-static'], 'SENTRY_DSN'));
  test('a bad port', () => assertRejected(server, ['--strategy', 'untraced', '--port', 'eighty'], '--port', '0 to 65535'));
  test('a negative tick', () => assertRejected(server, ['--strategy', 'timer-keepalive', '--tick-ms', '-5', '--dsn', 'http://k@127.0.0.1:1/1'], '--tick-ms'));
  test('a port in use', () => assertRejected(server, ['--strategy', 'untraced', '--port', String(busyPort)], String(busyPort), 'in use'));
});

describe('npm run verify', () => {
  const verify = 'bench/commands/verify.ts';
  const out = join(scratchDirectory('verify-input'), 'out.json');
  const rejected = async (args: string[], ...mentions: string[]): Promise<void> => {
    await assertRejected(verify, [...args, '--json', out], ...mentions);
    assert.equal(existsSync(out), false, 'bad input must write nothing');
  };

  test('unknown strategy', () => rejected(['--strategies', 'close-listener,fastest'], "'fastest'", 'timer-keepalive'));
  test('unknown tracer', () => rejected(['--tracers', 'none'], "'none'", 'sentry-static, sentry-stream, otel'));
  test('unknown scenario', () => rejected(['--scenarios', 'sse'], "'sse'", 'sse-tokens'));
  test('zero requests', () => rejected(['--requests', '0'], '--requests', '1 to'));
  test('a non-numeric request count', () => rejected(['--requests', 'many'], '--requests'));
  test('an empty list entry', () => rejected(['--strategies', 'close-listener,'], '--strategies'));
});

describe('--node: an unknown or repeated Node is one line with the accepted values, exit 2', () => {
  const out = join(scratchDirectory('node-input'), 'out.json');
  for (const [entry, args] of [
    ['bench/commands/bench.ts', ['--quick', '--out', out]],
    ['bench/commands/bench.ts', ['--scenarios', 'long-idle', '--soak', '1', '--out', out]],
    ['bench/commands/verify.ts', ['--json', out]],
    ['bench/commands/profile.ts', ['--strategy', 'close-listener', '--scenario', 'sse-tokens', '--dest', out]],
  ] as const) {
    test(`${entry} ${args.slice(0, 2).join(' ')}`, async () => {
      await assertRejected(entry, [...args, '--node', '19'], "unknown node '19'", 'accepted: system, 20, 22, 24');
      assert.equal(existsSync(out), false, 'bad input must write nothing');
    });
  }
  test('a Node listed twice', () => assertRejected('bench/commands/verify.ts', ['--node', '24,24'], '--node lists 24 twice'));
  test('--calibrate on several Nodes', () => assertRejected('bench/commands/bench.ts', ['--calibrate', '--node', '20,24'], '--calibrate measures the suite on one Node'));
});

describe('one set of package versions for every Node', () => {
  test("each pinned Node is within every measured package's engines; an older one is refused by name", async () => {
    const { packageNotSupporting } = await import('../bench/harness/environment.ts');
    const { nodeVersion } = await import('../bench/common/node-runtime.ts');
    for (const node of ['20', '22', '24', 'system'] as const) assert.equal(packageNotSupporting(nodeVersion(node)), null, `Node ${node}`);
    // @sentry/node 11 needs Node 20.19 or later: Node 18 would have to run another SDK version.
    assert.equal(packageNotSupporting('v18.20.0')?.name, '@sentry/node');
    assert.equal(packageNotSupporting('v22.5.0')?.name, '@sentry/node');
  });
});

describe('--help: the usage on stdout, exit 0, nothing else written; every declared flag on a line of its own; an unknown flag is one line, exit 2', { concurrency: 2 }, () => {
  const scratch = scratchDirectory('help');
  // Each command, with a flag naming a path that --help must leave unwritten where it has one.
  for (const [entry, output] of [
    ['bench/commands/bench.ts', '--out'],
    ['bench/commands/verify.ts', '--json'],
    ['bench/commands/server.ts', undefined],
    ['bench/commands/sink.ts', undefined],
    ['bench/commands/compare.ts', undefined],
    ['bench/commands/report.ts', '--out'],
    ['bench/commands/merge.ts', '--out'],
    ['bench/commands/micro.ts', '--json'],
    ['bench/commands/profile.ts', '--dest'],
    ['bench/commands/schema.ts', undefined],
    ['bench/commands/build.ts', undefined],
  ] as const) {
    test(entry, async () => {
      const path = join(scratch, entry.replaceAll('/', '-'));
      const help = await runEntry(entry, [...(output ? [output, path] : []), '--help']);
      assert.equal(help.code, 0, help.stderr);
      assert.equal(help.stderr, '');
      assert.match(help.stdout, /^usage: /);
      assert.equal(existsSync(path), false, `--help wrote ${path}`);

      // An unknown flag is bad input like any other; the error lists the flags the parser accepts.
      const rejected = await runEntry(entry, ['--no-such-flag']);
      assert.equal(rejected.code, 2, rejected.stderr);
      assert.equal(rejected.stdout, '');
      assert.match(rejected.stderr, /^[^\n]*--no-such-flag[^\n]*\n$/, 'one line naming the flag');
      const accepted = /\(accepted: ([^)]*)\)/.exec(rejected.stderr)?.[1]?.split(', ');
      assert.ok(accepted, rejected.stderr);
      assert.ok(accepted.includes('--help'), rejected.stderr);
      for (const flag of accepted) assert.match(help.stdout, new RegExp(`^  (-h, )?${flag}( |$)`, 'm'), `${flag} is not in the usage`);
    });
  }
  test('-h is --help', async () => {
    const [short, long] = await Promise.all([runEntry('bench/commands/compare.ts', ['-h']), runEntry('bench/commands/compare.ts', ['--help'])]);
    assert.equal(short.code, 0, short.stderr);
    assert.equal(short.stdout, long.stdout);
  });
});
