import assert from 'node:assert/strict';
import type { Cell } from '../../bench/harness/matrix.ts';
import type { ServerProcess } from '../../bench/harness/server-process.ts';
import { startCellServer } from '../../bench/harness/verify-run.ts';
import type { Sink } from '../../bench/spans/sink.ts';
import type { FakeUpstream } from '../../bench/upstream/fake-upstream.ts';

type ServerKey = Pick<Cell, 'strategy' | 'tracer'>;
const keyOf = ({ strategy, tracer }: ServerKey): string => `${strategy}/${tracer}`;

/**
 * One server per strategy and tracer among the cells, started side by side (start-up is not
 * judged), each then used alone: verifyCell leaves a server it is given running, so one server can
 * serve several cells. A failed start is the verdict of the cells that use it.
 */
export class CellServers {
  private readonly servers = new Map<string, Promise<ServerProcess>>();

  constructor(cells: readonly Cell[], sink: Sink, upstream?: FakeUpstream) {
    for (const cell of cells) {
      if (this.servers.has(keyOf(cell))) continue;
      const server = startCellServer(cell, sink, upstream);
      server.catch(() => undefined);
      this.servers.set(keyOf(cell), server);
    }
  }

  of(cell: ServerKey): Promise<ServerProcess> {
    const server = this.servers.get(keyOf(cell));
    assert.ok(server, `${keyOf(cell)} was not started`);
    return server;
  }

  /** Stops every server that started. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.servers.values()].map((server) => server.then((started) => started.stop(), () => undefined)));
  }
}
