/** One line per trial: rewritten in place on a terminal, plain lines elsewhere (CI logs). */
export class Progress {
  private readonly started = performance.now();
  private readonly tty: boolean;

  constructor(
    private readonly total: number,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {
    this.tty = Boolean(out.isTTY);
  }

  /** A trial is about to run; `done` trials have finished. */
  trialStarts(done: number, what: string): void {
    if (!this.tty) return;
    this.out.write(`\r\x1b[K[${done + 1}/${this.total}] ${what}  elapsed ${clock(this.elapsedMs())}  ETA ${this.eta(done)}`);
  }

  /** A trial finished (or failed) with a short note of what it measured. */
  trialEnds(done: number, what: string, note: string): void {
    const line = `[${done}/${this.total}] ${what}: ${note}  (elapsed ${clock(this.elapsedMs())}, ETA ${this.eta(done)})`;
    this.out.write(this.tty ? `\r\x1b[K${line}\n` : `${line}\n`);
  }

  message(text: string): void {
    this.out.write(this.tty ? `\r\x1b[K${text}\n` : `${text}\n`);
  }

  private elapsedMs(): number {
    return performance.now() - this.started;
  }

  private eta(done: number): string {
    if (done === 0) return '?';
    return clock((this.elapsedMs() / done) * (this.total - done));
  }
}

function clock(ms: number): string {
  const seconds = Math.round(ms / 1000);
  const minutes = Math.floor(seconds / 60);
  return minutes > 0 ? `${minutes}m${String(seconds % 60).padStart(2, '0')}s` : `${seconds}s`;
}
