import { build } from '../common/build.ts';
import { defineCommand, parseFlags, runCommand } from '../common/cli.ts';

/** npm run build (also run by `npm ci` through `prepare`): compiles the sources into build/. */
runCommand(async () => {
  parseFlags(process.argv.slice(2), defineCommand({ usage: 'npm run build', flags: {} }));
  build();
  process.stdout.write('built build/\n');
});
