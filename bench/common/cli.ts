import { parseArgs } from 'node:util';

/** Bad input from the user: reported as one line, exit code 2, nothing written. */
export class UsageError extends Error {}

/** One flag of a command: what parseArgs needs, and its line of --help. */
export interface Flag {
  type: 'string' | 'boolean';
  /** The flag may be given more than once; its value is then the list of all. */
  multiple?: boolean;
  /** Set by parseArgs when the flag is absent; --help shows a string one. */
  default?: string | boolean;
  /** The value's name in --help, e.g. N, FILE, a,b. */
  value?: string;
  /** What the flag does and the values it accepts, briefly. */
  help: string;
  /** An integer flag's range, [min, max] (max: none when left out); see parseIntegerFlag. */
  integer?: readonly [min: number, max?: number];
  /** The default in words, where the command, not parseArgs, supplies it. */
  defaultText?: string;
}

/** A command's flags and how it is called: parsed from, and --help printed from, this one place. */
export interface CommandLine<F extends Record<string, Flag>> {
  /** How it is called, e.g. 'npm run compare -- BASE.json HEAD.json [flags]'. */
  usage: string;
  flags: F;
  /** Whether it takes arguments besides its flags (file names). */
  positionals?: boolean;
}

/** A command's declaration, typed for parseFlags and parseIntegerFlag. */
export function defineCommand<F extends Record<string, Flag>>(command: CommandLine<F>): CommandLine<F> {
  return command;
}

const HELP_FLAGS = ['--help', '-h'];

/**
 * Parses argv strictly: an unknown flag or a missing value is a UsageError naming what is accepted.
 * --help or -h anywhere before `--` prints the usage to stdout and exits 0, whatever else is given.
 */
export function parseFlags<F extends Record<string, Flag>>(argv: string[], command: CommandLine<F>) {
  const end = argv.indexOf('--');
  if ((end === -1 ? argv : argv.slice(0, end)).some((arg) => HELP_FLAGS.includes(arg))) {
    process.stdout.write(usageText(command));
    process.exit(0);
  }
  try {
    return parseArgs({ args: argv, options: command.flags, strict: true, allowPositionals: command.positionals ?? false });
  } catch (error) {
    const accepted = [...Object.keys(command.flags).map((name) => `--${name}`), '--help'].join(', ');
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new UsageError(`${reason} (accepted: ${accepted})`);
  }
}

/** The usage line, then one line per flag (its value, what it takes, its default), then --help's. */
export function usageText<F extends Record<string, Flag>>(command: CommandLine<F>): string {
  const rows: [string, string][] = Object.entries(command.flags).map(([name, flag]) => {
    const range = flag.integer ? `, ${integerRange(...flag.integer)}` : '';
    const fallback = flag.defaultText ?? (typeof flag.default === 'string' ? flag.default : undefined);
    return [`--${name}${flag.value ? ` ${flag.value}` : ''}`, `${flag.help}${range}${fallback === undefined ? '' : ` (default: ${fallback})`}`];
  });
  rows.push(['-h, --help', 'print this help and exit']);
  const width = Math.max(...rows.map(([left]) => left.length));
  return [`usage: ${command.usage}`, ...rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`)].join('\n') + '\n';
}

function integerRange(min: number, max = Number.MAX_SAFE_INTEGER): string {
  return `an integer from ${min} to ${max}`;
}

/** An integer flag within [min, max]. */
export function parseInteger(flag: string, value: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isInteger(number) || number < min || number > max) {
    throw new UsageError(`--${flag} must be ${integerRange(min, max)}, got '${value}'`);
  }
  return number;
}

/** The flags of F that declare an integer range. */
type IntegerFlagName<F extends Record<string, Flag>> = { [K in keyof F & string]: F[K] extends { integer: readonly number[] } ? K : never }[keyof F & string];

/** An integer flag within the range its declaration gives (so --help and the check agree). */
export function parseIntegerFlag<F extends Record<string, Flag>>(command: CommandLine<F>, name: IntegerFlagName<F>, value: string): number {
  const range = (command.flags[name] as Flag | undefined)?.integer;
  if (!range) throw new Error(`--${name} declares no integer range`);
  return parseInteger(name, value, ...range);
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
