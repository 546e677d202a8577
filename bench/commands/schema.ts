import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../common/atomic-write.ts';
import { resultJsonSchemaText } from '../../results/schema.ts';
import { soakJsonSchemaText } from '../../results/soak-schema.ts';

/**
 * Regenerates results/schema.json (the load result) and results/soak-schema.json (the memory
 * soak) from their TypeBox schemas (`npm run schema`); commit the output.
 */
for (const [name, text] of [
  ['schema.json', resultJsonSchemaText()],
  ['soak-schema.json', soakJsonSchemaText()],
] as const) {
  const path = fileURLToPath(new URL(`../../results/${name}`, import.meta.url));
  writeFileAtomic(path, text);
  process.stdout.write(`wrote ${path}\n`);
}
