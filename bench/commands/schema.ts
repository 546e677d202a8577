import { join } from 'node:path';
import { PROJECT_ROOT } from '../common/build.ts';
import { writeFileAtomic } from '../common/atomic-write.ts';
import { defineCommand, parseFlags, runCommand } from '../common/cli.ts';
import { resultJsonSchemaText } from '../../results/schema.ts';
import { soakJsonSchemaText } from '../../results/soak-schema.ts';

/**
 * Regenerates results/schema.json (the load result) and results/soak-schema.json (the memory
 * soak) from their TypeBox schemas (`npm run schema`); commit the output.
 */
runCommand(async () => {
  parseFlags(process.argv.slice(2), defineCommand({ usage: 'npm run schema', flags: {} }));
  for (const [name, text] of [
    ['schema.json', resultJsonSchemaText()],
    ['soak-schema.json', soakJsonSchemaText()],
  ] as const) {
    const path = join(PROJECT_ROOT, 'results', name);
    writeFileAtomic(path, text);
    process.stdout.write(`wrote ${path}\n`);
  }
});
