/** A named, parameterised route of the one app. */
export interface Scenario {
  readonly name: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** False for ordinary responses: no abort or failure variants. */
  readonly streaming: boolean;
  /** The query that makes the producer throw mid-stream. */
  readonly failQuery?: Readonly<Record<string, string>>;
  /**
   * Under load (npm run bench) these replace parts of the query: short gaps, so the server's
   * core, not the clock, sets the pace.
   */
  readonly loadQuery?: Readonly<Record<string, string>>;
  /**
   * Load connections under npm run bench: enough to saturate untraced's core where throughput
   * lost is a figure (default DEFAULT_CONNECTIONS).
   */
  readonly connections?: number;
  /**
   * Under instruction counts (npm run bench -- --instructions) these replace parts of the query:
   * no waits, whose only work is clock-driven (which a counted server leaves out): the same events
   * and spans back to back, one request after another.
   */
  readonly countQuery?: Readonly<Record<string, string>>;
  /**
   * The route calls a model upstream: the harness starts the fake one (bench/upstream) beside the
   * sink, gives its URL to the scenario's servers and its records to the verifier.
   */
  readonly upstream?: boolean;
}

export const DEFAULT_CONNECTIONS = 50;

/**
 * /shared-source: every stream listens to one process-wide emitter. Bound, the route binds each
 * listener to its request's async context (AsyncResource.bind); unbound, the listener runs in the
 * emitter's context, where every strategy loses the trace.
 */
function sharedSourceScenario<Name extends string>(name: Name, bound: boolean) {
  return { name, path: '/shared-source', query: { events: '10', bind: bound ? '1' : '0' }, streaming: true, failQuery: { failAt: '5' } } satisfies Scenario;
}

export const SCENARIOS = {
  'sse-tokens': {
    name: 'sse-tokens',
    path: '/sse-tokens',
    query: { events: '20', gapMs: '10' },
    streaming: true,
    failQuery: { failAt: '10' },
    loadQuery: { gapMs: '1' },
    countQuery: { gapMs: '0' },
    // At 50 connections untraced's core was only 72-85 % busy: each stream waits 20 x 1 ms gaps.
    connections: 100,
  },
  'bulk-download': {
    name: 'bulk-download',
    path: '/bulk-download',
    query: { bytes: String(1 << 20), chunkBytes: String(16 << 10) },
    streaming: true,
    failQuery: { failAt: '2' },
  },
  'long-idle': {
    name: 'long-idle',
    path: '/long-idle',
    query: { seconds: '3' },
    streaming: true,
    failQuery: { failAt: '2' },
    countQuery: { gapMs: '0' },
  },
  'shared-source': sharedSourceScenario('shared-source', false),
  'shared-source-bound': sharedSourceScenario('shared-source-bound', true),
  'plain-json': { name: 'plain-json', path: '/plain-json', query: {}, streaming: false },
  'llm-proxy': {
    name: 'llm-proxy',
    path: '/llm-proxy',
    query: { tokens: '20', gapMs: '10' },
    streaming: true,
    failQuery: { failAt: '10' },
    // As sse-tokens: the model's 1 ms gaps under load, enough connections to keep the core busy.
    loadQuery: { gapMs: '1' },
    connections: 100,
    upstream: true,
  },
} satisfies Record<string, Scenario>;

export type ScenarioName = keyof typeof SCENARIOS;
export const SCENARIO_NAMES = Object.keys(SCENARIOS) as ScenarioName[];

/**
 * What npm run bench measures by default. shared-source is a correctness case (every strategy
 * loses the trace there) and its bound twin costs what sse-tokens costs; both stay selectable.
 */
export const BENCH_SCENARIOS: ScenarioName[] = ['sse-tokens', 'bulk-download', 'plain-json', 'long-idle', 'llm-proxy'];

/** True when the scenario's route calls the fake model upstream. */
export function callsUpstream(scenario: ScenarioName): boolean {
  return (SCENARIOS[scenario] as Scenario).upstream === true;
}

export interface UrlVariant {
  /** The producer throws mid-stream. */
  failing?: boolean;
  /** The query used under load. */
  underLoad?: boolean;
  /** The query used under instruction counts. */
  counted?: boolean;
  /** Any last overrides, e.g. the long-idle stream's length. */
  overrides?: Record<string, string>;
}

/** The URL of one request of a scenario on a server. */
export function scenarioUrl(baseUrl: string, scenario: Scenario, variant: UrlVariant = {}): string {
  const query = new URLSearchParams({
    ...scenario.query,
    ...(variant.underLoad ? scenario.loadQuery : {}),
    ...(variant.counted ? scenario.countQuery : {}),
    ...(variant.failing ? scenario.failQuery : {}),
    ...variant.overrides,
  });
  const search = query.toString();
  return `${baseUrl}${scenario.path}${search ? `?${search}` : ''}`;
}
