import type { Tracer, TracerName, TracerSetup } from './tracer.ts';

/**
 * The tracers by name: the interface (tracer.ts) does not import its implementations, and each SDK
 * loads only when its tracer is set up, so `none` loads none.
 */

const noTracer: Tracer = {
  name: 'none',
  child: (_name, _attributes, fn) => fn(),
  startRoot: () => {
    throw new Error('the untraced server has no SDK to start a root with');
  },
  withActive: (_span, fn) => fn(),
  tagActiveRoot: () => {},
  flush: async () => true,
};

/** Loads and initialises the SDK for a tracer. Must run before the app (and fastify) is imported. */
export async function setupTracer(name: TracerName, setup: TracerSetup): Promise<Tracer> {
  if (name === 'none') return noTracer;
  if (name === 'otel') {
    const { otelTracer } = await import('./otel-tracer.ts');
    return otelTracer(setup);
  }
  const { sentryTracer } = await import('./sentry-tracer.ts');
  return sentryTracer(name === 'sentry-static' ? 'static' : 'stream', setup);
}
