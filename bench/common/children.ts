import { type ChildProcess, spawn, type SpawnOptions } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { getPriority } from 'node:os';

/**
 * Every child process the suite starts (servers, micro-benchmark lifecycles, clinic), in one
 * registry, so that no exit path of the harness leaves one behind. Three layers:
 * - Ctrl-C and fatal errors: stopAllChildren() asks each to stop, then kills it.
 * - Any exit of the harness: every child still registered gets SIGKILL.
 * - The harness killed outright (SIGKILL, OOM): the parent-death signal each child is spawned with.
 * SIGKILL ends a stopped (SIGSTOP, frozen) process too; a polite stop sends SIGCONT first, since a
 * stopped process would hold SIGTERM pending forever.
 */

/**
 * `setpriv --pdeathsig KILL` (util-linux) where it exists: the kernel sends SIGKILL to the child
 * when the harness dies, even by SIGKILL, even while the child is frozen (a stopped process cannot
 * see its IPC channel close, but SIGKILL reaches it). setpriv execs the program, so the child
 * keeps the pid the harness spawned. The signal reaches the child alone, not what it starts.
 */
const SETPRIV = '/usr/bin/setpriv';
const HAS_SETPRIV = existsSync(SETPRIV);

/** The command line that runs a program with a parent-death signal, where setpriv exists. */
export function withParentDeathSignal(signal: 'KILL' | 'TERM', command: string, args: readonly string[]): [string, ...string[]] {
  return HAS_SETPRIV ? [SETPRIV, '--pdeathsig', signal, command, ...args] : [command, ...args];
}

/** The children still running, and the process groups not yet released (see spawnChild). */
const live = new Set<ChildProcess>();
/** Children spawned `detached`: each leads a process group, signalled as a whole. */
const groups = new WeakSet<ChildProcess>();

process.once('exit', killAllChildren);

/**
 * spawn(), registered and with the parent-death signal. A `detached` child leads its own process
 * group: every signal goes to the whole group, and the group stays registered after its leader
 * exits (what it started may still run) until killChild() releases it. It keeps this process's
 * CPU priority (see keepNiceness).
 */
export function spawnChild(command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  const [file, ...rest] = withParentDeathSignal('KILL', command, args);
  const child = spawn(file, rest, options);
  live.add(child);
  if (options.detached) {
    groups.add(child);
    keepNiceness(child);
  } else {
    // 'close' follows both an exit and a failure to start.
    child.once('close', () => live.delete(child));
  }
  return child;
}

/**
 * A detached child leads a new session, and Linux (autogroup) schedules each session as one group
 * at nice 0, whatever its processes' own nice: under a niced caller (npm test's parallel files, at
 * nice 19) it would take a full share of the CPU from the caller's session. Its group gets this
 * process's nice. Where there is no autogroup, or the child has already gone, nothing changes.
 */
function keepNiceness(child: ChildProcess): void {
  const nice = getPriority();
  if (nice <= 0 || !child.pid) return;
  try {
    writeFileSync(`/proc/${child.pid}/autogroup`, String(nice));
  } catch {
    // no autogroup on this kernel, or the child has exited
  }
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Sends a signal to the child, or to its whole process group; nothing once it has gone. */
export function signalChild(child: ChildProcess, signal: NodeJS.Signals): void {
  if (!groups.has(child)) {
    if (!hasExited(child)) child.kill(signal);
    return;
  }
  if (!child.pid) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is empty: everything in it has exited
  }
}

/** SIGKILL now (a frozen child dies too); a process group is killed whole and released. */
export function killChild(child: ChildProcess): void {
  signalChild(child, 'SIGKILL');
  live.delete(child);
}

/** SIGKILL to every registered child: an exit path that cannot wait. */
export function killAllChildren(): void {
  for (const child of live) killChild(child);
}

/**
 * SIGCONT (for a frozen child), SIGTERM, then SIGKILL if it has not exited within the grace
 * period; resolves once it has exited.
 */
export function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (hasExited(child)) {
    if (groups.has(child)) killChild(child);
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => killChild(child), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      if (groups.has(child)) killChild(child);
      resolve();
    });
    signalChild(child, 'SIGCONT');
    signalChild(child, 'SIGTERM');
  });
}

/** Stops every registered child (Ctrl-C, fatal errors, the end of a test file). */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...live].map((child) => stopChild(child)));
}
