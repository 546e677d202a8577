import { readFileSync } from 'node:fs';

/** This process's read syscalls and the bytes they returned, from /proc/self/io; null where there is no /proc. */
export interface ReadCounters {
  bytes: number;
  syscalls: number;
}

/**
 * rchar and syscr of /proc/self/io. They count read(2), readv(2) and pread(2), which libuv uses
 * for TCP streams, so over a trial's window they give the bytes per read of the harness process:
 * the load generator, the probe client and the sink together (one process; they cannot be told
 * apart from outside, and autocannon exposes no count of its own reads).
 */
export function readCounters(): ReadCounters | null {
  let text: string;
  try {
    text = readFileSync('/proc/self/io', 'utf8');
  } catch {
    return null;
  }
  const field = (name: string): number | null => {
    const match = new RegExp(`^${name}: (\\d+)$`, 'm').exec(text);
    return match ? Number(match[1]) : null;
  };
  const bytes = field('rchar');
  const syscalls = field('syscr');
  return bytes === null || syscalls === null ? null : { bytes, syscalls };
}

/** Bytes per read between two readings; null without both or without a read. */
export function bytesPerRead(before: ReadCounters | null, after: ReadCounters | null): number | null {
  if (!before || !after) return null;
  const reads = after.syscalls - before.syscalls;
  return reads > 0 ? (after.bytes - before.bytes) / reads : null;
}
