import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Bad input from the user: reported as one line, exit code 2, nothing written. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses argv strictly: an unknown flag or a missing value is a UsageError naming what is accepted. */
export function parseFlags<O extends Options>(argv: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (error) {
    const accepted = Object.keys(options)
      .map((name) => `--${name}`)
      .join(', ');
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new UsageError(`${reason} (accepted: ${accepted})`);
  }
}

/** An integer flag within [min, max]. */
export function parseInteger(flag: string, value: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isInteger(number) || number < min || number > max) {
    throw new UsageError(`--${flag} must be an integer from ${min} to ${max}, got '${value}'`);
  }
  return number;
}

/** One name out of a fixed set. */
export function parseChoice<T extends string>(flag: string, value: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`unknown ${flag} '${value}' (accepted: ${choices.join(', ')})`);
  }
  return value as T;
}

/** A comma list of names out of a fixed set; duplicates kept in order. */
export function parseChoiceList<T extends string>(flag: string, value: string, choices: readonly T[]): T[] {
  const names = value.split(',').map((name) => name.trim());
  if (names.some((name) => name === '')) throw new UsageError(`--${flag} has an empty name in '${value}'`);
  const singular = flag.replace(/ies$/, 'y').replace(/s$/, '');
  return names.map((name) => parseChoice(singular, name, choices));
}

/**
 * Runs a command's main: a UsageError becomes one line on stderr and exit code 2; any other
 * error is printed and exits 1.
 */
export function runCommand(main: () => Promise<number | void>): void {
  main().then(
    (code) => {
      process.exitCode = code ?? 0;
    },
    (error: unknown) => {
      if (error instanceof UsageError) {
        process.stderr.write(`error: ${error.message}\n`);
        process.exitCode = 2;
      } else {
        process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
        process.exitCode = 1;
      }
    },
  );
}

/** A number flag within [min, max], decimals allowed, e.g. minutes. */
export function parseNumber(flag: string, value: string, min: number, max: number, unit: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < min || number > max) {
    throw new UsageError(`--${flag} must be a number of ${unit} from ${min} to ${max}, got '${value}'`);
  }
  return number;
}
