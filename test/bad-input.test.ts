import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runEntry } from './support/run.ts';
import { scratchDirectory } from './support/scratch.ts';

// Bad input at every command: exit code 2, one line on stderr naming what is wrong (and what is
// accepted), nothing on stdout, nothing written. test/cli-input.test.ts covers the server's and
// verify's main cases, and an unknown flag at every command (beside --help); these are the rest.
// Each case is its own process, two at a time.

const scratch = scratchDirectory('bad-input');
let serial = 0;
/** A path in the scratch directory that nothing has written yet. */
const freshPath = (name: string): string => join(scratch, `${(serial += 1)}-${name}`);

async function assertRejected(entry: string, args: string[], mentions: string[], unwritten: string[] = []): Promise<void> {
  const { code, stdout, stderr } = await runEntry(entry, args, { timeoutMs: 60_000 });
  const what = `${entry} ${args.join(' ')}`;
  assert.equal(code, 2, `${what}: exit ${code}, stderr ${stderr}`);
  assert.equal(stdout, '', `${what}: wrote to stdout`);
  const lines = stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `${what}: more than one line: ${stderr}`);
  for (const mention of mentions) assert.ok(lines[0]!.includes(mention), `${what}: '${lines[0]}' does not mention ${mention}`);
  for (const path of unwritten) assert.equal(existsSync(path), false, `${what}: wrote ${path}`);
}

interface Case {
  name: string;
  args: string[];
  mentions: string[];
}

/** One test per case; `output` is the path each case names for writing, which must stay unwritten. */
function rejects(entry: string, cases: Case[], output?: { flag: string; name: string }): void {
  describe(entry, { concurrency: 2 }, () => {
    for (const { name, args, mentions } of cases) {
      test(name, () => {
        const path = output && freshPath(output.name);
        return assertRejected(entry, path && output ? [...args, output.flag, path] : args, mentions, path ? [path] : []);
      });
    }
  });
}

let busy: Server;
let busyPort = 0;
before(async () => {
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  busyPort = (busy.address() as { port: number }).port;
});
after(() => busy.close());

rejects('bench/commands/server.ts', [
  { name: 'a port above 65535', args: ['--strategy', 'untraced', '--port', '65536'], mentions: ['--port', '0 to 65535', '65536'] },
  { name: 'a zero lifetime', args: ['--strategy', 'untraced', '--max-lifetime-ms', '0'], mentions: ['--max-lifetime-ms', '1 to'] },
  { name: 'a fractional tick', args: ['--strategy', 'untraced', '--tick-ms', '2.5'], mentions: ['--tick-ms', '2.5'] },
  { name: 'a negative burn', args: ['--strategy', 'untraced', '--burn-us=-1'], mentions: ['--burn-us', '0 to 1000000'] },
  { name: 'a flag without its value', args: ['--strategy'], mentions: ['--strategy'] },
]);

rejects(
  'bench/commands/verify.ts',
  [
    { name: 'too many requests', args: ['--requests', '1001'], mentions: ['--requests', '1001'] },
    { name: 'an empty scenario list', args: ['--scenarios', ''], mentions: ['--scenarios'] },
    { name: 'a positional argument', args: ['sse-tokens'], mentions: ['sse-tokens'] },
  ],
  { flag: '--json', name: 'verify.json' },
);

