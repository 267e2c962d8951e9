/** `rampart check`: deploy checks over a rampart() config module or a running app's configuration, and the environment. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { configWarnings } from '../core/events.ts';
import type { RampartOptions } from '../preset.ts';
import { choiceFlag, parse, stringFlag, UsageError } from './args.ts';
import { auditFindings, inspectApp } from './check-app.ts';
import { constructionFindings } from './check-construct.ts';
import { checkEnvironment } from './check-env.ts';
import { CHECKS, checkOptions, configWarningFindings, finding } from './check-rules.ts';
import { printable, sortFindings, summarize, type Finding, type Severity } from './findings.ts';
import { toSarif } from './sarif.ts';

export const CHECK_HELP = `Usage: rampart check [--app FILE | --config FILE] [--env NAME] [--env-file FILE]
                     [--fail-on error|warning] [--ignore ID]… [--format text|json|sarif]

Deploy checks (like Django's check --deploy) over your rampart() options and the
process environment. Exit code 0 without findings at the --fail-on level, 1 with, 2 on
usage errors.

  --app FILE       import the app (listening and outgoing connections disabled, in a
                   child process) and check every rampart() shield it builds, its node
                   servers' timeouts, its login routes, cookies and its lockfile (npm audit)
  --config FILE    module whose default export is the rampart() options object (or a
                   function returning it); default ./rampart.config.ts, .mts, .js or .mjs
                   if one exists, else the preset's defaults. A named export
                   \`ignore\` (a list of ids) silences findings
  --env NAME       target environment (default: $NODE_ENV, else production). NODE_ENV is
                   set to it while the config or app loads; deploy-only rules (HSTS,
                   allowedHosts, httpsRedirect) apply when it is production
  --env-file FILE  load environment variables from a .env file first (process.loadEnvFile)
  --fail-on LEVEL  exit 1 on findings at this level or worse: error (default) or warning
  --ignore ID      silence a check id (repeatable; also "rampart": { "ignore": [...] } in
                   package.json)
  --no-audit       with --app: skip npm audit
  --format FORMAT  text (default; coloured on a terminal unless NO_COLOR is set), json,
                   or sarif (SARIF 2.1.0)
  --json           same as --format json
  --list           print every check id with its explanation and exit
`;

const DEFAULT_CONFIGS = ['rampart.config.ts', 'rampart.config.mts', 'rampart.config.js', 'rampart.config.mjs'];

/** What `rampart check` found. */
export interface CheckReport {
  config: string | null;
  /** The app checked with --app, or null. */
  app: string | null;
  environment: string;
  findings: Finding[];
  /** How many findings --ignore / `ignore` silenced. */
  ignored: number;
  summary: Record<'error' | 'warning' | 'info', number>;
}

/** What to check. */
export interface CheckOptions {
  config?: string;
  app?: string;
  environment: string;
  /** Ids to silence (besides the config module's and package.json's). */
  ignore?: readonly string[];
  /** Run npm audit for --app (default true). */
  audit?: boolean;
}

const ID = /^RAMPART-[EWS]\d{3}$/;

/** `W016`, `rampart-w016` → `RAMPART-W016`; a UsageError for anything that is not a check id. */
function checkId(raw: string, where: string): string {
  const id = /^RAMPART-/i.test(raw) ? raw.toUpperCase() : `RAMPART-${raw.toUpperCase()}`;
  if (!ID.test(id) || !CHECKS.some((c) => c.id === id))
    throw new UsageError(`rampart check: ${where} names an unknown check id ${JSON.stringify(raw)}; see rampart check --list.`);
  return id;
}

/** Ids listed under "rampart": { "ignore": [...] } in the nearest package.json at or above `dir`. */
function packageIgnores(dir: string): string[] {
  let file = resolve(dir, 'package.json');
  for (let up = resolve(dir); !existsSync(file); ) {
    const parent = dirname(up);
    if (parent === up) return [];
    up = parent;
    file = resolve(up, 'package.json');
  }
  try {
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { rampart?: { ignore?: unknown } };
    const list = pkg.rampart?.ignore;
    return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string').map((x) => checkId(x, 'package.json rampart.ignore')) : [];
  } catch (err) {
    if (err instanceof UsageError) throw err;
    return [];
  }
}

let configIgnores: string[] = [];

