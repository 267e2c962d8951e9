/**
 * The rampart demo: a small real app on http://127.0.0.1:3000 behind the full default
 * stack, logging every security event to embedded PGlite on disk (./data/security).
 *
 *   npm start            (PORT and CSRF_SECRET may be set in the environment)
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { rampart, csrfToken, cspNonce, clientIp, escapeHtml, jsonForScript } from '../../src/index.ts';
import { SecurityLog, SecurityEvent, setSecurityLog } from '../../src/log/index.ts';
import { hashPassword, verifyPassword } from '../../src/auth/index.ts';

const port = Number(process.env.PORT ?? 3000);
const host = '127.0.0.1';
const csrfSecret = process.env.CSRF_SECRET ?? randomBytes(32).toString('base64url');

const log = new SecurityLog({ database: process.env.RAMPART_DEMO_DB ?? './data/security' });
setSecurityLog(log);
// Opening embedded PostgreSQL takes a moment on first run; events queue meanwhile.
const logReady = log.ensureTable().then(
  () => console.log('security log ready'),
  (error: unknown) => console.error('security log unavailable:', error),
);

const shield = rampart({
  allowedHosts: [host, 'localhost'],
  headers: { csp: { directives: { 'default-src': ["'self'"], 'script-src': ["'self'"], 'style-src': ["'self'"] }, nonce: true, reportUri: '/csp-report' } },
  cors: { origins: ['http://localhost:5173'] },
  rateLimit: { maxRequests: 120, window: 60, rules: [{ match: { method: 'POST', path: '/login' }, maxRequests: 5, window: 60 }] },
  csrf: { secret: csrfSecret },
  compression: true,
  log,
});

// One demo account. The hash is computed at start-up, never stored in the source.
const demoUser = { id: 1, email: 'demo@example.com', hash: await hashPassword('correct horse battery staple') };
const comments: string[] = [];

function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

function page(req: http.IncomingMessage, body: string): string {
  const nonce = cspNonce(req) ?? '';
  const token = escapeHtml(csrfToken(req) ?? '');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>rampart demo</title>
<style nonce="${nonce}">body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}form{margin:1rem 0;padding:1rem;border:1px solid #ccc;border-radius:6px}input{margin:.25rem 0}code{background:#f4f4f4;padding:0 .25rem}li{word-break:break-all}</style>
</head><body>
<h1>rampart demo</h1>
<p>Every response carries security headers and a per-request CSP nonce; cross-site form posts are refused;
the login is rate limited; every security decision is written to the SecurityLog (<a href="/security">see it</a>).</p>
${body.replaceAll('{{csrf}}', token)}
<script nonce="${nonce}">window.demo = ${jsonForScript({ comments: comments.length, note: '</script><b>not markup</b>' })};</script>
</body></html>`;
}

function send(res: http.ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
}

async function app(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', `http://${host}`);
  if (req.method === 'GET' && url.pathname === '/') {
    const list = comments.map((c) => `<li>${escapeHtml(c)}</li>`).join('');
    return send(
      res,
      200,
      'text/html; charset=utf-8',
      page(
        req,
        `
<form method="post" action="/comments"><input type="hidden" name="_csrf_token" value="{{csrf}}">
<label>Comment (HTML is escaped) <input name="text" maxlength="500" required></label> <button>Post</button></form>
<ul>${list}</ul>
<form method="post" action="/login"><input type="hidden" name="_csrf_token" value="{{csrf}}">
<h2>Log in</h2><p>demo@example.com / <code>correct horse battery staple</code> — 5 attempts a minute.</p>
<input name="email" type="email" placeholder="email" required><br><input name="password" type="password" placeholder="password" required><br><button>Log in</button></form>
<p>JSON API: <a href="/api/items">/api/items</a></p>`,
      ),
    );
  }
  if (req.method === 'POST' && url.pathname === '/comments') {
    const form = await readForm(req);
    const text = (form.get('text') ?? '').slice(0, 500);
    if (text !== '') comments.unshift(text);
    comments.length = Math.min(comments.length, 50);
    res.writeHead(303, { location: '/' });
    return void res.end();
  }
  if (req.method === 'POST' && url.pathname === '/login') {
    const form = await readForm(req);
    const email = form.get('email') ?? '';
    const ip = clientIp(req);
    // Unknown users still cost one hash, so timing does not reveal which emails exist.
    const result = await verifyPassword(demoUser.hash, email === demoUser.email ? (form.get('password') ?? '') : `\u0000${form.get('password') ?? ''}`);
    if (email !== demoUser.email || !result.ok) {
      await log.log(SecurityEvent.LOGIN_FAILED, { ip, path: url.pathname, userAgent: req.headers['user-agent'], detail: `email=${email.slice(0, 100)}` });
      return send(res, 401, 'text/html; charset=utf-8', page(req, '<p>Invalid credentials. <a href="/">Back</a></p>'));
    }
    await log.log(SecurityEvent.LOGIN_SUCCESS, { ip, userId: demoUser.id, path: url.pathname });
    return send(res, 200, 'text/html; charset=utf-8', page(req, '<p>Welcome back. <a href="/">Home</a></p>'));
  }
  if (req.method === 'GET' && url.pathname === '/api/items') {
    return send(
      res,
      200,
      'application/json',
      JSON.stringify({ items: Array.from({ length: 20 }, (_, i) => ({ id: i + 1, name: `Item ${i + 1}`, tags: ['demo', 'rampart'] })) }),
    );
  }
  if (req.method === 'GET' && url.pathname === '/security') {
    await logReady;
    await log.flush();
    const rows = await log.getRecent({ limit: 50 });
    const items = rows
      .map(
        (r) =>
          `<li><code>${escapeHtml(r.timestamp.toISOString())}</code> <b>${escapeHtml(r.event)}</b> ip=${escapeHtml(r.ipAddress ?? '')} path=${escapeHtml(r.path ?? '')} ${escapeHtml(r.detail ?? '')}</li>`,
      )
      .join('');
    return send(
      res,
      200,
      'text/html; charset=utf-8',
      page(req, `<h2>Recent security events</h2><ul>${items || '<li>none yet</li>'}</ul><p><a href="/">Home</a></p>`),
    );
  }
  send(res, 404, 'application/problem+json', JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404 }));
}

const server = http.createServer(
  shield.node((req, res) => {
    app(req, res).catch((error: unknown) => {
      console.error(error);
      if (!res.headersSent) send(res, 500, 'application/problem+json', JSON.stringify({ title: 'Internal Server Error', status: 500 }));
    });
  }),
);

server.listen(port, host, () => {
  console.log(`rampart demo listening on http://${host}:${port}`);
  console.log('protected by: security headers + CSP nonces, host allowlist, 1 MiB body limit, CORS (localhost:5173 only),');
  console.log('              rate limit 120/min (login 5/min), CSRF (signed double-submit + Fetch Metadata), compression');
  console.log('security events → embedded PGlite at ./data/security (after Ctrl-C: npm run rampart -- log --database ./data/security)');
  console.log('Ctrl-C to stop');
});

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  server.close();
  server.closeAllConnections();
  await shield.close();
  await log.close();
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