rejects(
  'bench/commands/bench.ts',
  [
    { name: 'zero trials', args: ['--trials', '0'], mentions: ['--trials', '1 to 1000', "'0'"] },
    { name: 'an unknown strategy', args: ['--strategies', 'fastest'], mentions: ["'fastest'", 'close-listener'] },
    { name: 'an unknown scenario', args: ['--scenarios', 'sse'], mentions: ["'sse'", 'sse-tokens'] },
    { name: 'a non-numeric duration', args: ['--duration', 'long'], mentions: ['--duration', "'long'"] },
    { name: 'an unknown idle-servers mode', args: ['--idle-servers', 'paused'], mentions: ["'paused'", 'frozen, running'] },
    { name: 'tracer none in the list', args: ['--tracers', 'none'], mentions: ["'none'", 'sentry-static', 'otel'] },
    { name: 'an unknown tracer', args: ['--tracers', 'otel,zipkin'], mentions: ["'zipkin'", 'sentry-stream, otel'] },
    { name: 'a calibration strategy', args: ['--strategies', 'calibration-burn'], mentions: ["'calibration-burn'", 'close-listener'] },
    { name: 'a negative warm-up', args: ['--warmup=-1'], mentions: ['--warmup', '0 to'] },
    { name: 'zero connections', args: ['--connections', '0'], mentions: ['--connections', '1 to'] },
    { name: 'a seed past 32 bits', args: ['--seed', '4294967296'], mentions: ['--seed', '4294967295'] },
    { name: 'a non-numeric long-idle length', args: ['--long-idle-sec', 'long'], mentions: ['--long-idle-sec', "'long'"] },
    { name: '--calibrate with strategies', args: ['--calibrate', '--strategies', 'close-listener'], mentions: ['--calibrate', '--strategies'] },
    { name: 'a zero soak', args: ['--soak', '0'], mentions: ['--soak', "'0'", 'minutes'] },
    { name: 'a negative soak', args: ['--soak=-2'], mentions: ['--soak', "'-2'"] },
    { name: 'a non-numeric soak', args: ['--soak', 'long'], mentions: ['--soak', "'long'"] },
    { name: 'a soak too short for a warm-up', args: ['--soak', '0.1'], mentions: ['--soak', '0.25'] },
    { name: 'a soak of another scenario', args: ['--soak', '1', '--scenarios', 'sse-tokens'], mentions: ['--soak', 'long-idle', "'sse-tokens'"] },
    { name: 'a soak with trials', args: ['--soak', '1', '--trials', '3'], mentions: ['--soak', '--trials'] },
    { name: 'a test-only strategy without its variable', args: ['--soak', '1', '--strategies', 'leaking-root'], mentions: ["'leaking-root'", 'close-listener'] },
    { name: 'zero soak waves', args: ['--soak', '1', '--waves', '0'], mentions: ['--waves', "'0'", '1 to'] },
    { name: 'soak waves without a soak', args: ['--waves', '5'], mentions: ['--waves', '--soak'] },
  ],
  { flag: '--out', name: 'bench.json' },
);

describe('bench/commands/sink.ts', { concurrency: 2 }, () => {
  const sink = 'bench/commands/sink.ts';
  test('a non-numeric port', () => assertRejected(sink, ['--port', 'eighty'], ['--port', 'eighty', 'from 0 to 65535']));
  test('a port above 65535', () => assertRejected(sink, ['--port', '70000'], ['70000', 'from 0 to 65535']));
  test('a negative port', () => assertRejected(sink, ['--port=-1'], ['-1', 'from 0 to 65535']));
  test('a port in use', () => assertRejected(sink, ['--port', String(busyPort)], [String(busyPort), 'in use']));
});

describe('bench/commands/micro.ts', { concurrency: 2 }, () => {
  const micro = 'bench/commands/micro.ts';
  const rejected = (args: string[], mentions: string[]): Promise<void> => {
    const json = freshPath('micro.json');
    return assertRejected(micro, [...args, '--json', json], mentions, [json]);
  };
  test('a zero time', () => rejected(['--time', '0'], ['--time', '10 to']));
  test('a negative time', () => rejected(['--time=-5'], ['--time', '-5']));
  test('a non-numeric time', () => rejected(['--time', 'fast'], ['--time', "'fast'"]));
  test('an empty --json', () => assertRejected(micro, ['--json', ''], ['--json']));
  test('--json naming a directory', () => assertRejected(micro, ['--json', scratch], ['--json', 'directory']));
  test('--repeats without --instructions', () => rejected(['--repeats', '3'], ['--repeats', '--instructions']));
  test('--time with --instructions', () => rejected(['--instructions', '--time', '100'], ['--time', '--instructions']));
  test('zero repeats', () => rejected(['--instructions', '--repeats', '0'], ['--repeats', '1 to']));
  test('an unknown instruction case', () => rejected(['--instructions', '--cases', 'none/fastest'], ['none/fastest', 'none/close-listener']));
  test('an unknown Node', () => rejected(['--instructions', '--node', '19'], ["'19'", '24']));
});

