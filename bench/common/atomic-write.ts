import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Writes a file so that readers see the old content or the whole new one, never half of it. */
export function writeFileAtomic(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, path);
}

/** What the results/ schemas' validators answer. */
type SchemaCheck = { ok: true } | { ok: false; error: string };

/**
 * Every command's result file: checked against its schema before anything is written (a writer
 * that drifts from its schema is the suite's bug, and fails loudly), then indented JSON, written
 * atomically. Without a path, only the check.
 */
export function writeResultFile<T>(path: string | undefined, result: T, validate: (value: T) => SchemaCheck, schema: string): void {
  const check = validate(result);
  if (!check.ok) throw new Error(`the result does not match ${schema}: ${check.error}`);
  if (path !== undefined) writeFileAtomic(path, `${JSON.stringify(result, null, 2)}\n`);
}
