import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../bench/atomic-write.ts';
import { resultJsonSchemaText } from './schema.ts';

/** Regenerates results/schema.json from the TypeBox schemas (`npm run schema`); commit the output. */
const schemaJsonPath = fileURLToPath(new URL('./schema.json', import.meta.url));
writeFileAtomic(schemaJsonPath, resultJsonSchemaText());
process.stdout.write(`wrote ${schemaJsonPath}\n`);
