import type { AllocationReading } from '../../servers/allocation-counter.ts';
import { spawnChild } from '../common/children.ts';
import { COUNTING_NODE_FLAGS, countingEnv } from '../common/valgrind.ts';
import { type ServerProcess, type ServerSpec, startServer } from '../harness/server-process.ts';

/**
 * The real compiled server under valgrind's callgrind, which can be asked for its count at any
 * moment (callgrind_control): one process counts many windows, so start-up (10-30 s under
 * valgrind) is paid once per strategy and tracer, not once per count. A window is a zero of the
 * counter at its start and a reading at its end. Measured against cachegrind, which counts only
 * at exit (two processes per figure): callgrind runs a request about 1.6x slower and starts 1.5x
 * slower, and wins once a process serves more than one scenario. Start-up and warm-ups run with
 * instrumentation off (--instr-atstart=no), at valgrind's plain speed: nothing of them is counted.
 */
export const CALLGRIND_OPTIONS = ['--tool=callgrind', '--instr-atstart=no', '--dump-line=no', '--compress-strings=no', '--compress-pos=no'];

/**
 * The counting flags of the micro children, and for a server that lives for minutes and allocates
 * hundreds of MB: a new space that really is 256 MB (V8 caps the scavenger's at 32 MB unless told),
 * an old generation that starts large enough never to need a major GC, and no incremental marking,
 * whose steps run inside allocations, paced by the clock. A GC in a window is still refused.
 * Feedback vectors from a function's first call: V8 otherwise gives one to a function only after
 * it has run a while, and a function that runs once per batch or per trace got its own, and its
 * inline caches their first states, in some window long after the warm-up (sdk-default/otel
 * sse-tokens: eight windows 0.64 % apart, 0.16 % with this flag).
 */
export const SERVER_COUNTING_FLAGS = [
  ...COUNTING_NODE_FLAGS,
  '--scavenger-max-new-space-capacity-mb=256',
  '--initial-old-space-size=1024',
  '--no-incremental-marking',
  '--no-lazy-feedback-allocation',
  '--expose-gc',
];

/** The server's own flags for counting: no clock-driven work between the counter's readings (servers/counted.ts). */
export const COUNTED_SERVER_ARGS = ['--counted'];

/** Ready within this long under valgrind, even on a busy machine (10-30 s quiet, 95 s seen busy). */
const READY_TIMEOUT_MS = 300_000;

export interface CountedServer {
  readonly server: ServerProcess;
  /** Counting on or off: off runs faster, and what runs then is never counted. */
  instrument(on: boolean): Promise<void>;
  /** Sets the counter to zero. */
  zero(): Promise<void>;
  /** Instructions since the last zero, every thread's. */
  read(): Promise<number>;
  /** The server's heap and garbage collections so far. */
  allocation(): Promise<AllocationReading>;
  /** A young-generation collection now, outside any window: what follows starts from an empty young generation. */
  collectYoung(): Promise<void>;
  stop(): Promise<void>;
}

export async function startCountedServer(spec: Omit<ServerSpec, 'launcher' | 'env' | 'readyTimeoutMs'>): Promise<CountedServer> {
  const server = await startServer({
    ...spec,
    args: [...COUNTED_SERVER_ARGS, ...(spec.args ?? [])],
    // No dump file is wanted (the counts are read live); callgrind still writes one at exit.
    launcher: ['valgrind', ...CALLGRIND_OPTIONS, '--callgrind-out-file=/dev/null'],
    nodeArgs: [...SERVER_COUNTING_FLAGS, ...(spec.nodeArgs ?? [])],
    env: countingEnv(),
    readyTimeoutMs: READY_TIMEOUT_MS,
  });
  let instrumented = false;
  return {
    server,
    async instrument(on) {
      if (on === instrumented) return;
      await callgrindControl([`--instr=${on ? 'on' : 'off'}`], server.pid);
      instrumented = on;
    },
    zero: async () => void (await callgrindControl(['--zero'], server.pid)),
    read: async () => totalInstructions(await callgrindControl(['-e', 'Ir'], server.pid)),
    allocation: async () => (await server.control('allocation')) as AllocationReading,
    async collectYoung() {
      const { collected } = (await server.control('collect-young', 'POST')) as { collected: boolean };
      if (!collected) throw new Error('the counted server cannot collect (it runs without --expose-gc)');
    },
    stop: () => server.stop(),
  };
}

/**
 * callgrind_control talks to the valgrind process through vgdb and prints its answer; the
 * command has been carried out when it returns.
 */
function callgrindControl(args: readonly string[], pid: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawnChild('callgrind_control', [...args, String(pid)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.once('error', (error) => reject(new Error(`callgrind_control could not start: ${error.message}`)));
    child.once('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`callgrind_control ${args.join(' ')} ${pid} failed (code ${code}): ${stderr.trim() || stdout.trim()}`))));
  });
}

/** The sum over threads of `callgrind_control -e` ("Th 1  1,924,659" lines under "Totals:"). */
export function totalInstructions(status: string): number {
  const threads = [...status.matchAll(/^\s*Th\s*\d+\s+([\d,]+)\s*$/gm)];
  if (threads.length === 0) throw new Error(`callgrind_control printed no counts: ${status.trim().split('\n').slice(-3).join(' | ')}`);
  return threads.reduce((sum, match) => sum + Number(match[1]!.replaceAll(',', '')), 0);
}
