import assert from 'node:assert/strict';
import test from 'node:test';
import express from 'express';
import { PAGE_CSP } from '../core/rejection-page.ts';
import { RejectionError, type Rejection } from '../core/rejection.ts';
import type { EventSink, SecurityEventRecord } from '../core/types.ts';
import { isRampartError, RampartError } from '../errors.ts';
import { rampart } from '../preset.ts';
import { stack } from './index.ts';
import { forEachAdapter } from '../../test/helpers/adapters.ts';
import { type Listening, listenLoopback } from '../../test/helpers/listen.ts';

const BROWSER = 'text/html,application/xhtml+xml,*/*;q=0.8';

function recorder(): EventSink & { events: SecurityEventRecord[] } {
  const events: SecurityEventRecord[] = [];
  return { events, emit: (record) => events.push(record) };
}

/** Two requests against a limit of one: the second is the 429 rejection. */
async function rejected(url: string, headers: Record<string, string> = {}): Promise<Response> {
  await fetch(url);
  return fetch(url, { headers });
}

test('onReject renders the app’s own page through every adapter; Retry-After and security headers stay', async (t) => {
  const seen: Array<{ rejection: Rejection; req: unknown }> = [];
  await forEachAdapter(
    t,
    () =>
      rampart({
        log: false,
        rateLimit: { maxRequests: 1, window: 60 },
        onReject: (rejection, req) => {
          seen.push({ rejection, req });
          return {
            status: rejection.status,
            headers: { 'content-type': 'text/html; charset=utf-8', 'x-app': 'mine' },
            body: `<h1>app page ${rejection.code}</h1>`,
          };
        },
      }),
    async (app) => {
      seen.length = 0;
      const res = await rejected(`${app.url}/p`, { accept: BROWSER });
      assert.equal(res.status, 429);
      assert.equal(await res.text(), '<h1>app page ERR_RAMPART_RATE_LIMITED</h1>');
      assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.equal(res.headers.get('x-app'), 'mine');
      assert.match(res.headers.get('retry-after') ?? '', /^\d+$/);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.notEqual(res.headers.get('content-security-policy'), PAGE_CSP, "the app's page keeps the app's CSP");
      assert.equal(seen.length, 1);
      const { rejection, req } = seen[0]!;
      assert.equal(rejection.status, 429);
      assert.equal(rejection.prefersHtml, true);
      assert.equal(rejection.title, 'Too Many Requests');
      assert.equal(rejection.retryAfter, Number(res.headers.get('retry-after')));
      assert.equal(rejection.problem.headers && 'content-type' in rejection.problem.headers, true);
      assert.ok(req !== null && typeof req === 'object', 'the native request is handed over');
    },
  );
});

test('onReject may answer a fetch Response (async too), or undefined for the default page / problem+json', async (t) => {
  await forEachAdapter(
    t,
    () =>
      stack([], {
        onReject: async (rejection, req) => {
          const url = (req as { url?: string }).url ?? '';
          if (url.includes('default')) return undefined;
          return new Response(`custom ${rejection.status}`, { status: 400, headers: { 'content-type': 'text/plain; charset=utf-8' } });
        },
      }),
    async (app) => {
      // an ambiguous target is rejected by the stack itself (400)
      const custom = await fetch(`${app.url}/a%2Fb`);
      assert.equal(custom.status, 400);
      assert.equal(await custom.text(), 'custom 400');
      const page = await fetch(`${app.url}/default%2Fb`, { headers: { accept: BROWSER } });
      assert.equal(page.status, 400);
      assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
      const problem = await fetch(`${app.url}/default%2Fb`);
      assert.equal(problem.headers.get('content-type'), 'application/problem+json');
    },
  );
});

