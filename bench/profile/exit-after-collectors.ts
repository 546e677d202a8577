/**
 * Preloaded (--import) into a server that npm run profile runs under clinic, and nowhere else.
 *
 * Clinic's collectors (doctor's sampler, bubbleprof's logger) write their last data on
 * 'beforeExit' and then exit the process themselves. The server's shutdown ends with an explicit
 * process.exit, which skips 'beforeExit' and would cut their files short ("premature close").
 * Here that exit emits 'beforeExit' instead and lets the process run on; any exit after
 * 'beforeExit' (the one a collector calls once it has written) goes through.
 */
const exitNow = process.exit.bind(process);
let beforeExitEmitted = false;
process.prependListener('beforeExit', () => {
  beforeExitEmitted = true;
});

function exitAfterCollectors(code?: number | string | null): never {
  if (beforeExitEmitted) return exitNow(code);
  if (typeof code === 'number') process.exitCode = code;
  process.emit('beforeExit', typeof process.exitCode === 'number' ? process.exitCode : 0);
  // Whatever still holds the process must not hold it forever.
  setTimeout(() => exitNow(code), 30_000).unref();
  return undefined as never;
}

process.exit = exitAfterCollectors;
