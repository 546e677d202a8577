import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { builtPath } from '../common/build.ts';
import { killChild, signalChild, spawnChild } from '../common/children.ts';
import type { TracerName } from '../../servers/tracer.ts';
import type { AnyStrategyName } from '../../strategies/registry.ts';
import { runLoad } from '../harness/load.ts';
import { callsUpstream, SCENARIOS, type ScenarioName, scenarioUrl } from '../harness/scenarios.ts';
import { startSink } from '../spans/sink.ts';
import { startFakeUpstream } from '../upstream/fake-upstream.ts';
import { type NodeRuntime, nodeBinary } from '../common/node-runtime.ts';
import type { ProfileTool } from './profile-tools.ts';

/**
 * npm run profile: one cell's server under clinic, with the same load as npm run bench, then
 * SIGINT so clinic writes its data folder and its HTML report. The server runs with
 * bench/profile/exit-after-collectors.ts preloaded, so its shutdown lets clinic's collectors finish writing.
 */

export interface ProfileOptions {
  strategy: AnyStrategyName;
  tracer: TracerName;
  scenario: ScenarioName;
  tool: ProfileTool;
  durationSec: number;
  connections: number;
  /** The Node the server runs on; clinic runs on the same binary (it instruments the Node it starts with). */
  node: NodeRuntime;
  /** Where clinic writes (an absolute path): `<pid>.clinic-<tool>` and its `.html`. */
  dest: string;
  log?: (line: string) => void;
}

/** What clinic wrote. */
export interface ProfileOutput {
  dataDir: string;
  html: string;
}

const CLINIC = fileURLToPath(import.meta.resolve('clinic/bin.js'));
const SERVER_MAIN = builtPath('bench/commands/server.ts');
const EXIT_AFTER_COLLECTORS = pathToFileURL(builtPath('bench/profile/exit-after-collectors.ts')).href;
const READY_LINE = /listening on (http:\/\/\S+)/;
const REPORT_LINE = /Generated HTML file is (file:\S+)/;
const READY_TIMEOUT_MS = 60_000;
/** Clinic analyses and bundles its report after the server exits: seconds, at most minutes. */
const REPORT_TIMEOUT_MS = 10 * 60_000;

/**
 * The clinic process running, if any, for stopProfiledServer. It leads its own process group
 * (clinic, then the server), which bench/common/children.ts kills whole on any exit.
 */
let running: ChildProcess | undefined;
let runningTool: ProfileTool | undefined;
let serverStopped = false;

/**
 * Stops the profiled server as Ctrl-C in a terminal would, so that clinic writes its report.
 * Doctor and bubbleprof relay a SIGINT sent to clinic to the server, once; flame (0x) relays
 * nothing and counts on the terminal's SIGINT to the whole process group. Either way the server
 * gets one SIGINT: a second would make doctor's and bubbleprof's collectors flush early, under
 * the server's feet. Sent once only: clinic takes a second SIGINT as "stop writing".
 */
export function stopProfiledServer(): void {
  if (!running || serverStopped) return;
  serverStopped = true;
  if (runningTool === 'flame') signalChild(running, 'SIGINT');
  else if (running.exitCode === null && running.signalCode === null) running.kill('SIGINT');
}

/** One clinic process: its output so far and its exit. */
interface ClinicRun {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  output(): string;
}

function startClinic(node: string, args: string[], cwd: string): ClinicRun {
  const child = spawnChild(node, [CLINIC, ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so every process under clinic can be signalled or killed at once.
    detached: true,
    // No usage statistics, no update check (it would leave a process behind), no SDK env DSN.
    env: { ...process.env, NO_INSIGHT: '1', NO_UPDATE_NOTIFIER: '1', SENTRY_DSN: '' },
  });
  let output = '';
  const collect = (text: string): void => {
    output = (output + text).slice(-20_000);
  };
  child.stdout?.setEncoding('utf8').on('data', collect);
  child.stderr?.setEncoding('utf8').on('data', collect);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', (error) => {
      collect(`${error.message}\n`);
      resolve(null);
    });
  });
  return { child, exited, output: () => output };
}

