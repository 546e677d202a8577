/**
 * A fixed piece of server-like work (objects, strings, JSON, maps: allocation and GC, as a request
 * costs), timed run after run in CPU time. Run as a child on the server core by noise-floor.ts:
 * prints the CPU milliseconds of each run as a JSON array. It runs compiled, and refuses a stale build.
 */
import { staleCompiledBuild } from '../common/build.ts';

const stale = staleCompiledBuild(import.meta.url);
if (stale) {
  process.stderr.write(`the compiled reference work is stale: ${stale} (run: npm run build)\n`);
  process.exit(2);
}

/** Iterations per run: about 70 ms of CPU on a 2020s server core. */
const ITERATIONS = 40_000;
const WARM_UP_RUNS = 3;

function work(iterations: number): number {
  const seen = new Map<string, { id: number; tags: string[] }>();
  let bytes = 0;
  for (let index = 0; index < iterations; index += 1) {
    const record = { id: index, name: `span-${index % 997}`, tags: [`route:${index % 13}`, `status:${index % 3}`] };
    const text = JSON.stringify(record);
    bytes += text.length;
    const parsed = JSON.parse(text) as { id: number; name: string; tags: string[] };
    seen.set(parsed.name, { id: parsed.id, tags: parsed.tags });
    if (seen.size > 500) seen.clear();
  }
  return bytes;
}

const runs = Number(process.argv[2] ?? 20);
let sink = 0;
for (let run = 0; run < WARM_UP_RUNS; run += 1) sink += work(ITERATIONS);
const cpuMs: number[] = [];
for (let run = 0; run < runs; run += 1) {
  const before = process.cpuUsage();
  sink += work(ITERATIONS);
  const spent = process.cpuUsage(before);
  cpuMs.push((spent.user + spent.system) / 1000);
}
// The byte count keeps the work from being optimised away.
process.stdout.write(`${JSON.stringify({ cpuMs, bytes: sink })}\n`);
