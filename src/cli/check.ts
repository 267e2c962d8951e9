/** `rampart check`: deploy checks over a rampart() config module and the environment. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { configWarnings } from '../core/events.ts';
import { isRampartError } from '../errors.ts';
import { rampart, type RampartOptions } from '../preset.ts';
import { parse, stringFlag, UsageError } from './args.ts';
import { checkEnvironment } from './check-env.ts';
import { CHECKS, checkOptions, configWarningFindings, finding } from './check-rules.ts';
import { printable, sortFindings, summarize, type Finding } from './findings.ts';

export const CHECK_HELP = `Usage: rampart check [--config FILE] [--env NAME] [--env-file FILE] [--json]

Deploy checks (like Django's check --deploy) over your rampart() options and the
process environment. Exit code 0 without error-level findings, 1 with, 2 on usage errors.

  --config FILE    module whose default export is the rampart() options object (or a
                   function returning it); default ./rampart.config.ts, .mts, .js or .mjs
                   if one exists, else the preset's defaults
  --env NAME       target environment (default: $NODE_ENV, else production). NODE_ENV is
                   set to it while the config loads; deploy-only rules (HSTS,
                   allowedHosts, httpsRedirect) apply when it is production
  --env-file FILE  load environment variables from a .env file first (process.loadEnvFile)
  --json           machine-readable output
  --list           print every check id with its explanation and exit
`;

const DEFAULT_CONFIGS = ['rampart.config.ts', 'rampart.config.mts', 'rampart.config.js', 'rampart.config.mjs'];

/** What `rampart check` found. */
export interface CheckReport {
  config: string | null;
  environment: string;
  findings: Finding[];
  summary: Record<'error' | 'warning' | 'info', number>;
}

async function loadOptions(file: string, environment: string): Promise<RampartOptions> {
  const previous = process.env.NODE_ENV;
  process.env.NODE_ENV = environment;
  try {
    const mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
    let value = mod.default;
    if (typeof value === 'function') value = await (value as (env: string) => unknown)(environment);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new TypeError(
        `the default export must be the rampart() options object or a function returning it (got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}).`,
      );
    }
    return value as RampartOptions;
  } finally {
    if (previous === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = previous;
  }
}

/** Run every check and build the report (no printing). */
export async function runCheck(configPath: string | undefined, environment: string): Promise<CheckReport> {
  const envSnapshot = { ...process.env };
  const production = environment === 'production';
  const findings: Finding[] = [];
  let file: string | undefined;
  if (configPath !== undefined) {
    file = resolve(configPath);
    if (!existsSync(file)) throw new UsageError(`rampart check: no config file at ${configPath}.`);
  } else {
    file = DEFAULT_CONFIGS.map((name) => resolve(name)).find((p) => existsSync(p));
  }

  let options: RampartOptions | undefined = {};
  if (file !== undefined) {
    try {
      options = await loadOptions(file, environment);
    } catch (err) {
      options = undefined;
      findings.push(finding('RAMPART-E002', `cannot load ${file}: ${(err as Error)?.message ?? String(err)}`));
    }
  }
  if (options !== undefined) {
    // The warnings go to the report, not to stderr; log: false keeps construction free of I/O.
    const silent = process.env.RAMPART_SILENT;
    process.env.RAMPART_SILENT = '1';
    try {
      const shield = rampart({ ...options, log: false });
      await shield.close();
    } catch (err) {
      if (isRampartError(err)) findings.push(finding('RAMPART-E001', `${err.code}: ${err.message}`));
      else findings.push(finding('RAMPART-E001', `rampart() threw ${(err as Error)?.name ?? 'an error'}: ${(err as Error)?.message ?? String(err)}`));
    } finally {
      if (silent === undefined) delete process.env.RAMPART_SILENT;
      else process.env.RAMPART_SILENT = silent;
    }
    try {
      findings.push(...checkOptions(options, production));
    } catch {
      // Only reachable when rampart() already threw (E001 says why); the other sections are still checked where possible.
    }
    findings.push(...configWarningFindings(configWarnings()));
  }
  findings.push(...checkEnvironment(envSnapshot, production));
  const sorted = sortFindings(findings);
  return { config: file ?? null, environment, findings: sorted, summary: summarize(sorted) };
}

/** Entry of `rampart check`; returns the exit code. */
export async function checkCommand(argv: readonly string[]): Promise<number> {
  const { values } = parse('check', argv, {
    config: { type: 'string', short: 'c' },
    env: { type: 'string' },
    'env-file': { type: 'string' },
    json: { type: 'boolean' },
    list: { type: 'boolean' },
  });
  if (values.help === true) {
    process.stdout.write(CHECK_HELP);
    return 0;
  }
  if (values.list === true) {
    for (const c of CHECKS) process.stdout.write(`${c.id}  ${c.severity.padEnd(7)}  ${c.title}\n`);
    return 0;
  }
  const envFile = stringFlag(values, 'env-file');
  if (envFile !== undefined) {
    try {
      process.loadEnvFile(envFile);
    } catch (err) {
      throw new UsageError(`rampart check: cannot read --env-file ${envFile}: ${(err as Error).message}`);
    }
  }
  const environment = stringFlag(values, 'env') ?? process.env.NODE_ENV ?? 'production';
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(environment))
    throw new UsageError(`rampart check: --env must be a name like production or staging (got ${JSON.stringify(environment)}).`);
  const report = await runCheck(stringFlag(values, 'config'), environment);
  if (values.json === true) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else printReport(report);
  return report.summary.error > 0 ? 1 : 0;
}

function printReport(report: CheckReport): void {
  const out: string[] = [];
  out.push(`rampart check: ${report.config ?? 'no config file (preset defaults)'} — environment ${report.environment}`);
  if (report.findings.length === 0) out.push('', 'No issues found.');
  report.findings.forEach((f, i) => {
    out.push('', `${String(i + 1).padStart(2)}. ${f.id} [${f.severity}] ${printable(f.message)}`);
    if (f.hint !== undefined) out.push(`    fix: ${printable(f.hint)}`);
  });
  const s = report.summary;
  out.push('', `${s.error} error(s), ${s.warning} warning(s), ${s.info} info.`);
  process.stdout.write(`${out.join('\n')}\n`);
}