async function loadOptions(file: string, environment: string): Promise<RampartOptions> {
  const previous = process.env.NODE_ENV;
  process.env.NODE_ENV = environment;
  try {
    const mod = (await import(pathToFileURL(file).href)) as { default?: unknown; ignore?: unknown };
    if (mod.ignore !== undefined) {
      if (!Array.isArray(mod.ignore) || mod.ignore.some((x) => typeof x !== 'string'))
        throw new TypeError('the named export ignore must be a list of check ids, e.g. export const ignore = ["RAMPART-W016"].');
      configIgnores = (mod.ignore as string[]).map((x) => checkId(x, `${file} (export ignore)`));
    }
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
export async function runCheck(what: CheckOptions): Promise<CheckReport> {
  const { environment } = what;
  const configPath = what.config;
  const envSnapshot = { ...process.env };
  const production = environment === 'production';
  const findings: Finding[] = [];
  let file: string | undefined;
  let app: string | undefined;
  if (what.app !== undefined) {
    app = resolve(what.app);
    if (!existsSync(app)) throw new UsageError(`rampart check: no app module at ${what.app}.`);
  }
  if (configPath !== undefined) {
    file = resolve(configPath);
    if (!existsSync(file)) throw new UsageError(`rampart check: no config file at ${configPath}.`);
  } else if (app === undefined) {
    file = DEFAULT_CONFIGS.map((name) => resolve(name)).find((p) => existsSync(p));
  }
  const ignores = new Set([...(what.ignore ?? []).map((x) => checkId(x, '--ignore')), ...packageIgnores(app !== undefined ? dirname(app) : process.cwd())]);

  let options: RampartOptions | undefined = app !== undefined && file === undefined ? undefined : {};
  if (file !== undefined) {
    try {
      options = await loadOptions(file, environment);
    } catch (err) {
      options = undefined;
      findings.push(finding('RAMPART-E002', `cannot load ${file}: ${(err as Error)?.message ?? String(err)}`));
    }
  }
  if (options !== undefined) {
    // The warnings go to the report, not to stderr; construction opens no database.
    const silent = process.env.RAMPART_SILENT;
    process.env.RAMPART_SILENT = '1';
    try {
      findings.push(...(await constructionFindings(options)));
    } finally {
      if (silent === undefined) delete process.env.RAMPART_SILENT;
      else process.env.RAMPART_SILENT = silent;
    }
    try {
      findings.push(...checkOptions(options, production));
    } catch {
      // Only reachable when rampart() already threw (E001 says why); the other sections are still checked where possible.
    }
    findings.push(...configWarningFindings(configWarnings(), findings));
  }
  if (app !== undefined) {
    findings.push(...(await inspectApp(app, environment)));
    if (what.audit !== false) findings.push(...(await auditFindings(dirname(app))));
  }
  findings.push(...checkEnvironment(envSnapshot, production));
  for (const id of configIgnores) ignores.add(id);
  const kept = findings.filter((f) => !ignores.has(f.id));
  const sorted = sortFindings(kept);
  return {
    config: file ?? null,
    app: app ?? null,
    environment,
    findings: sorted,
    ignored: findings.length - kept.length,
    summary: summarize(sorted),
  };
}

/** Entry of `rampart check`; returns the exit code. */
export async function checkCommand(argv: readonly string[]): Promise<number> {
  const { values } = parse('check', argv, {
    config: { type: 'string', short: 'c' },
    app: { type: 'string' },
    env: { type: 'string' },
    'env-file': { type: 'string' },
    'fail-on': { type: 'string' },
    ignore: { type: 'string', multiple: true },
    'no-audit': { type: 'boolean' },
    format: { type: 'string', short: 'f' },
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
  const failOn = choiceFlag('check', values, 'fail-on', ['error', 'warning'] as const, 'error');
  const format = values.json === true ? 'json' : choiceFlag('check', values, 'format', ['text', 'json', 'sarif'] as const, 'text');
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
  const config = stringFlag(values, 'config');
  const app = stringFlag(values, 'app');
  const ignore = (values.ignore as unknown as string[] | undefined) ?? [];
  const report = await runCheck({
    environment,
    ignore,
    audit: values['no-audit'] !== true,
    ...(config !== undefined ? { config } : {}),
    ...(app !== undefined ? { app } : {}),
  });
  if (format === 'json') process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else if (format === 'sarif') {
    const fallback = report.app ?? report.config ?? resolve('package.json');
    process.stdout.write(`${JSON.stringify(toSarif('check', CHECKS, report.findings, { root: process.cwd(), fallbackFile: fallback }), null, 2)}\n`);
  } else printReport(report, useColour());
  const failing = report.summary.error + (failOn === 'warning' ? report.summary.warning : 0);
  return failing > 0 ? 1 : 0;
}

/** Colour only on a terminal, never with NO_COLOR (https://no-color.org) or TERM=dumb; FORCE_COLOR forces it. */
export function useColour(stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

const COLOUR: Record<Severity, string> = { error: '\u001b[31m', warning: '\u001b[33m', info: '\u001b[36m' };
const RESET = '\u001b[0m';
const DIM = '\u001b[2m';

function printReport(report: CheckReport, colour: boolean): void {
  const paint = (code: string, text: string): string => (colour && code !== '' ? `${code}${text}${RESET}` : text);
  const out: string[] = [];
  const subject = report.app !== null ? `app ${report.app}` : (report.config ?? 'no config file (preset defaults)');
  out.push(`rampart check: ${subject} — environment ${report.environment}`);
  if (report.findings.length === 0) out.push('', 'No issues found.');
  report.findings.forEach((f, i) => {
    out.push('', `${String(i + 1).padStart(2)}. ${f.id} ${paint(COLOUR[f.severity], `[${f.severity}]`)} ${printable(f.message)}`);
    if (f.hint !== undefined) out.push(`    ${paint(DIM, 'fix:')} ${printable(f.hint)}`);
  });
  const s = report.summary;
  const ignored = report.ignored > 0 ? ` (${report.ignored} ignored)` : '';
  out.push('', `${paint(s.error > 0 ? COLOUR.error : '', `${s.error} error(s)`)}, ${s.warning} warning(s), ${s.info} info${ignored}.`);
  process.stdout.write(`${out.join('\n')}\n`);
}
