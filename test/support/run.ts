import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { builtPath, staleBuildReason } from '../../bench/common/build.ts';
import { withParentDeathSignal } from '../../bench/common/children.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface EntryOptions {
  /** The command is killed and the run fails after this long. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** Records every process started under the command while it runs, to check afterwards that none survived. */
  watchProcesses?: boolean;
}

/** A process seen under a command while it ran. */
export interface SeenProcess {
  pid: number;
  parent: number;
  commandLine: string;
}

/** Every command a test started that is still running: killed if the test process exits first. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * The compiled JavaScript of an entry point (bench/commands/bench.ts → build/bench/commands/bench.js).
 * Tests start commands from build/ with plain node: tsx would add about a second to every start.
 * npm test builds first; a build older than its sources is refused, so no test runs stale code.
 */
export function compiledEntry(entry: string): string {
  const stale = staleBuildReason();
  if (stale) throw new Error(`build/ is stale (${stale}): run npm run build before the tests`);
  const compiled = builtPath(entry);
  if (!existsSync(compiled)) throw new Error(`${entry} has no compiled ${compiled}: only servers/, strategies/, bench/ and results/ are built`);
  return compiled;
}

/** One of the suite's entry points, running from its build; see startEntry. */
export class EntryRun {
  stdout = '';
  stderr = '';
  readonly pid: number;
  /** Every process seen under the command (with watchProcesses), by pid. */
  readonly seen = new Map<number, SeenProcess>();
  /** Resolves when the command exits; rejects when it overran its time (it is then killed). */
  readonly finished: Promise<CommandResult>;
  private readonly child: ChildProcess;
  private ended = false;

  constructor(entry: string, args: string[], { timeoutMs = 120_000, env = process.env, watchProcesses = false }: EntryOptions) {
    // With the parent-death signal: a test process ended by a signal runs no exit handler.
    const [command, ...rest] = withParentDeathSignal('KILL', process.execPath, [...nodeArguments(entry), ...args]);
    this.child = spawn(command, rest, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env });
    this.pid = this.child.pid!;
    live.add(this.child);
    this.child.stdout!.setEncoding('utf8').on('data', (text: string) => (this.stdout += text));
    this.child.stderr!.setEncoding('utf8').on('data', (text: string) => (this.stderr += text));
    const watcher = watchProcesses ? setInterval(() => this.look(), 100) : undefined;
    this.finished = new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(new Error(`${entry} ${args.join(' ')} did not finish within ${timeoutMs} ms: ${this.stderr}`));
      }, timeoutMs);
      this.child.once('exit', (code) => {
        this.ended = true;
        live.delete(this.child);
        clearInterval(watcher);
        clearTimeout(timer);
        resolve({ code, stdout: this.stdout, stderr: this.stderr });
      });
    });
    // A test that fails before awaiting the run still learns of an overrun through its own checks.
    this.finished.catch(() => undefined);
  }

  /** Polls `probe` until it returns a value (not false or undefined); fails if the command ends first or `timeoutMs` passes. */
  async until<T>(probe: () => T | false | undefined, what: string, timeoutMs = 120_000): Promise<T> {
    for (const deadline = Date.now() + timeoutMs; ; ) {
      const value = probe();
      if (value !== undefined && value !== false) return value;
      if (this.ended) throw new Error(`the command ended before ${what}: ${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${this.stderr}`);
      await sleep(50);
    }
  }

  kill(signal: NodeJS.Signals): void {
    if (!this.ended) this.child.kill(signal);
  }

  /** The seen processes whose command line names `text`, e.g. 'bench/commands/server.'. */
  seenRunning(text: string): SeenProcess[] {
    return [...this.seen.values()].filter((seen) => seen.commandLine.includes(text));
  }

  private look(): void {
    for (const pid of descendantPids(this.pid)) {
      const stat = processStat(pid);
      // The last command line seen, read again at every look: until it execs its program, a child
      // shows its parent's or setpriv's, and a look that fell between fork and exec kept that one.
      if (stat) this.seen.set(pid, { pid, parent: stat.parent, commandLine: commandLine(pid) || (this.seen.get(pid)?.commandLine ?? '') });
    }
  }
}

/** How node starts an entry: the suite's own from build/; a test fixture, which is not built, through tsx. */
function nodeArguments(entry: string): string[] {
  return entry.startsWith('test/') ? ['--import', 'tsx', entry] : [compiledEntry(entry)];
}

/**
 * Starts one of the suite's entry points (a .ts file under bench/, from its compiled build) or a
 * test fixture (test/fixtures/, through tsx), in the project's root, with stdout and stderr captured.
 */
export function startEntry(entry: string, args: string[], options: EntryOptions = {}): EntryRun {
  return new EntryRun(entry, args, options);
}

/** Runs one of the suite's entry points to its end (see startEntry). */
export function runEntry(entry: string, args: string[], options: EntryOptions = {}): Promise<CommandResult> {
  return startEntry(entry, args, options).finished;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** True once check() is, polled every 20 ms; false if it is not within timeoutMs. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<boolean> {
  for (const deadline = performance.now() + timeoutMs; performance.now() < deadline; await sleep(20)) if (await check()) return true;
  return false;
}

/** A process's state letter and parent, from /proc (so no helper process shows up); null once it has gone. */
export function processStat(pid: number): { state: string; parent: number } | null {
  try {
    // Fields after the command name, which sits in parentheses and may hold spaces: state, ppid, ...
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, parent] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: state!, parent: Number(parent) };
  } catch {
    return null;
  }
}

function liveProcesses(): { pid: number; parent: number }[] {
  const live: { pid: number; parent: number }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = processStat(Number(entry));
    if (stat && stat.state !== 'Z') live.push({ pid: Number(entry), parent: stat.parent });
  }
  return live;
}

/** Pids of the live processes whose parent is `pid`. */
export function childPids(pid: number): number[] {
  return liveProcesses()
    .filter((candidate) => candidate.parent === pid)
    .map((candidate) => candidate.pid);
}

/** Pids of every live process under `pid`, children before grandchildren. */
export function descendantPids(pid: number): number[] {
  const live = liveProcesses();
  const found: number[] = [];
  for (let level = [pid]; level.length > 0; ) {
    level = live.filter((candidate) => level.includes(candidate.parent)).map((candidate) => candidate.pid);
    found.push(...level);
  }
  return found;
}

/** The command line of a process, or '' once it has gone. */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** Pids of the live server processes (bench/commands/server.ts, or its build) whose parent is `pid`. */
export function serverPids(pid: number): number[] {
  return childPids(pid).filter((child) => commandLine(child).includes('bench/commands/server.'));
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
