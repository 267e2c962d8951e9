/**
 * `npm audit --json` run in a project directory and read into counts and advisories, for
 * `rampart check --app` and rampart's own CI. npm audit asks the registry's advisory
 * endpoint; when that cannot be reached (offline, a mirror without the endpoint), or there
 * is no lockfile, the result says so instead of failing.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Vulnerability counts by severity, as npm reports them. */
export type AuditCounts = Record<'info' | 'low' | 'moderate' | 'high' | 'critical' | 'total', number>;

/** One vulnerable package of the report. */
export interface AuditAdvisory {
  name: string;
  severity: string;
  title: string;
  url?: string;
  range?: string;
}

/** The outcome of one audit run. */
export type AuditResult =
  | { status: 'ok'; counts: AuditCounts; advisories: AuditAdvisory[] }
  | { status: 'unavailable'; reason: string }
  | { status: 'no-lockfile'; directory: string };

const LOCKFILES = ['package-lock.json', 'npm-shrinkwrap.json'];
const MAX_OUTPUT = 32 * 1_048_576;

/** The nearest directory at or above `start` that holds an npm lockfile. */
export function findLockfileDir(start: string): string | undefined {
  let dir = resolve(start);
  for (let i = 0; i < 40; i++) {
    if (LOCKFILES.some((f) => existsSync(join(dir, f)))) return dir;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
  return undefined;
}

function count(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0;
}

/** Read `npm audit --json` output (report version 2, npm ≥ 7). Anything else is 'unavailable'. */
export function parseAudit(stdout: string): AuditResult {
  let data: unknown;
  try {
    data = JSON.parse(stdout);
  } catch {
    return { status: 'unavailable', reason: 'npm audit printed no JSON report' };
  }
  const report = data as {
    error?: { code?: string; summary?: string; detail?: string };
    message?: string;
    metadata?: { vulnerabilities?: Record<string, unknown> };
    vulnerabilities?: Record<string, { name?: string; severity?: string; range?: string; via?: unknown[] }>;
  };
  const meta = report.metadata?.vulnerabilities;
  if (report.error !== undefined || meta === undefined || typeof meta !== 'object') {
    const why = report.error?.summary || report.message || report.error?.code || 'no report';
    return { status: 'unavailable', reason: String(why).replace(/\s+/g, ' ').slice(0, 200) };
  }
  const counts: AuditCounts = {
    info: count(meta.info),
    low: count(meta.low),
    moderate: count(meta.moderate),
    high: count(meta.high),
    critical: count(meta.critical),
    total: count(meta.total),
  };
  const advisories: AuditAdvisory[] = [];
  for (const [name, v] of Object.entries(report.vulnerabilities ?? {})) {
    const via = Array.isArray(v.via) ? v.via.find((x): x is { title?: string; url?: string } => typeof x === 'object' && x !== null) : undefined;
    advisories.push({
      name: v.name ?? name,
      severity: v.severity ?? 'unknown',
      title: via?.title ?? `depends on a vulnerable package (${(v.via ?? []).filter((x) => typeof x === 'string').join(', ')})`,
      ...(via?.url !== undefined ? { url: via.url } : {}),
      ...(v.range !== undefined ? { range: v.range } : {}),
    });
  }
  const rank: Record<string, number> = { critical: 0, high: 1, moderate: 2, low: 3, info: 4 };
  advisories.sort((a, b) => (rank[a.severity] ?? 5) - (rank[b.severity] ?? 5) || a.name.localeCompare(b.name));
  return { status: 'ok', counts, advisories };
}

/**
 * Run `npm audit --json` (production dependencies only with `omitDev`) in the directory
 * of the nearest lockfile at or above `dir`. Never throws: a missing npm, a timeout or
 * an unreachable endpoint is 'unavailable'.
 */
export function runAudit(dir: string, options: { omitDev?: boolean; timeoutMs?: number } = {}): Promise<AuditResult> {
  const root = findLockfileDir(dir);
  if (root === undefined) return Promise.resolve({ status: 'no-lockfile', directory: resolve(dir) });
  const args = ['audit', '--json', ...(options.omitDev === false ? [] : ['--omit=dev'])];
  return new Promise((done) => {
    let out = '';
    let settled = false;
    const finish = (result: AuditResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      done(result);
    };
    const child = spawn(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, { cwd: root, stdio: ['ignore', 'pipe', 'ignore'], env: process.env });
    const timer = setTimeout(() => {
      child.kill();
      finish({ status: 'unavailable', reason: `npm audit did not answer within ${Math.round((options.timeoutMs ?? 60_000) / 1000)} s` });
    }, options.timeoutMs ?? 60_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (out.length < MAX_OUTPUT) out += d;
    });
    child.on('error', (err) => finish({ status: 'unavailable', reason: `cannot run npm: ${err.message}` }));
    // npm audit exits 1 when it finds vulnerabilities: the JSON decides, not the code.
    child.on('close', () => finish(parseAudit(out)));
  });
}
