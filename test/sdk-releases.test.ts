import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cellName } from '../results/cell-name.ts';
import { buildMatrix } from '../bench/harness/matrix.ts';
import { startServer } from '../bench/harness/server-process.ts';
import type { SdkRelease } from '../bench/releases/sdk-families.ts';
import { runEntry } from './support/run.ts';
import { scratchDirectory } from './support/scratch.ts';

// Installing a real release needs the registry and about half a minute: not done here. What is
// tested instead: the matrix and names of the axis, a server resolving the SDK from a release's
// directory (a stand-in package), and an install that fails leaving nothing behind.

const release = (version: string, dir: string | null): SdkRelease => ({ family: 'sentry', package: '@sentry/node', spec: version, version, dir });

test('the releases axis: each Sentry tracer cell once per release, the others once, names carrying the release', () => {
  const cells = buildMatrix(['untraced', 'close-listener'], ['sentry-static', 'otel'], ['sse-tokens'], ['24'], {
    sentry: [release('11.12.0', null), release('10.78.0', '/tmp/sentry@10.x')],
  });
  assert.deepEqual(cells.map(cellName), [
    'untraced/none/sse-tokens/node24',
    'close-listener/sentry-static@11.12.0/sse-tokens/node24',
    'close-listener/sentry-static@10.78.0/sse-tokens/node24',
    'close-listener/otel/sse-tokens/node24',
  ]);
});

/** A stand-in for another @sentry/node release: just what the server calls before it is ready. */
function standInRelease(version: string): string {
  const dir = scratchDirectory('sdk-release');
  const sdk = join(dir, 'node_modules', '@sentry', 'node');
  mkdirSync(sdk, { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{ "private": true }\n');
  writeFileSync(join(sdk, 'package.json'), JSON.stringify({ name: '@sentry/node', version, type: 'module', exports: './index.js' }));
  writeFileSync(
    join(sdk, 'index.js'),
    `export const SDK_VERSION = '${version}';\nexport function init() {}\nexport function httpIntegration() { return { name: 'Http' }; }\nexport async function flush() { return true; }\n`,
  );
  return dir;
}

test('a server with --sdk-dir loads the SDK from that directory and says so; the harness refuses one that loaded another', async () => {
  const dir = standInRelease('0.0.0-stand-in');
  const spec = { strategy: 'close-listener', tracer: 'sentry-static', dsn: 'http://key@127.0.0.1:9/1', sdkDir: dir };
  const server = await startServer({ ...spec, expectSdk: '@sentry/node 0.0.0-stand-in' });
  await server.stop();
  await assert.rejects(startServer({ ...spec, expectSdk: '@sentry/node 10.78.0' }), /loaded @sentry\/node 0\.0\.0-stand-in, not @sentry\/node 10\.78\.0/);
  // A release without span streaming does not run as sentry-stream (it would run static).
  await assert.rejects(startServer({ ...spec, tracer: 'sentry-stream' }), /@sentry\/node 0\.0\.0-stand-in has no span streaming \(traceLifecycle 'stream'\): tracer sentry-stream does not apply to it/);
  // Without --sdk-dir, the suite's own release.
  const own = await startServer({ ...spec, sdkDir: null, expectSdk: '@sentry/node 0.0.0-stand-in' }).catch((error: Error) => error.message);
  assert.match(String(own), /loaded @sentry\/node 11\.\d+\.\d+, not/);
});

test('a release that cannot be installed is one line naming it, exit 2, and nothing of it is kept', async () => {
  const cache = scratchDirectory('sdk-releases');
  // No registry: a closed port, and no retries.
  const env = { ...process.env, STREAMTRACE_SDK_RELEASES: cache, npm_config_registry: 'http://127.0.0.1:9/', npm_config_fetch_retries: '0' };
  const { code, stdout, stderr } = await runEntry('bench/commands/verify.ts', ['--strategies', 'close-listener', '--tracers', 'sentry-static', '--sentry', '11.12.0,9.x'], { env });
  assert.equal(code, 2);
  assert.equal(stdout, '');
  const lines = stderr.trim().split('\n');
  assert.match(lines[0]!, /^installing @sentry\/node@9\.x into \S+sentry@9\.x \(first use/);
  assert.match(lines[1]!, /^error: could not install @sentry\/node@9\.x: .*ECONNREFUSED.* \(nothing of it is kept\)$/);
  assert.equal(lines.length, 2);
  assert.deepEqual(readdirSync(cache), []);
  assert.equal(existsSync(join(cache, 'sentry@9.x')), false);
});

test('--sentry takes versions or ranges, and releases of the Sentry tracers only', async () => {
  const cases: [string[], string][] = [
    [['--sentry', 'abc'], "error: --sentry: 'abc' is not a version or range of @sentry/node (accepted: e.g. 11.12.0, 10.x)\n"],
    [['--sentry', '11.12.0,'], "error: --sentry has an empty release in '11.12.0,' (accepted: versions or ranges, e.g. 11.12.0,10.x)\n"],
    [['--otel', '3.x'], "error: --otel: '3.x' is not a release of OpenTelemetry JS 1 or 2 (accepted: e.g. 2.12.0, 1.x)\n"],
    [['--sentry', '11.12.0', '--tracers', 'otel'], 'error: --sentry chooses releases of the tracers sentry-static, sentry-stream, and --tracers otel lists none (accepted: sentry-static, sentry-stream)\n'],
  ];
  for (const [args, expected] of cases) {
    const { code, stderr } = await runEntry('bench/commands/verify.ts', args);
    assert.equal(code, 2, args.join(' '));
    assert.equal(stderr, expected);
  }
});
