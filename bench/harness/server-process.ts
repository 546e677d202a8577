import { readFileSync } from 'node:fs';
import http from 'node:http';
import { cpus } from 'node:os';
import { builtPath } from '../common/build.ts';
import { signalChild, spawnChild, stopChild } from '../common/children.ts';
import { DEFAULT_NODE, type NodeRuntime, nodeBinary } from '../common/node-runtime.ts';
import type { ServerState } from '../../servers/ground-truth.ts';
import { CONTROL_PREFIX } from '../../servers/ground-truth.ts';
import type { ProcessSample } from '../../servers/process-probe.ts';
import { pinProcess } from './pinning.ts';
import { strategyModuleOf } from '../../strategies/registry.ts';
import { errorMessage } from '../common/error-message.ts';

const SERVER_MAIN = builtPath('bench/commands/server.ts');
const READY_LINE = /listening on (http:\/\/\S+)(?: \(([^)\n]+)\))?\n/;
/** Printed before the ready line: the listener the harness's control requests go to (servers' listenForControl). */
const CONTROL_LINE = /^control on (http:\/\/\S+)\n/m;

export interface ServerSpec {
  strategy: string;
  tracer: string;
  /** The Node the server runs on (default: the current LTS). */
  node?: NodeRuntime;
  dsn?: string;
  /** The fake model upstream's URL (bench/upstream), for /llm-proxy. */
  upstream?: string;
  /** Another release of the tracer's SDK: its directory (bench/releases/); else the suite's own. */
  sdkDir?: string | null;
  /** The SDK the server must say it loaded (its ready line), e.g. '@sentry/node 10.78.0'; else not checked. */
  expectSdk?: string;
  /** Extra flags for servers/main.ts (tick, lifetime). */
  args?: string[];
  /** Extra flags for node itself (e.g. --expose-gc). */
  nodeArgs?: string[];
  /**
   * Cpus to pin the server to once it is ready (taskset -c syntax). It starts unpinned, so many
   * servers can start side by side on every core, and is measured pinned.
   */
  cpus?: string | null;
  readyTimeoutMs?: number;
  /** A program the server runs under, e.g. valgrind and its options (instruction counts). */
  launcher?: readonly string[];
  /** The server's environment (default: the harness's, without a DSN). */
  env?: NodeJS.ProcessEnv;
}

/** A server process the harness started, ready to take requests. */
export interface ServerProcess {
  readonly url: string;
  /**
   * Where control requests go: a listener of their own, so that they never wait behind the load's
   * connections that the server has not accepted yet.
   */
  readonly controlUrl: string;
  readonly pid: number;
  state(drain?: boolean): Promise<ServerState>;
  /** Makes the SDK send what it holds; answers what it says it dropped in-process since the last flush. */
  flush(): Promise<Record<string, number>>;
  /** Starts the server's measurement window (forces a GC first where it can). */
  probeStart(): Promise<void>;
  /** Heap after a forced GC now, e.g. while streams are held open. */
  probeHeap(): Promise<{ heapAfterGcMb: number | null; rssMb: number }>;
  /** Ends the window: what the server measured of itself. */
  probeStop(): Promise<ProcessSample>;
  /**
   * SIGSTOP: the server takes no CPU while another is measured (its timers, SDK flushes, worker
   * threads and GC would share the measured core). Its sockets stay open; the kernel queues what
   * arrives. Resolves once the kernel shows the process stopped. Idempotent.
   */
  freeze(): Promise<void>;
  /** SIGCONT: the frozen server runs again; its timers catch up at once. Idempotent. */
  thaw(): void;
  readonly frozen: boolean;
  /** Any control route (servers/app.ts), answered as JSON. */
  control(path: string, method?: 'GET' | 'POST'): Promise<unknown>;
  stop(): Promise<void>;
}

/** Raised when a server crashes or never gets ready; carries what the server itself said. */
export class ServerFailed extends Error {}

