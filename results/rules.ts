/**
 * The verifier's rules (bench/spans/verifier.ts): a request is correct when it breaks none. Apart
 * from the schema, so that what only needs the names does not load the schema library.
 */
export const RULES = [
  'noRoot',
  'multipleRoots',
  'missing',
  'traceMismatch',
  'orphan',
  'outOfRange',
  'durationError',
  'status',
] as const;
export type Rule = (typeof RULES)[number];
