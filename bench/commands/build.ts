import { build } from '../common/build.ts';

/** npm run build (also run by `npm ci` through `prepare`): compiles the sources into build/. */
build();
process.stdout.write('built build/\n');
