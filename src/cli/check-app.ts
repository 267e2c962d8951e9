/**
 * `rampart check --app FILE`: run the app's module in a child process (check-app-child.ts)
 * with listening and outgoing connections disabled, and turn what it reports into
 * findings; plus npm audit over the app's lockfile.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { packageFile } from '../core/package-info.ts';
import { runAudit } from './audit.ts';
import type { AppSnapshot } from './check-app-rules.ts';
import { finding } from './check-rules.ts';
import type { Finding } from './findings.ts';

const TIMEOUT_MS = 30_000;
const MAX_REPORT = 8 * 1_048_576;

function childEntry(): URL {
  // Source runs as .ts (type stripping). In the build this code sits in dist/cli/ or in a
  // shared chunk (dist/chunks/), and the child is the entry dist/cli/check-app-child.js.
  if (import.meta.url.endsWith('.ts')) return new URL('./check-app-child.ts', import.meta.url);
  return packageFile(import.meta.url, ['./check-app-child.js', '../cli/check-app-child.js', './cli/check-app-child.js']);
}

/**
 * Node's permission model for the app's process: files may be read and written (the app's
 * modules, a PGlite SecurityLog on disk), but no worker thread, child process, native addon,
 * WASI or `process.binding()` — none of which the in-process listen/connect stubs could
 * reach. Where Node has `--allow-net` (≥ 25) the network is denied by the runtime too, since
 * it is not granted.
 */
export function permissionFlags(): string[] {
  const flags = process.allowedNodeEnvironmentFlags;
  const permission = flags.has('--permission') ? '--permission' : '--experimental-permission';
  return [permission, '--allow-fs-read=*', '--allow-fs-write=*'];
}

/** What the permission model denied, from an ERR_ACCESS_DENIED message or stack. */
const DENIED: Array<[RegExp, string]> = [
  [/WorkerThreads|--allow-worker/, 'worker threads'],
  [/ChildProcess|--allow-child-process/, 'child processes'],
  [/Addon|--allow-addons|ERR_DLOPEN_DISABLED|native addon/, 'native addons'],
  [/WASI|--allow-wasi/, 'WASI'],
  [/process\.binding|internalBinding/i, 'process.binding()'],
  [/Net|--allow-net/, 'network access'],
];

/** E003 text for an app stopped by the permission model, or undefined when `text` is another failure. */
export function deniedMessage(app: string, text: string): string | undefined {
  if (!/ERR_ACCESS_DENIED|ERR_DLOPEN_DISABLED|Access to this API has been restricted/.test(text)) return undefined;
  const what = DENIED.find(([pattern]) => pattern.test(text))?.[1] ?? 'an API the permission model restricts';
  return (
    `${app} could not be checked: it uses ${what} while being imported, which rampart check --app denies ` +
    "(the app runs under Node's permission model — no worker threads, child processes, native addons, WASI or process.binding — " +
    'and with listening and outgoing connections disabled, so checking it serves and contacts nothing). ' +
    'Start those after import (in a main() the module does not call when imported), or check the options with --config FILE instead.'
  );
}

/** Import `app` in a child process and return the findings over what it built. */
export function inspectApp(app: string, environment: string, timeoutMs = TIMEOUT_MS): Promise<Finding[]> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [...permissionFlags(), fileURLToPath(childEntry()), app, environment], {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      env: { ...process.env, NODE_ENV: environment },
    });
    let report = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      done([
        finding('RAMPART-E003', `${app} did not finish loading within ${timeoutMs / 1000} s (does it wait for a connection or for input at import time?).`),
      ]);
    }, timeoutMs);
    const fd3 = child.stdio[3] as NodeJS.ReadableStream;
    fd3.setEncoding('utf8');
    fd3.on('data', (d: string) => {
      if (report.length < MAX_REPORT) report += d;
    });
    // The app's own output is not part of the check; the tail of stderr explains a crash.
    child.stdout?.resume();
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      stderr = (stderr + d).slice(-2000);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      let snapshot: AppSnapshot;
      try {
        snapshot = JSON.parse(report) as AppSnapshot;
      } catch {
        const denied = deniedMessage(app, stderr);
        const why = stderr.trim().split('\n').slice(-3).join(' ').slice(0, 400);
        done([finding('RAMPART-E003', denied ?? `${app} could not be checked: the process exited with code ${code}${why !== '' ? ` (${why})` : ''}.`)]);
        return;
      }
      const out = [...snapshot.findings];
      if (snapshot.loadError !== undefined)
        out.push(finding('RAMPART-E003', deniedMessage(app, snapshot.loadError) ?? `importing ${app} threw ${snapshot.loadError}`));
      if (snapshot.shields === 0 && snapshot.loadError === undefined)
        out.push(
          finding(
            'RAMPART-W031',
            `${app} built no rampart() shield when imported.`,
            undefined,
            'construct the shield at module level (const shield = rampart({...})), or check a config module with --config.',
          ),
        );
      done(out);
    });
  });
}

/** W032 from npm audit over the lockfile at or above `dir`. */
export async function auditFindings(dir: string): Promise<Finding[]> {
  const result = await runAudit(dir);
  if (result.status === 'no-lockfile')
    return [
      finding(
        'RAMPART-W032',
        `No package-lock.json at or above ${result.directory}: dependencies were not audited.`,
        'info',
        'commit a lockfile (npm install writes one).',
      ),
    ];
  if (result.status === 'unavailable')
    return [
      finding(
        'RAMPART-W032',
        `npm audit could not run: ${result.reason}. Dependencies were not audited.`,
        'info',
        'run npm audit --omit=dev where the registry is reachable (CI).',
      ),
    ];
  const { high, critical } = result.counts;
  if (high + critical === 0) return [];
  const top = result.advisories
    .filter((a) => a.severity === 'high' || a.severity === 'critical')
    .slice(0, 5)
    .map((a) => `${a.name} (${a.severity}: ${a.title}${a.url !== undefined ? ` ${a.url}` : ''})`);
  return [
    finding(
      'RAMPART-W032',
      `npm audit: ${critical} critical and ${high} high advisories in production dependencies: ${top.join('; ')}.`,
      undefined,
      'npm audit fix, or update the packages named; npm audit --omit=dev lists them all.',
    ),
  ];
}
