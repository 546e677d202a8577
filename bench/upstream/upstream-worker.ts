import { parentPort, workerData } from 'node:worker_threads';
import { serveFakeUpstream } from './fake-upstream-server.ts';
import type { FromWorker, ToWorker } from './fake-upstream.ts';
import { errorMessage } from '../common/error-message.ts';

// The fake upstream's thread: serves, and tells the harness's thread about each call.
const port = parentPort!;
const post = (message: FromWorker): void => port.postMessage(message);
try {
  const server = await serveFakeUpstream((workerData as { port: number }).port, {
    opened: () => post({ type: 'opened' }),
    ended: (truth) => post({ type: 'ended', truth }),
  });
  port.on('message', (message: ToWorker) => {
    if (message.type === 'close') void server.close().finally(() => post({ type: 'closed' }));
  });
  post({ type: 'ready', port: server.port });
} catch (error) {
  post({ type: 'failed', message: errorMessage(error) });
}
