import { createRequire } from 'node:module';
import type { Static, TProperties, TSchema } from '@sinclair/typebox';

// TypeBox's CommonJS build, loaded here once for every schema: its ES module build is 247 modules,
// which an ES module loader hook (tsx, under the tests) visits one by one, 0.5 s a process.
const require = createRequire(import.meta.url);
export const { Type } = require('@sinclair/typebox') as typeof import('@sinclair/typebox');
export const { Value } = require('@sinclair/typebox/value') as typeof import('@sinclair/typebox/value');
export const { ValueErrorType } = require('@sinclair/typebox/errors') as typeof import('@sinclair/typebox/errors');

/**
 * The few TypeBox building blocks every result schema of the suite (load, micro, soak) is made
 * of, and the one-line validation they share.
 */

/** Draft-07: TypeBox writes tuples as `items: [...]`, which 2020-12 no longer means the same way. */
export const JSON_SCHEMA_DIALECT = 'http://json-schema.org/draft-07/schema#';

/** Unknown fields are rejected everywhere: a writer that drifts from the schema fails loudly. */
export function strictObject<T extends TProperties>(properties: T, description?: string) {
  return Type.Object(properties, { additionalProperties: false, ...(description ? { description } : {}) });
}
export function nullable<T extends TSchema>(schema: T) {
  return Type.Union([schema, Type.Null()]);
}
export function count(description: string) {
  return Type.Integer({ minimum: 0, description });
}
export function nonNegative(description: string) {
  return Type.Number({ minimum: 0, description });
}
/** As Date#toISOString writes it; a pattern, not `format`, so no format registry is needed. */
const ISO_TIME_PATTERN = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$';
export function isoTime(description: string) {
  return Type.String({ pattern: ISO_TIME_PATTERN, description });
}

/**
 * A result file of its own kind (micro, instructions, soak): its schema version, kind and start
 * time first, then the kind's own fields. A reader tells the kinds apart by `kind`.
 */
export function resultFileOfKind<Kind extends string, Version extends number, Properties extends TProperties>(
  kind: Kind,
  schemaVersion: Version,
  properties: Properties,
  description: string,
) {
  return strictObject({ schemaVersion: Type.Literal(schemaVersion), kind: Type.Literal(kind), createdAt: runStartTime(), ...properties }, description);
}

/** When a run started: every result file's createdAt. */
export function runStartTime() {
  return isoTime('When the run started');
}

export type Validation<T> = { ok: true; value: T } | { ok: false; error: string };

/** Checks a value against a schema; on failure, the first problem as one line: `path: message`. */
export function validateAgainst<T extends TSchema>(schema: T, value: unknown): Validation<Static<T>> {
  if (Value.Check(schema, value)) return { ok: true, value };
  const first = Value.Errors(schema, value).First();
  return { ok: false, error: first ? `${first.path || '/'}: ${first.message}` : '/: invalid' };
}

/** A schema as a published JSON Schema file's text: 2-space JSON with a final newline. */
export function jsonSchemaText(schema: TSchema, id: string, title: string): string {
  // JSON.parse(JSON.stringify()) drops TypeBox's symbol-keyed bookkeeping.
  const plain = JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
  return `${JSON.stringify({ $schema: JSON_SCHEMA_DIALECT, $id: id, title, ...plain }, null, 2)}\n`;
}
