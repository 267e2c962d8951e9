#!/usr/bin/env node
/**
 * The `rampart` command: `check`, `scan`, `lint`, `log`, `dashboard`, `keys`.
 * Exit codes: 0 success, 1 findings at error level or a runtime failure, 2 usage errors.
 * @module
 */
import { isRampartError } from '../errors.ts';
import { UsageError } from './args.ts';

export const HELP = `Usage: rampart <command> [options]

Commands:
  check      deploy checks over your rampart() config and the environment (like Django's check --deploy)
  scan       grade a live URL on the MDN HTTP Observatory's scale (score, grade; --min-grade for CI)
  lint       static scan of JS/TS sources: string-built SQL, secrets, eval, XSS sinks, TLS off, Math.random tokens
  log        read a SecurityLog (PGlite directory or PostgreSQL): list, tail --follow, stats, cleanup, export
  dashboard  serve the security dashboard on loopback (sign in with the printed token)
  keys       generate strong secrets, CSRF secrets and Fernet keys

Run 'rampart <command> --help' for a command's options.
Exit codes: 0 ok, 1 error-level findings or failure, 2 usage error.
`;

const COMMANDS = ['check', 'scan', 'lint', 'log', 'dashboard', 'keys'] as const;

async function dispatch(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP);
    return command === undefined ? 2 : 0;
  }
  switch (command) {
    case 'check':
      return (await import('./check.ts')).checkCommand(rest);
    case 'scan':
      return (await import('./scan.ts')).scanCommand(rest);
    case 'lint':
      return (await import('./lint.ts')).lintCommand(rest);
    case 'log':
      return (await import('./log.ts')).logCommand(rest);
    case 'dashboard':
      return (await import('./dashboard.ts')).dashboardCommand(rest);
    case 'keys':
      return (await import('./keys.ts')).keysCommand(rest);
    default: {
      const guess = COMMANDS.find((c) => c.startsWith(command.slice(0, 2)));
      throw new UsageError(
        `rampart: unknown command ${JSON.stringify(command)}${guess !== undefined ? ` (did you mean ${guess}?)` : ''}; commands: ${COMMANDS.join(', ')}. See rampart --help.`,
      );
    }
  }
}

/** Run the CLI with `argv` (without node and script) and return the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    return await dispatch(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    const code = isRampartError(err) ? `${err.code}: ` : '';
    process.stderr.write(`rampart: ${code}${(err as Error)?.message ?? String(err)}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
