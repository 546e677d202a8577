/** A named, parameterised route of the one app. */
export interface Scenario {
  readonly name: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** False for ordinary responses: no abort or failure variants. */
  readonly streaming: boolean;
  /** The query that makes the producer throw mid-stream. */
  readonly failQuery?: Readonly<Record<string, string>>;
}

export const SCENARIOS = {
  'sse-tokens': {
    name: 'sse-tokens',
    path: '/sse-tokens',
    query: { events: '20', gapMs: '10' },
    streaming: true,
    failQuery: { failAt: '10' },
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
  },
  'shared-source': {
    name: 'shared-source',
    path: '/shared-source',
    query: { events: '10', bind: '0' },
    streaming: true,
    failQuery: { failAt: '5' },
  },
  'shared-source-bound': {
    name: 'shared-source-bound',
    path: '/shared-source',
    query: { events: '10', bind: '1' },
    streaming: true,
    failQuery: { failAt: '5' },
  },
  'plain-json': { name: 'plain-json', path: '/plain-json', query: {}, streaming: false },
} satisfies Record<string, Scenario>;

export type ScenarioName = keyof typeof SCENARIOS;
export const SCENARIO_NAMES = Object.keys(SCENARIOS) as ScenarioName[];

/** The URL of one request of a scenario on a server, optionally its failing variant. */
export function scenarioUrl(baseUrl: string, scenario: Scenario, failing = false): string {
  const query = new URLSearchParams({ ...scenario.query, ...(failing ? scenario.failQuery : {}) });
  const search = query.toString();
  return `${baseUrl}${scenario.path}${search ? `?${search}` : ''}`;
}
