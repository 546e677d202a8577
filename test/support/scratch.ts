import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Every scratch directory this test process made: removed when it exits. */
const made: string[] = [];
process.once('exit', () => {
  for (const directory of made) rmSync(directory, { recursive: true, force: true });
});

/** A new directory under the system's temporary directory, removed when the test process exits. */
export function scratchDirectory(prefix: string): string {
  const directory = mkdtempSync(join(tmpdir(), `streamtrace-${prefix}-`));
  made.push(directory);
  return directory;
}
