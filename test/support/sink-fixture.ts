import { after, before } from 'node:test';
import { stopAllChildren } from '../../bench/common/children.ts';
import { type Sink, startSink } from '../../bench/spans/sink.ts';

/**
 * One ingest sink for a test file: started before its tests; afterwards every server the file
 * started is stopped and the sink closed. Returns the accessor for the running sink.
 */
export function useSink(): () => Sink {
  let sink: Sink | undefined;
  before(async () => {
    sink = await startSink({ port: 0 });
  });
  after(async () => {
    await stopAllChildren();
    await sink?.close();
  });
  return () => {
    if (!sink) throw new Error('the sink starts in before()');
    return sink;
  };
}
