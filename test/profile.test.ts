import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isAlive, startEntry } from './support/run.ts';
import { DEFAULT_NODE, nodeBinary } from '../bench/common/node-runtime.ts';
import { scratchDirectory } from './support/scratch.ts';

test('profile runs one cell under clinic doctor, writes the HTML report, and leaves no process', async () => {
  const dest = join(scratchDirectory('profile'), 'clinic');
  const args = ['--strategy', 'close-listener', '--tracer', 'sentry-static', '--scenario', 'sse-tokens', '--tool', 'doctor', '--duration', '2', '--connections', '10', '--dest', dest];
  // Every process seen under it (clinic, the server), to check afterwards that none survived.
  const profile = startEntry('bench/commands/profile.ts', args, { timeoutMs: 240_000, watchProcesses: true });
  const { code, stdout, stderr } = await profile.finished;

  assert.equal(code, 0, `${stdout}\n${stderr}`);
  const html = /^report: (.+\.html)$/m.exec(stdout)?.[1];
  assert.ok(html, stdout);
  assert.ok(html.startsWith(dest) && existsSync(html), `no report at ${html}`);
  assert.match(readFileSync(html, 'utf8'), /<html/i);
  assert.ok(existsSync(html.replace(/\.html$/, '')), 'the data folder is kept beside the report');
  // The compiled server, on the default Node (clinic instruments the Node it starts, so it runs there too).
  const seen = [...profile.seen.values()];
  const servers = profile.seenRunning('build/bench/commands/server.js');
  assert.ok(servers.length > 0, `no server seen: ${seen.map((entry) => entry.commandLine).join('; ')}`);
  for (const { commandLine } of servers) assert.match(commandLine, new RegExp(`^${nodeBinary(DEFAULT_NODE)} `), commandLine);
  for (const { pid, commandLine } of seen) assert.equal(isAlive(pid), false, `${commandLine} (${pid}) survived`);
});
