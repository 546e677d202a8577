/**
 * npm run merge -- a.json b.json ... --out all.json
 *
 * Combines shard result files of one run (split by scenario, each with its own untraced
 * baseline) into one valid result file, written atomically. Shards from different machines merge
 * when each carries its own untraced cells; the merged file says which cells ran where. Refuses,
 * with one line naming the file and exit 2, shards from different commits, software, Node sets or
 * configurations, shards from different machines without their own baselines, and duplicate cells.
 */
import { writeResultFile } from '../common/atomic-write.ts';
import { defineCommand, parseFlags, runCommand, UsageError } from '../common/cli.ts';
import { mergeResults } from '../report/merge.ts';

const COMMAND = defineCommand({
  usage: 'npm run merge -- a.json b.json ... --out all.json',
  positionals: true,
  flags: { out: { type: 'string', value: 'FILE', help: 'where to write the merged result (required)' } },
});

runCommand(async () => {
  const { values, positionals } = parseFlags(process.argv.slice(2), COMMAND);
  if (values.out === undefined) throw new UsageError('--out FILE is required: where to write the merged result');
  if (positionals.length === 0) throw new UsageError('expected the shard result files to merge, e.g. shards/*.json');
  // The reader and the schema library load once the flags are good: bad flags fail fast.
  const [{ readResultFile }, { validateResult }] = await Promise.all([import('../report/read-result.ts'), import('../../results/schema.ts')]);
  const shards = positionals.map((file) => ({ file, result: readResultFile(file) }));

  const merged = mergeResults(shards);
  // Shards that passed the schema and the checks must merge into a valid file; if not, it is our bug.
  writeResultFile(values.out, merged, validateResult, 'results/schema.json');
  process.stdout.write(`merged ${shards.length} files, ${merged.cells.length} cells, into ${values.out}\n`);
});
