/**
 * `rampart dashboard`: the dashboard of rampart/dashboard over a SecurityLog database, on a
 * loopback address, behind rampart's own preset (host guard against DNS rebinding, CSRF, rate
 * limit). It is never open: a token is printed at start (or taken from RAMPART_DASHBOARD_TOKEN).
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { dashboard } from '../dashboard/index.ts';
import { checkTokenStrength } from '../dashboard/auth.ts';
import { rampart } from '../preset.ts';
import { displayDatabase } from '../stores/database-display.ts';
import { intFlag, parse, stringFlag, UsageError } from './args.ts';
import { cliDatabase, DEFAULT_DATABASE } from './database.ts';

export const DASHBOARD_HELP = `Usage: rampart dashboard [--database DIR|postgres://…] [--port 3001] [--host 127.0.0.1] [--table NAME]

Serve the security dashboard (the same page as dashboard() of rampart/dashboard) on a loopback
address: events over time by type, top IPs, rejections by status, the latest events, updated
live. Sign in with the token printed at start (set RAMPART_DASHBOARD_TOKEN to choose it; at
least 24 characters), or send it as Authorization: Bearer. It runs behind rampart's preset
(host guard for 127.0.0.1/localhost/[::1], CSRF, rate limit) and reads without writing (a
PostgreSQL role with SELECT is enough). Ctrl-C stops it.

  --database  PGlite directory or postgres:// URL (default ${DEFAULT_DATABASE}). An embedded PGlite
              admits one process: while the app runs, mount dashboard() in the app instead
  --port      TCP port (default 3001; 0 picks a free one)
  --host      127.0.0.1 (default), ::1 or localhost; other addresses are refused
  --table     table name (default rampart_security_log)
`;

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const MOUNT = '/_rampart';

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
      `rampart dashboard: --host must be a loopback address (127.0.0.1, ::1 or localhost), not ${JSON.stringify(host)}; to share it, mount dashboard() in your app behind TLS.`,
    );
  const port = intFlag('dashboard', values, 'port', 0, 65_535, 3001);
  const database = stringFlag(values, 'database') ?? DEFAULT_DATABASE;
  const table = stringFlag(values, 'table') ?? 'rampart_security_log';
  cliDatabase('dashboard', database, table);
  const fromEnv = process.env.RAMPART_DASHBOARD_TOKEN;
  if (fromEnv !== undefined) {
    // Refused before anything opens, with the shared secret check dashboard() applies.
    try {
      checkTokenStrength(fromEnv, 'RAMPART_DASHBOARD_TOKEN');
    } catch (error) {
      throw new UsageError(`rampart dashboard: ${(error as Error).message} (\`rampart keys\` makes one)`);
    }
  }
  const token = fromEnv ?? randomBytes(32).toString('base64url');
  const shown = displayDatabase(database); // never a password, from the userinfo or the query

  const dash = dashboard({ log: database, table, auth: { token }, path: MOUNT, label: shown });
  const shield = rampart({
    allowedHosts: ['127.0.0.1', 'localhost', '[::1]'],
    rateLimit: { maxRequests: 600, window: 60 },
    // What the preset runs without a secret, chosen here so the user is not told about our
    // own configuration: Fetch-Metadata/Origin checks (the dashboard's sign-in is its token).
    csrf: { mode: 'origin' },
    log: false,
  });
  const server = http.createServer(
    shield.node((req, res) =>
      dash.node(req, res, () => {
        // Outside the dashboard: the root leads to it, anything else is unknown.
        if ((req.url ?? '/').split('?')[0] === '/') res.writeHead(303, { location: MOUNT }).end();
        else res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      }),
    ),
  );
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', (err) => reject(new UsageError(`rampart dashboard: cannot listen on ${host}:${port}: ${err.message}`)));
    server.listen(port, host, () => resolveListen());
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  process.stdout.write(
    `rampart dashboard on http://${urlHost}:${address.port}${MOUNT} (database ${shown}); Ctrl-C stops it\n` +
      (fromEnv === undefined ? `sign in with the token: ${token}\n` : 'sign in with the token in RAMPART_DASHBOARD_TOKEN\n'),
  );

  return new Promise<number>((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      server.closeAllConnections();
      server.close(() => {
        void Promise.allSettled([shield.close(), dash.close()]).then(() => done(0));
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
