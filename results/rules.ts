/**
 * The verifier's rules (bench/spans/verifier.ts): a request is correct when it breaks none. Apart
 * from the schema, so that what only needs the names does not load the schema library.
 */
/**
 * The rules on a request's upstream call (llm-proxy), judged against the fake upstream's record of
 * it. Result files written before them do not have them (results/schema.ts: optional).
 */
export const UPSTREAM_RULES = ['upstreamSpan', 'upstreamEnd', 'upstreamOutOfRange', 'upstreamAbort', 'upstreamStatus'] as const;

export const RULES = [
  'noRoot',
  'multipleRoots',
  'missing',
  'traceMismatch',
  'orphan',
  'outOfRange',
  'durationError',
  'status',
  ...UPSTREAM_RULES,
] as const;
export type Rule = (typeof RULES)[number];
