import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AllocationReading } from '../../servers/allocation-counter.ts';
import { spawnChild } from '../common/children.ts';
import { COUNTING_NODE_FLAGS, countingEnv } from '../common/valgrind.ts';
import { type ServerProcess, type ServerSpec, startServer } from '../harness/server-process.ts';

/**
 * The real compiled server under valgrind's callgrind, which can be asked for its count at any
 * moment (callgrind_control --dump): one process counts many windows, so start-up (10-30 s under
 * valgrind) is paid once per strategy and tracer, not once per count. A dump also zeroes the
 * counter, so a window is the dump at its end. Measured against cachegrind, which counts only at
 * exit (two processes per figure): callgrind runs a request about 1.6x slower and starts 1.5x
 * slower, and wins once a process serves more than one scenario.
 */
export const CALLGRIND_OPTIONS = ['--tool=callgrind', '--dump-line=no', '--compress-strings=no', '--compress-pos=no'];

/** Ready within this long under valgrind, even on a busy machine (10-30 s quiet, 95 s seen busy). */
const READY_TIMEOUT_MS = 300_000;
/** A dump is written by the valgrind process when it gets to it; wait this long for the file. */
const DUMP_TIMEOUT_MS = 120_000;

export interface CountedServer {
  readonly server: ServerProcess;
  /** Instructions since the last dump (or the start), and zeroes the counter. */
  dump(): Promise<number>;
  /** The server's heap and garbage collections so far. */
  allocation(): Promise<AllocationReading>;
  /** A young-generation collection now, outside any window: what follows starts from an empty young generation. */
  collectYoung(): Promise<void>;
  stop(): Promise<void>;
}

export async function startCountedServer(spec: Omit<ServerSpec, 'launcher' | 'env' | 'readyTimeoutMs'>): Promise<CountedServer> {
  const directory = mkdtempSync(join(tmpdir(), 'streamtrace-callgrind-'));
  let server: ServerProcess;
  try {
    server = await startServer({
      ...spec,
      launcher: ['valgrind', ...CALLGRIND_OPTIONS, `--callgrind-out-file=${join(directory, 'callgrind.out')}`],
      nodeArgs: [...COUNTING_NODE_FLAGS, '--expose-gc', ...(spec.nodeArgs ?? [])],
      env: countingEnv(),
      readyTimeoutMs: READY_TIMEOUT_MS,
    });
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
  let dumps = 0;
  return {
    server,
    async dump() {
      dumps += 1;
      await callgrindControl('--dump', server.pid);
      return readDump(join(directory, `callgrind.out.${dumps}`));
    },
    allocation: async () => (await server.control('allocation')) as AllocationReading,
    async collectYoung() {
      const { collected } = (await server.control('collect-young', 'POST')) as { collected: boolean };
      if (!collected) throw new Error('the counted server cannot collect (it runs without --expose-gc)');
    },
    async stop() {
      await server.stop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** callgrind_control asks the valgrind process (through vgdb) to act; it may return before the dump is on disk. */
function callgrindControl(command: string, pid: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawnChild('callgrind_control', [command, String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.once('error', (error) => reject(new Error(`callgrind_control could not start: ${error.message}`)));
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`callgrind_control ${command} ${pid} failed (code ${code}): ${stderr.trim()}`))));
  });
}

/** The dump's total, once the file is complete (its `totals:` line comes last), then the file is removed. */
async function readDump(path: string): Promise<number> {
  const deadline = performance.now() + DUMP_TIMEOUT_MS;
  for (;;) {
    const text = tryRead(path);
    const totals = text === null ? null : /^totals:\s+(\d+)/m.exec(text);
    if (totals) {
      rmSync(path, { force: true });
      return Number(totals[1]);
    }
    if (performance.now() > deadline) {
      const present = readdirSync(join(path, '..')).join(', ');
      throw new Error(`callgrind wrote no complete dump ${path} within ${DUMP_TIMEOUT_MS / 1000} s (files: ${present || 'none'})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function tryRead(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}
