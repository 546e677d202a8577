import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { childPids, isAlive, ROOT } from './support/run.ts';
import { DEFAULT_NODE, nodeBinary } from '../bench/common/node-runtime.ts';

/** Every live process under pid, children first found first. */
function descendants(pid: number): number[] {
  return childPids(pid).flatMap((child) => [child, ...descendants(child)]);
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

test('profile runs one cell under clinic doctor, writes the HTML report, and leaves no process', async () => {
  const dest = join(mkdtempSync(join(tmpdir(), 'profile-')), 'clinic');
  const args = ['--strategy', 'close-listener', '--tracer', 'sentry-static', '--scenario', 'sse-tokens', '--tool', 'doctor', '--duration', '2', '--connections', '10', '--dest', dest];
  const profile = spawn(process.execPath, ['--import', 'tsx', 'bench/commands/profile.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  profile.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  profile.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  // Every process seen under it (clinic, the server), to check afterwards that none survived, with
  // the last command line it showed: until it execs its program, a child shows its parent's or setpriv's.
  const seen = new Map<number, string>();
  const watcher = setInterval(() => {
    for (const pid of descendants(profile.pid!)) seen.set(pid, commandLine(pid) || (seen.get(pid) ?? ''));
  }, 100);
  const timeout = setTimeout(() => profile.kill('SIGKILL'), 240_000);
  const code = await new Promise<number | null>((resolve) => profile.once('exit', resolve));
  clearInterval(watcher);
  clearTimeout(timeout);

  assert.equal(code, 0, `${stdout}\n${stderr}`);
  const html = /^report: (.+\.html)$/m.exec(stdout)?.[1];
  assert.ok(html, stdout);
  assert.ok(html.startsWith(dest) && existsSync(html), `no report at ${html}`);
  assert.match(readFileSync(html, 'utf8'), /<html/i);
  assert.ok(existsSync(html.replace(/\.html$/, '')), 'the data folder is kept beside the report');
  // The compiled server, on the default Node (clinic instruments the Node it starts, so it runs there too).
  const servers = [...seen.values()].filter((command) => command.includes('build/bench/commands/server.js'));
  assert.ok(servers.length > 0, `no server seen: ${[...seen.values()].join('; ')}`);
  for (const command of servers) assert.match(command, new RegExp(`^${nodeBinary(DEFAULT_NODE)} `), command);
  // tsx's esbuild helpers end by themselves once their node process has gone: give them a moment.
  for (const deadline = Date.now() + 5_000; [...seen.keys()].some(isAlive) && Date.now() < deadline; ) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  for (const [pid, command] of seen) assert.equal(isAlive(pid), false, `${command} (${pid}) survived`);
});
