import type { Readable } from 'node:stream';

/** What a workload may do for one request. */
export interface WorkloadContext {
  readonly requestId: string;
  /** Runs fn inside a child span of the request (tagged with its id, counted in the ground truth). */
  child<T>(name: string, fn: () => T): T;
}

export type Query = Record<string, string | undefined>;

/** One route of the app: how to read its query and how to produce its body. */
export interface Workload<Params> {
  readonly path: string;
  readonly contentType: string;
  /** Throws a BadParameter for a query it does not accept. */
  parse(query: Query): Params;
  /** A stream for streaming routes, a plain object for JSON ones. */
  produce(context: WorkloadContext, params: Params): Readable | object;
}

export class BadParameter extends Error {}

/** An integer query parameter within [min, max], or its default when absent. */
export function intParam(query: Query, name: string, fallback: number, min: number, max: number): number {
  const raw = query[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new BadParameter(`${name} must be an integer from ${min} to ${max}, got '${raw}'`);
  }
  return value;
}

/** failAt: the 1-based event (or batch) at which the producer throws; 0 = never. */
export const failAtParam = (query: Query): number => intParam(query, 'failAt', 0, 0, 1_000_000);