/** Starts a server from build/ (the command has rebuilt it if stale; a stale server refuses to start). */
export async function startServer(spec: ServerSpec): Promise<ServerProcess> {
  const runtime = spec.node ?? DEFAULT_NODE;
  // A strategy module's server loads the very file the harness checked.
  const module = strategyModuleOf(spec.strategy);
  const strategy = module ? ['--strategy-module', module.path] : ['--strategy', spec.strategy];
  const flags = [...strategy, '--tracer', spec.tracer, '--node', runtime, '--port', '0', ...(spec.args ?? [])];
  if (spec.dsn) flags.push('--dsn', spec.dsn);
  if (spec.upstream) flags.push('--upstream', spec.upstream);
  if (spec.sdkDir) flags.push('--sdk-dir', spec.sdkDir);
  const node = [...(spec.launcher ?? []), nodeBinary(runtime), ...(spec.nodeArgs ?? []), SERVER_MAIN, ...flags];
  // A pinned harness would pass its own core on to the child: start on every core instead.
  // taskset execs node, so the server keeps the pid the harness spawned.
  const unpinned = spec.cpus ? ['taskset', '-c', `0-${cpus().length - 1}`, ...node] : node;
  const [file, ...args] = unpinned as [string, ...string[]];
  // The IPC channel lets the server notice when the harness dies and exit by itself.
  const child = spawnChild(file, args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: spec.env ?? { ...process.env, SENTRY_DSN: '', STREAMTRACE_UPSTREAM: '' } });

  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr = (stderr + text).slice(-4_000);
  });

  const { url, controlUrl } = await new Promise<{ url: string; controlUrl: string }>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => fail(`did not get ready within ${spec.readyTimeoutMs ?? 30_000} ms`), spec.readyTimeoutMs ?? 30_000);
    function fail(reason: string): void {
      clearTimeout(timer);
      void stopChild(child);
      reject(new ServerFailed(`server ${spec.strategy}/${spec.tracer} ${reason}${stderr ? `: ${lastLines(stderr)}` : ''}`));
    }
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      const match = READY_LINE.exec(stdout);
      if (!match?.[1]) return;
      if (spec.expectSdk !== undefined && match[2] !== spec.expectSdk) return fail(`loaded ${match[2] ?? 'no SDK'}, not ${spec.expectSdk}`);
      const control = CONTROL_LINE.exec(stdout)?.[1];
      if (!control) return fail('printed no control listener before its ready line');
      clearTimeout(timer);
      resolve({ url: match[1], controlUrl: control });
    });
    child.once('exit', (code, signal) => fail(`exited (${signal ?? `code ${code}`}) before it was ready`));
    child.once('error', (error) => fail(`could not start: ${error.message}`));
  });

  if (spec.cpus && child.pid) {
    try {
      pinProcess(child.pid, spec.cpus);
    } catch (error) {
      await stopChild(child);
      throw new ServerFailed(errorMessage(error));
    }
  }

  const control = async (path: string, method = 'GET'): Promise<unknown> => {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new ServerFailed(`server ${spec.strategy}/${spec.tracer} has exited${stderr ? `: ${lastLines(stderr)}` : ''}`);
    }
    const { status, body } = await requestOnce(`${controlUrl}${CONTROL_PREFIX}${path}`, method);
    if (status !== 200) throw new ServerFailed(`${method} ${path} answered ${status}`);
    return JSON.parse(body) as unknown;
  };

  let frozen = false;
  return {
    url,
    controlUrl,
    pid: child.pid ?? -1,
    get frozen() {
      return frozen;
    },
    freeze: async () => {
      if (frozen) return;
      signalChild(child, 'SIGSTOP');
      frozen = true;
      if (child.pid) await untilStopped(child.pid);
    },
    thaw: () => {
      if (!frozen) return;
      signalChild(child, 'SIGCONT');
      frozen = false;
    },
    state: async (drain = false) => (await control(`state${drain ? '?drain=1' : ''}`)) as ServerState,
    flush: async () => ((await control('flush', 'POST')) as { dropped?: Record<string, number> }).dropped ?? {},
    probeStart: async () => {
      await control('probe/start', 'POST');
    },
    probeHeap: async () => (await control('probe/heap')) as { heapAfterGcMb: number | null; rssMb: number },
    probeStop: async () => (await control('probe/stop', 'POST')) as ProcessSample,
    control,
    stop: () => stopChild(child),
  };
}

/**
 * One request on a connection of its own, closed after it. A kept-alive connection would be closed
 * by the server's idle timer after 5 s, or not, depending on how long the harness waited: the work
 * of that close would fall into a counted window or not (instruction counts), and a new connection
 * would cost more than a reused one.
 */
function requestOnce(url: string, method: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (text: string) => (body += text));
      response.once('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.once('error', reject);
    });
    request.once('error', reject);
    request.end();
  });
}

/** SIGSTOP is delivered asynchronously: wait (up to 1 s) until /proc shows the process stopped. */
async function untilStopped(pid: number): Promise<void> {
  for (const deadline = performance.now() + 1_000; performance.now() < deadline; ) {
    let state: string | undefined;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    } catch {
      return; // gone, or no /proc to read
    }
    if (state === 'T' || state === 't' || state === 'Z') return;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** The server's own last lines: a launcher's (valgrind's `==PID==` summary at exit) would hide why it stopped. */
function lastLines(text: string): string {
  const lines = text.trim().split('\n');
  const own = lines.filter((line) => !/^==\d+==/.test(line));
  return (own.length > 0 ? own : lines).slice(-3).join(' | ');
}