test('a throwing or unusable onReject gets the default answer and an event: never a crash, never a pass', async (t) => {
  let sink = recorder();
  let mode = 'throw';
  const onReject = (): { status: number; body?: string } => {
    if (mode === 'throw') throw new Error('template broke');
    if (mode === 'pass') return { status: 200, body: 'welcome' };
    return { status: 429, body: 'x', headers: { 'x-bad': 'a\r\nset-cookie: pwned=1' } } as never;
  };
  await forEachAdapter(
    t,
    () => {
      sink = recorder();
      return rampart({ log: sink, rateLimit: { maxRequests: 1, window: 60 }, onReject });
    },
    async (app) => {
      await fetch(app.url); // uses up the limit: every request below is a rejection
      for (mode of ['throw', 'pass', 'header']) {
        const before = sink.events.filter((e) => e.event === 'REJECT_HANDLER_FAILED').length;
        const page = await fetch(`${app.url}/${mode}`, { headers: { accept: BROWSER } });
        assert.equal(page.status, 429, mode);
        assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8', mode);
        assert.equal(page.headers.get('set-cookie'), null, mode);
        assert.ok((await page.text()).includes('<h1>Too many requests</h1>'), mode);
        const api = await fetch(`${app.url}/${mode}`);
        assert.equal(api.status, 429, mode);
        assert.equal(api.headers.get('content-type'), 'application/problem+json', mode);
        const failures = sink.events.filter((e) => e.event === 'REJECT_HANDLER_FAILED');
        assert.equal(failures.length, before + 2, mode);
      }
      assert.match(sink.events.find((e) => e.event === 'REJECT_HANDLER_FAILED')!.detail!, /template broke/);
    },
  );
});

