import { build, buildIfStale } from '../common/build.ts';
import { defineCommand, parseFlags, runCommand } from '../common/cli.ts';

const COMMAND = defineCommand({
  usage: 'npm run build [-- --if-stale]',
  flags: { 'if-stale': { type: 'boolean', default: false, help: 'build only when a source is newer than the build (npm test)' } },
});

/** npm run build (also run by `npm ci` through `prepare`): compiles the sources into build/. */
runCommand(async () => {
  const { values } = parseFlags(process.argv.slice(2), COMMAND);
  if (!values['if-stale']) build();
  else if (!buildIfStale()) {
    process.stdout.write('build/ is up to date\n');
    return;
  }
  process.stdout.write('built build/\n');
});
