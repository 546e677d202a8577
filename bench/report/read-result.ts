import { readFileSync } from 'node:fs';
import { UsageError } from '../common/cli.ts';
import { validateResult, type ResultFile } from '../../results/schema.ts';
import { type InstructionResult, validateInstructionResult } from '../../results/instruction-schema.ts';
import { type RequestInstructionResult, validateRequestInstructionResult } from '../../results/request-instruction-schema.ts';
import { errorMessage } from '../common/error-message.ts';

/**
 * Reads a result file and checks it against the schema. Every way it can be unusable (missing,
 * unreadable, not JSON, not a result file, another schemaVersion) is a UsageError of one line that
 * names the file as the user typed it, then the first problem: `base.json: /cells/0/trials: Expected array`.
 */
export function readResultFile(path: string): ResultFile {
  const validation = validateResult(readJson(path));
  if (!validation.ok) throw new UsageError(`${path}: ${validation.error}`);
  return validation.result;
}

/**
 * What `npm run report` and `compare` read: a load result, micro instruction counts (kind
 * 'instructions') or whole-request instruction counts (kind 'request-instructions').
 */
export type ReportInput =
  | { kind: 'load'; result: ResultFile }
  | { kind: 'instructions'; result: InstructionResult }
  | { kind: 'request-instructions'; result: RequestInstructionResult };

export function readReportInput(path: string): ReportInput {
  const parsed = readJson(path);
  const kind = typeof parsed === 'object' && parsed !== null && 'kind' in parsed ? parsed.kind : undefined;
  if (kind === 'instructions') return { kind, result: validOrRefused(path, validateInstructionResult(parsed)) };
  if (kind === 'request-instructions') return { kind, result: validOrRefused(path, validateRequestInstructionResult(parsed)) };
  const validation = validateResult(parsed);
  if (!validation.ok) throw new UsageError(`${path}: ${validation.error}`);
  return { kind: 'load', result: validation.result };
}

function validOrRefused<T>(path: string, validation: { ok: true; value: T } | { ok: false; error: string }): T {
  if (!validation.ok) throw new UsageError(`${path}: ${validation.error}`);
  return validation.value;
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`${path}: cannot read: ${firstLine(error)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`${path}: not valid JSON: ${firstLine(error)}`);
  }
}

function firstLine(error: unknown): string {
  const message = errorMessage(error);
  return message.split('\n')[0] ?? message;
}