test('onReject and rejections are checked at construction', () => {
  assert.throws(
    () => stack([], { onReject: 'page.html' as never }),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
  assert.throws(
    () => rampart({ log: false, onReject: {} as never }),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
  const shield = stack([]);
  assert.throws(
    () => shield.express({ rejections: 'throw' as never }),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
  assert.throws(
    () => shield.express({ rejection: 'next' } as never),
    (e) => isRampartError(e, 'ERR_RAMPART_UNKNOWN_OPTION'),
  );
});

const listen = (app: express.Express): Promise<Listening> => listenLoopback(app);

test("Express rejections: 'next' hands a RejectionError to the app's error handler, security headers applied", async () => {
  const shield = rampart({ log: false, rateLimit: { maxRequests: 1, window: 60 }, allowedHosts: ['127.0.0.1'] });
  const app = express();
  app.use(shield.express({ rejections: 'next' }));
  app.get('/', (_req, res) => {
    res.send('ok');
  });
  const errors: unknown[] = [];
  app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    errors.push(err);
    const e = err as RejectionError;
    res
      .status(e.status ?? 500)
      .type('text/plain')
      .send(`handled ${e.code}`);
  });
  const server = await listen(app);
  try {
    assert.equal(await (await fetch(`${server.url}/`)).text(), 'ok');
    const res = await fetch(`${server.url}/`);
    assert.equal(res.status, 429);
    assert.equal(await res.text(), 'handled ERR_RAMPART_RATE_LIMITED');
    assert.match(res.headers.get('retry-after') ?? '', /^\d+$/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.ok(res.headers.get('content-security-policy')?.includes("default-src 'self'"));
    const err = errors[0];
    assert.ok(err instanceof RejectionError && err instanceof RampartError);
    assert.equal(err.status, 429);
    assert.equal(err.statusCode, 429);
    assert.equal(err.code, 'ERR_RAMPART_RATE_LIMITED');
    assert.equal(err.headers['retry-after'], res.headers.get('retry-after'));
    assert.equal(err.rejection.prefersHtml, false);
  } finally {
    await server.close();
    await shield.close();
  }
});

test("Express rejections: 'next' with Express's own error handler: status and Retry-After from the error; CSRF keeps its code", async () => {
  const shield = rampart({ log: false, rateLimit: { maxRequests: 1, window: 60 } });
  const app = express();
  app.set('env', 'test'); // finalhandler: no stack trace on stderr
  app.use(shield.express({ rejections: 'next' }));
  const codes: string[] = [];
  app.post('/form', (_req, res) => {
    res.send('posted');
  });
  app.use((err: RejectionError, _req: express.Request, _res: express.Response, next: express.NextFunction) => {
    codes.push(err.code);
    next(err);
  });
  const server = await listen(app);
  try {
    const csrf = await fetch(`${server.url}/form`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      body: 'a=1',
    });
    assert.equal(csrf.status, 403);
    assert.deepEqual(codes, ['ERR_RAMPART_CSRF_REJECTED']);
    const limited = await fetch(`${server.url}/form`, { method: 'POST', body: 'a=1' });
    assert.equal(limited.status, 429);
    assert.match(limited.headers.get('retry-after') ?? '', /^\d+$/);
    assert.equal(limited.headers.get('x-frame-options'), 'DENY');
  } finally {
    await server.close();
    await shield.close();
  }
});

/**
 * An Express app with `rejections: 'next'` and no error handler of its own, in a child
 * process so its stderr can be read: four rejections (400 host for a browser, 403 CSRF,
 * 429 twice) in `env`. Resolves with what the client got and what the process printed.
 */
async function expressFinalHandler(env: 'development' | 'production'): Promise<{ bodies: string[]; statuses: number[]; stderr: string }> {
  const { spawn } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const preset = new URL('../preset.ts', import.meta.url).href;
  const script = `
    import http from 'node:http';
    import express from 'express';
    import { rampart } from ${JSON.stringify(preset)};
    const shield = rampart({ log: false, allowedHosts: ['app.example'], rateLimit: { maxRequests: 1, window: 60 } });
    const app = express();
    app.set('env', ${JSON.stringify(env)});
    app.use(shield.express({ rejections: 'next' }));
    app.all('/x', (req, res) => res.send('HANDLER'));
    const server = http.createServer(app);
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = server.address().port;
    const out = [];
    // node:http, not fetch(): fetch will not send a forged Host.
    const send = (headers, method = 'GET') => new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/x', method, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c) => (body += c));
        res.on('end', () => resolve(out.push({ status: res.statusCode, body })));
      });
      req.on('error', reject);
      req.end();
    });
    await send({ host: 'evil.example', accept: 'text/html' });
    await send({ host: 'app.example', origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }, 'POST');
    await send({ host: 'app.example' });
    await send({ host: 'app.example' });
    process.stdout.write(JSON.stringify(out));
    server.close();
    await shield.close();
  `;
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
    env: { ...process.env, RAMPART_SILENT: '1', NODE_ENV: env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stderr);
  const results = JSON.parse(stdout) as Array<{ status: number; body: string }>;
  return { statuses: results.map((r) => r.status), bodies: results.map((r) => r.body), stderr };
}

test("Express rejections: 'next' without an app error handler: no stack trace in the logs (one line per rejection) nor in the page, development and production", async () => {
  for (const env of ['development', 'production'] as const) {
    const { statuses, bodies, stderr } = await expressFinalHandler(env);
    assert.deepEqual(statuses, [400, 403, 429, 429], env);
    const lines = stderr.split('\n').filter((line) => line.trim() !== '');
    assert.ok(lines.length <= 4, `${env}: ${lines.length} stderr lines for 4 rejections:\n${stderr}`);
    for (const line of lines) {
      assert.doesNotMatch(line, /^\s+at |\.ts:\d|node_modules|rejection:|problem:/, `${env}: ${line}`);
      assert.match(line, /RejectionError/, `${env}: ${line}`);
    }
    for (const body of bodies) {
      assert.doesNotMatch(body, /\sat |\.ts:\d|node_modules|rejection|problem|&nbsp;/, `${env}: ${body}`);
    }
    if (env === 'development') assert.match(bodies[2]!, /Too many requests/);
  }
});
