import { after, before } from 'node:test';
import { buildIfStale } from '../../bench/common/build.ts';
import { stopAllChildren } from '../../bench/common/children.ts';
import { type Sink, startSink } from '../../bench/spans/sink.ts';

/**
 * One ingest sink for a test file that starts servers: before its tests, a stale build is rebuilt
 * (as a command does) and the sink started; afterwards every server the file started is stopped
 * and the sink closed. Returns the accessor for the running sink.
 */
export function useSink(): () => Sink {
  let sink: Sink | undefined;
  before(async () => {
    buildIfStale();
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
