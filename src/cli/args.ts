import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A command-line mistake (unknown command or flag, bad value): printed with a hint, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Options of one command, in node:util parseArgs form. */
export type FlagSpec = NonNullable<ParseArgsConfig['options']>;

/** Parsed flags and positionals of one command. */
export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/**
 * Parse `argv` strictly with node:util parseArgs: unknown flags and missing values become
 * a UsageError naming the command, so `main` can print it and exit 2.
 */
export function parse(command: string, argv: readonly string[], options: FlagSpec, allowPositionals = false): Parsed {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals,
    });
    return { values: values as Parsed['values'], positionals };
  } catch (err) {
    const message = (err as Error).message.replace(/\. To specify a positional argument.*$/s, '.');
    throw new UsageError(`rampart ${command}: ${message}`);
  }
}

/** A flag given as a string (parseArgs guarantees the type for `type: 'string'` flags). */
export function stringFlag(values: Parsed['values'], name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/** An integer flag within [min, max], or the fallback when absent. */
export function intFlag(command: string, values: Parsed['values'], name: string, min: number, max: number, fallback: number): number {
  const raw = stringFlag(values, name);
  if (raw === undefined) return fallback;
  if (!/^\d{1,9}$/.test(raw))
    throw new UsageError(`rampart ${command}: --${name} must be a whole number between ${min} and ${max} (got ${JSON.stringify(raw)}).`);
  const n = Number(raw);
  if (n < min || n > max) throw new UsageError(`rampart ${command}: --${name} must be between ${min} and ${max} (got ${n}).`);
  return n;
}

/** A flag restricted to a fixed set of values. */
export function choiceFlag<T extends string>(command: string, values: Parsed['values'], name: string, allowed: readonly T[], fallback: T): T {
  const raw = stringFlag(values, name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw))
    throw new UsageError(`rampart ${command}: --${name} must be one of ${allowed.join(', ')} (got ${JSON.stringify(raw)}).`);
  return raw as T;
}

/**
 * Find the subcommand in `argv` when options shared by every subcommand come first, as git
 * and npm take global options (`rampart log --database X list`). Only the flags of
 * `globalFlags` (and `-h`/`--help`) may precede the subcommand; their values are skipped, so
 * a value is never read as the subcommand. Scanning stops at any other flag or at `--`:
 * there the arguments are left as given (no guess about whether that flag takes a value).
 * Returns the first word found (a subcommand or not: the caller names an unknown one) and
 * the arguments without it.
 */
export function splitSubcommand(argv: readonly string[], globalFlags: FlagSpec): { sub: string | undefined; rest: string[] } {
  const takesValue = (name: string): boolean | undefined => {
    if (name === 'help') return false;
    const spec = Object.hasOwn(globalFlags, name) ? globalFlags[name] : undefined;
    return spec === undefined ? undefined : spec.type === 'string';
  };
  const longNameOf = (short: string): string | undefined => {
    if (short === 'h') return 'help';
    return Object.keys(globalFlags).find((name) => globalFlags[name]?.short === short);
  };
  let i = 0;
  while (i < argv.length) {
    const token = argv[i]!;
    if (token === '--') break;
    if (token.startsWith('--')) {
      const eq = token.indexOf('=');
      const value = takesValue(token.slice(2, eq === -1 ? undefined : eq));
      if (value === undefined) break;
      i += value && eq === -1 ? 2 : 1;
    } else if (token.startsWith('-') && token.length > 1) {
      const name = longNameOf(token.charAt(1));
      if (name === undefined) break;
      i += takesValue(name) === true && token.length === 2 ? 2 : 1;
    } else {
      return { sub: token, rest: [...argv.slice(0, i), ...argv.slice(i + 1)] };
    }
  }
  return { sub: undefined, rest: [...argv] };
}