describe('bench/commands/profile.ts', { concurrency: 2 }, () => {
  const profile = 'bench/commands/profile.ts';
  const cell = ['--strategy', 'close-listener', '--scenario', 'sse-tokens'];
  const rejected = (args: string[], mentions: string[]): Promise<void> => {
    const dest = freshPath('clinic');
    return assertRejected(profile, [...args, '--dest', dest], mentions, [dest]);
  };
  test('no strategy', () => rejected(['--scenario', 'sse-tokens'], ['--strategy', 'close-listener']));
  test('no scenario', () => rejected(['--strategy', 'close-listener'], ['--scenario', 'sse-tokens']));
  test('an unknown strategy', () => rejected(['--strategy', 'fastest', '--scenario', 'sse-tokens'], ["'fastest'", 'timer-keepalive']));
  test('an unknown scenario', () => rejected(['--strategy', 'close-listener', '--scenario', 'sse'], ["'sse'", 'bulk-download']));
  test('untraced with an SDK tracer', () => rejected(['--strategy', 'untraced', '--scenario', 'plain-json', '--tracer', 'sentry-static'], ['untraced', 'none']));
  test('an unknown tracer', () => rejected([...cell, '--tracer', 'jaeger'], ["'jaeger'", 'otel']));
  test('an unknown tool', () => rejected([...cell, '--tool', 'perf'], ["'perf'", 'doctor, flame, bubbleprof']));
  test('a zero duration', () => rejected([...cell, '--duration', '0'], ['--duration', '1 to']));
  test('a non-numeric connection count', () => rejected([...cell, '--connections', 'many'], ['--connections', "'many'"]));
  test('--dest naming a file', () => {
    const file = freshPath('a-file');
    writeFileSync(file, 'not a directory');
    return assertRejected(profile, [...cell, '--dest', file], ['--dest', 'not a directory']);
  });
});

/** Commands that read result files: compare, merge and report share one reader. */
describe('commands that read result files', () => {
  const files = join(scratch, 'inputs');
  mkdirSync(files);
  const input = (name: string, content: string): string => {
    const path = join(files, name);
    writeFileSync(path, content);
    return path;
  };
  const missing = join(files, 'missing.json');
  const missingFile = { name: 'a missing file', path: missing, mentions: [missing, 'cannot read'] };
  const otherKind = { name: 'a file of another kind', path: input('micro.json', '{"schemaVersion": 1, "kind": "micro", "lifecycles": []}'), mentions: ['micro.json'] };
  const emptyFile = { name: 'an empty file', path: input('empty.json', ''), mentions: ['empty.json', 'JSON'] };

  describe('bench/commands/compare.ts', { concurrency: 2 }, () => {
    const compare = 'bench/commands/compare.ts';
    // A missing file, one that is not JSON, another schema version and wrong arguments: test/compare.test.ts.
    for (const { name, path, mentions } of [emptyFile, otherKind]) test(name, () => assertRejected(compare, [path, path], mentions));
  });

  describe('bench/commands/merge.ts', { concurrency: 2 }, () => {
    const merge = 'bench/commands/merge.ts';
    for (const { name, path, mentions } of [missingFile, otherKind]) {
      test(name, () => {
        const out = freshPath('merged.json');
        return assertRejected(merge, [path, '--out', out], mentions, [out]);
      });
    }
    test('no --out', () => assertRejected(merge, [missing], ['--out']));
  });

  describe('bench/commands/report.ts', { concurrency: 2 }, () => {
    const report = 'bench/commands/report.ts';
    const rejected = (args: string[], mentions: string[]): Promise<void> => {
      const out = freshPath('report');
      return assertRejected(report, [...args, '--out', out], mentions, [out]);
    };
    for (const { name, path, mentions } of [missingFile, otherKind]) test(name, () => rejected([path], mentions));
    test('two files', () => rejected([missing, missing], ['one']));
  });
});
