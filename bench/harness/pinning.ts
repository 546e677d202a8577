import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { errorMessage } from '../common/error-message.ts';

/** Which cores the server and the load generator got, as written into the result. */
export interface Pinning {
  available: boolean;
  server: string | null;
  load: string | null;
  note: string;
  /** The cpu list servers are pinned to (taskset -c syntax); null without pinning. */
  serverCpus: string | null;
}

const SERVER_CORE = 0;
const LOAD_CORE = 1;

/** Pins a process and all its threads to the given cpus (taskset -c syntax). */
export function pinProcess(pid: number, cpus: string): void {
  const result = spawnSync('taskset', ['-a', '-p', '-c', cpus, String(pid)]);
  if (result.status !== 0) throw new Error(`taskset could not pin process ${pid} to cpu ${cpus}: ${result.stderr.toString().trim()}`);
}

/**
 * Pins this process (load generator, probe client and sink, all its threads) to one core and
 * names the core servers go to, where taskset and two cores exist.
 */
export function pinProcesses(): Pinning {
  const none = (note: string): Pinning => ({ available: false, server: null, load: null, note, serverCpus: null });
  // cpus(), not availableParallelism(): once this process is pinned the latter says 1.
  const cores = cpus().length;
  if (cores < 2) return none(`only ${cores} core: no pinning`);
  const probe = spawnSync('taskset', ['-c', String(SERVER_CORE), 'true']);
  if (probe.error || probe.status !== 0) return none('taskset not found or not permitted: no pinning');
  try {
    pinProcess(process.pid, String(LOAD_CORE));
  } catch (error) {
    return none(errorMessage(error));
  }
  return {
    available: true,
    server: `cpu ${SERVER_CORE}`,
    load: `cpu ${LOAD_CORE}`,
    note: `each server, once ready, pinned with taskset -a -p -c ${SERVER_CORE}; load generator, probe and sink (this process) with taskset -a -p -c ${LOAD_CORE}`,
    serverCpus: String(SERVER_CORE),
  };
}

/** Instruction counts do not depend on the host's load: their children run unpinned, side by side. */
export const NOT_PINNED_FOR_COUNTS: Pinning = { available: false, server: null, load: null, note: 'instruction counts: not pinned, not load-sensitive', serverCpus: null };
