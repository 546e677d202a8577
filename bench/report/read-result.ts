import { readFileSync } from 'node:fs';
import { UsageError } from '../common/cli.ts';
import { validateResult, type ResultFile } from '../../results/schema.ts';

/**
 * Reads a result file and checks it against the schema. Every way it can be unusable (missing,
 * unreadable, not JSON, not a result file, another schemaVersion) is a UsageError of one line that
 * names the file as the user typed it, then the first problem: `base.json: /cells/0/trials: Expected array`.
 */
export function readResultFile(path: string): ResultFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`${path}: cannot read: ${firstLine(error)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${path}: not valid JSON: ${firstLine(error)}`);
  }
  const validation = validateResult(parsed);
  if (!validation.ok) throw new UsageError(`${path}: ${validation.error}`);
  return validation.result;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