export async function runProfile(options: ProfileOptions): Promise<ProfileOutput> {
  const { tool, dest } = options;
  const log = options.log ?? (() => {});
  const sink = options.tracer === 'none' ? undefined : await startSink({ port: 0 });
  const upstream = callsUpstream(options.scenario) ? await startFakeUpstream() : undefined;
  // Clinic and the server run in a scratch directory: node's trace-event logs land in the
  // working directory and clinic refuses to start where old ones lie.
  const workDir = mkdtempSync(join(tmpdir(), 'streamtrace-profile-'));
  const earlier = new Set(existsSync(dest) ? readdirSync(dest) : []);
  try {
    // Clinic 13 instruments the Node it is started with: clinic and the server run on one binary.
    const node = nodeBinary(options.node);
    const server = [node, '--import', EXIT_AFTER_COLLECTORS, SERVER_MAIN];
    const cell = ['--strategy', options.strategy, '--tracer', options.tracer, '--node', options.node, '--port', '0', ...(sink ? ['--dsn', sink.dsn] : []), ...(upstream ? ['--upstream', upstream.url] : [])];
    const collecting = startClinic(node, [tool, '--dest', dest, '--open=false', '--', ...server, ...cell], workDir);
    running = collecting.child;
    runningTool = tool;
    serverStopped = false;

    const url = await waitForLine(READY_LINE, collecting, READY_TIMEOUT_MS, 'the server got ready');
    log(`profiling ${options.strategy}/${options.tracer}/${options.scenario} with clinic ${tool}: ${options.connections} connections for ${options.durationSec} s`);
    const load = await runLoad({
      url: scenarioUrl(url, SCENARIOS[options.scenario], { underLoad: true }),
      connections: options.connections,
      durationSec: options.durationSec,
      idPrefix: 'profile',
    });
    log(`load done: ${Math.round(load.requestsPerSec)} req/s, ${load.errors + load.non2xx} errors; stopping the server so clinic writes its report`);
    stopProfiledServer();
    let report = await reportOf(collecting, tool);
    if (report === undefined) {
      // Bubbleprof, at least, can fail to analyse a large collection right after the server
      // exits ("premature close") and succeed on the same data a moment later.
      const dataDir = (existsSync(dest) ? readdirSync(dest) : []).find((name) => !earlier.has(name) && name.endsWith(`.clinic-${tool}`));
      if (!dataDir) throw new Error(`clinic ${tool} collected nothing: ${tail(collecting.output())}`);
      const why = /Error: [^\n]*/.exec(collecting.output())?.[0] ?? tail(collecting.output(), 1);
      log(`clinic ${tool} could not analyse what it collected (${why}): rendering ${dataDir} again`);
      killChild(collecting.child);
      const rendering = startClinic(process.execPath, [tool, '--open=false', '--visualize-only', join(dest, dataDir)], workDir);
      running = rendering.child;
      report = await reportOf(rendering, tool);
      if (report === undefined) throw new Error(`clinic ${tool} could not render ${join(dest, dataDir)}: ${tail(rendering.output())}`);
    }
    return { dataDir: report.replace(/\.html$/, ''), html: report };
  } finally {
    if (running) killChild(running);
    running = undefined;
    await Promise.all([sink?.close(), upstream?.close()]);
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** The HTML report a clinic run wrote, once it has exited; undefined when it wrote none. */
async function reportOf(run: ClinicRun, tool: ProfileTool): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), REPORT_TIMEOUT_MS)));
  const code = await Promise.race([run.exited, timedOut]);
  clearTimeout(timer);
  if (code === 'timeout') throw new Error(`clinic ${tool} wrote no report within ${REPORT_TIMEOUT_MS / 60_000} min: ${tail(run.output())}`);
  const url = REPORT_LINE.exec(run.output())?.[1];
  const html = url === undefined ? undefined : fileURLToPath(url);
  return code === 0 && html !== undefined && existsSync(html) ? html : undefined;
}

/** The first capture of `pattern` in clinic's output; fails when clinic exits first or time runs out. */
async function waitForLine(pattern: RegExp, run: ClinicRun, timeoutMs: number, what: string): Promise<string> {
  let exitCode: number | null | undefined;
  void run.exited.then((code) => (exitCode = code));
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const found = pattern.exec(run.output())?.[1];
    if (found !== undefined) return found;
    if (exitCode !== undefined) throw new Error(`clinic exited (code ${exitCode}) before ${what}: ${tail(run.output())}`);
    if (performance.now() > deadline) throw new Error(`no sign that ${what} within ${timeoutMs / 1000} s: ${tail(run.output())}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The last lines of clinic's output, on one line. */
function tail(text: string, lines = 5): string {
  return text.trim().split('\n').slice(-lines).join(' | ');
}
