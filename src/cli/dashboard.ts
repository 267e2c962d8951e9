/** `rampart dashboard`: a loopback-only HTML view of the SecurityLog, served behind rampart's own preset. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { cspNonce } from '../csp/index.ts';
import { rampart } from '../preset.ts';
import { intFlag, parse, stringFlag, UsageError } from './args.ts';
import { DEFAULT_DATABASE, openLog, type OpenLog } from './database.ts';
import { renderPage, summaryFor, type Summary } from './dashboard-page.ts';

export const DASHBOARD_HELP = `Usage: rampart dashboard [--database DIR|postgres://…] [--port 3001] [--host 127.0.0.1] [--table NAME]

Serve a small security dashboard on a loopback address: events per type over the last
24 h, the top IPs and the latest events, refreshed every 5 s. It runs behind rampart's
preset (security headers, a nonce CSP, a host guard for 127.0.0.1/localhost/[::1], rate
limit, CSRF). Ctrl-C stops it.

  --database  PGlite directory or postgres:// URL (default ${DEFAULT_DATABASE}); an embedded
              PGlite directory admits one process: stop the app or use PostgreSQL
  --port      TCP port (default 3001; 0 picks a free one)
  --host      127.0.0.1 (default), ::1 or localhost; other addresses are refused
  --table     table name (default rampart_security_log)
`;

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const WINDOW_HOURS = 24;

async function summarize(db: OpenLog): Promise<Summary> {
  const since = new Date(Date.now() - WINDOW_HOURS * 3_600_000);
  const [counts, topIps, recent] = [await db.countsByEvent(since), await db.topIps(since, 10), await db.log.getRecent({ limit: 50 })];
  return summaryFor(counts, topIps, recent, WINDOW_HOURS);
}

/** Entry of `rampart dashboard`; resolves with the exit code once stopped by SIGINT/SIGTERM. */
export async function dashboardCommand(argv: readonly string[]): Promise<number> {
  const { values } = parse('dashboard', argv, {
    database: { type: 'string', short: 'd' },
    port: { type: 'string', short: 'p' },
    host: { type: 'string' },
    table: { type: 'string' },
  });
  if (values.help === true) {
    process.stdout.write(DASHBOARD_HELP);
    return 0;
  }
  const host = stringFlag(values, 'host') ?? '127.0.0.1';
  if (!LOOPBACK.has(host))
    throw new UsageError(
      `rampart dashboard: --host must be a loopback address (127.0.0.1, ::1 or localhost), not ${JSON.stringify(host)}: the dashboard has no login.`,
    );
  const port = intFlag('dashboard', values, 'port', 0, 65_535, 3001);
  const database = stringFlag(values, 'database') ?? DEFAULT_DATABASE;
  const db = await openLog('dashboard', database, stringFlag(values, 'table'));

  const shield = rampart({
    allowedHosts: ['127.0.0.1', 'localhost', '[::1]'],
    headers: { csp: { nonce: true, directives: { 'connect-src': ["'self'"], 'img-src': ["'self'"] } } },
    rateLimit: { maxRequests: 600, window: 60 },
    log: false,
  });
  const shown = database.replace(/\/\/[^@/]*@/, '//***@'); // never echo a password from a URL
  const server = http.createServer(
    shield.node(async (req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      try {
        if (req.method !== 'GET' && req.method !== 'HEAD') {
          res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
        } else if (path === '/api/summary') {
          res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify(await summarize(db)));
        } else if (path === '/') {
          const page = renderPage(await summarize(db), cspNonce(req) ?? '', shown);
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(page);
        } else {
          res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
        }
      } catch (err) {
        process.stderr.write(`rampart dashboard: ${(err as Error).message}\n`);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('database error\n');
      }
    }),
  );
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', (err) => reject(new UsageError(`rampart dashboard: cannot listen on ${host}:${port}: ${err.message}`)));
    server.listen(port, host, () => resolveListen());
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  process.stdout.write(`rampart dashboard on http://${urlHost}:${address.port}/ (database ${shown}); Ctrl-C stops it\n`);

  return new Promise<number>((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      server.closeAllConnections();
      server.close(() => {
        void Promise.allSettled([shield.close(), db.close()]).then(() => done(0));
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
