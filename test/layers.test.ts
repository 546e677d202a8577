import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { ROOT } from './support/run.ts';

/**
 * Imports run one way (README, "Layout"): each folder may import only the folders listed for it.
 * A new folder must be given its place here, so the rule cannot be bypassed by accident.
 */
const MAY_IMPORT: Record<string, readonly string[]> = {
  'bench/commands': ['bench/instructions', 'bench/upstream', 'bench/micro', 'bench/profile', 'bench/report', 'bench/harness', 'bench/releases', 'bench/spans', 'bench/stats', 'bench/common', 'results', 'servers', 'strategies'],
  'bench/micro': ['bench/upstream', 'bench/harness', 'bench/releases', 'bench/spans', 'bench/stats', 'bench/common', 'results', 'servers', 'strategies'],
  // Whole-request instruction counts: the real server under callgrind, driven like the load run.
  'bench/instructions': ['bench/harness', 'bench/releases', 'bench/spans', 'bench/stats', 'bench/common', 'results', 'servers', 'strategies'],
  'bench/profile': ['bench/upstream', 'bench/harness', 'bench/spans', 'bench/stats', 'bench/common', 'results', 'servers', 'strategies'],
  'bench/report': ['bench/stats', 'bench/common', 'results', 'servers', 'strategies'],
  'bench/harness': ['bench/upstream', 'bench/releases', 'bench/spans', 'bench/stats', 'bench/common', 'results', 'servers', 'strategies'],
  // SDK releases side by side: installing them (harness side) and resolving them (in a server).
  'bench/releases': ['bench/common', 'servers'],
  'bench/spans': ['bench/stats', 'bench/common', 'results', 'servers'],
  // The fake model upstream: a stand-in service like the sink, on the servers' contract only.
  'bench/upstream': ['bench/common', 'servers'],
  'bench/stats': ['bench/common', 'results'],
  'bench/common': [],
  // Reproductions of findings: stand-alone where the finding is the SDK's, on the harness where it shows under load.
  'bench/repro': ['bench/upstream', 'bench/harness', 'bench/spans', 'bench/stats', 'bench/common', 'results', 'servers', 'strategies'],
  results: ['servers', 'strategies'],
  servers: ['strategies'],
  strategies: ['strategies/controls'],
  'strategies/controls': ['strategies'],
};

function sourceFiles(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(folder, entry.name));
}

function importedFolders(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  // Spawned entry points (`new URL(...)`) are process boundaries, not imports.
  const specifiers = [...text.matchAll(/(?:from\s+|import\(\s*)'(\.{1,2}\/[^']*)'/g)].map((match) => match[1] as string);
  return specifiers.map((specifier) => relative(ROOT, dirname(resolve(ROOT, dirname(file), specifier))));
}

test('every folder of bench/, servers/, strategies/ and results/ has a place in the layers', () => {
  const folders = ['bench', 'strategies'].flatMap((top) =>
    readdirSync(join(ROOT, top), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => `${top}/${entry.name}`),
  );
  for (const folder of folders) assert.ok(folder in MAY_IMPORT, `${folder} has no place in MAY_IMPORT`);
  assert.deepEqual(sourceFiles('bench'), [], 'bench/ holds folders only: every file belongs to a concern');
});

test('no import runs from a lower layer back up', () => {
  const wrong: string[] = [];
  for (const [folder, allowed] of Object.entries(MAY_IMPORT)) {
    for (const file of sourceFiles(folder)) {
      for (const target of importedFolders(file)) {
        if (target !== folder && target !== '.' && !allowed.includes(target)) wrong.push(`${file} imports ${target}`);
      }
    }
  }
  assert.deepEqual(wrong, []);
});

test('strategies/ lists exactly the strategies the suite compares', () => {
  const files = sourceFiles('strategies').map((file) => file.replace(/^strategies\/|\.ts$/g, ''));
  // known-loop: the calibration's contract between the harness, the server and calibration-burn.
  const contract = ['strategy', 'registry', 'outcome', 'strategy-module', 'known-loop'];
  assert.deepEqual(
    files.filter((name) => !contract.includes(name)).sort(),
    ['close-listener', 'handler-return', 'sdk-default', 'timer-keepalive', 'untraced', 'worker-thread-watcher'],
  );
});
