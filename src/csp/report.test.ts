import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cspReport } from './report.ts';
import { stack } from '../stack/index.ts';
import type { SecurityEventRecord } from '../core/types.ts';
import { forEachAdapter } from '../../test/helpers/adapters.ts';
import { isRampartError } from '../errors.ts';

function withEvents(options?: Parameters<typeof cspReport>[0]) {
  const events: SecurityEventRecord[] = [];
  const make = () => stack([cspReport(options)], { events: { emit: (r) => void events.push(r) } });
  return { events, make };
}

const legacyReport = {
  'csp-report': {
    'document-uri': 'http://127.0.0.1/page?token=SECRET#frag',
    'violated-directive': 'script-src-elem',
    'effective-directive': 'script-src-elem',
    'blocked-uri': 'inline',
    'original-policy': "default-src 'self'",
  },
};

function post(url: string, body: string, type = 'application/csp-report'): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': type }, body });
}

test('every adapter: a report-uri report is answered 204 and becomes one sanitised CSP_VIOLATION event', async (t) => {
  const { events, make } = withEvents();
  await forEachAdapter(t, make, async (app) => {
    events.length = 0;
    const response = await post(`${app.url}/csp-report`, JSON.stringify(legacyReport));
    assert.equal(response.status, 204);
    assert.equal(await response.text(), '');
    assert.equal(events.length, 1);
    assert.equal(events[0]!.event, 'CSP_VIOLATION');
    assert.equal(events[0]!.detail, 'directive=script-src-elem blocked=inline document=http://127.0.0.1/page');
    assert.doesNotMatch(JSON.stringify(events), /SECRET/, 'query strings never reach the log');
    assert.equal(events[0]!.path, '/csp-report');
  });
});

test('every adapter: Reporting API batches (application/reports+json) are accepted and bounded', async (t) => {
  const { events, make } = withEvents({ maxReports: 2 });
  const batch = [
    {
      type: 'csp-violation',
      url: 'https://a.example/x',
      body: { documentURL: 'https://a.example/x?q=1', blockedURL: 'https://evil.example/s.js', effectiveDirective: 'script-src-elem' },
    },
    { type: 'deprecation', url: 'https://a.example/x', body: { id: 'x' } },
    { type: 'csp-violation', url: 'https://a.example/y', body: { documentURL: 'https://a.example/y', blockedURL: 'eval', effectiveDirective: 'script-src' } },
    {
      type: 'csp-violation',
      url: 'https://a.example/z',
      body: { documentURL: 'https://a.example/z', blockedURL: 'inline', effectiveDirective: 'style-src-elem' },
    },
  ];
  await forEachAdapter(t, make, async (app) => {
    events.length = 0;
    const response = await post(`${app.url}/csp-report`, JSON.stringify(batch), 'application/reports+json');
    assert.equal(response.status, 204);
    await response.text();
    assert.deepEqual(
      events.map((e) => e.detail),
      [
        'directive=script-src-elem blocked=https://evil.example/s.js document=https://a.example/x',
        'directive=script-src blocked=eval document=https://a.example/y',
      ],
    );
  });
});

test('every adapter: hostile field contents are stripped and truncated', async (t) => {
  const { events, make } = withEvents();
  const hostile = {
    'csp-report': { 'document-uri': `http://x/${'a'.repeat(5000)}`, 'violated-directive': 'script-src\r\nFAKE=1 \u0000\u202e', 'blocked-uri': 42 },
  };
  await forEachAdapter(t, make, async (app) => {
    events.length = 0;
    const response = await post(`${app.url}/csp-report`, JSON.stringify(hostile));
    assert.equal(response.status, 204);
    await response.text();
    const detail = events[0]!.detail!;
    assert.match(detail, /^directive=script-srcFAKE=1 blocked=\? document=http:\/\/x\/a+…$/);
    assert.ok(detail.length < 300);
  });
});

test('every adapter: wrong method, media type, size or shape is rejected with 4xx and no event', async (t) => {
  const { events, make } = withEvents({ maxBytes: 1024 });
  await forEachAdapter(t, make, async (app) => {
    events.length = 0;
    const get = await fetch(`${app.url}/csp-report`);
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
    assert.equal(get.headers.get('content-type'), 'application/problem+json');
    await get.text();
    const cases: Array<[string, string, number]> = [
      [JSON.stringify(legacyReport), 'text/plain', 415],
      [JSON.stringify({ 'csp-report': { 'blocked-uri': 'x'.repeat(2000) } }), 'application/csp-report', 413],
      ['{"csp-report": ', 'application/csp-report', 400],
      ['"just a string"', 'application/csp-report', 400],
      ['[1, 2]', 'application/reports+json', 400],
      ['{"other": {}}', 'application/json', 400],
    ];
    for (const [body, type, status] of cases) {
      const response = await post(`${app.url}/csp-report`, body, type);
      assert.equal(response.status, status, `${type} ${body.slice(0, 30)}`);
      await response.text();
    }
    const invalidUtf8 = await fetch(`${app.url}/csp-report`, {
      method: 'POST',
      headers: { 'content-type': 'application/csp-report' },
      body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]),
    });
    assert.equal(invalidUtf8.status, 400);
    await invalidUtf8.text();
    assert.equal(events.length, 0);
  });
});

test('every adapter: other paths pass through untouched, with the body intact', async (t) => {
  const { make } = withEvents({ path: '/reports/csp' });
  await forEachAdapter(t, make, async (app) => {
    const response = await post(`${app.url}/csp-report`, 'hello', 'text/plain');
    assert.equal(response.status, 200);
    const json = (await response.json()) as { body: string; path: string };
    assert.equal(json.body, 'hello');
    const mine = await post(`${app.url}/reports/csp`, JSON.stringify(legacyReport));
    assert.equal(mine.status, 204);
    await mine.text();
  });
});

test('cspReport options are validated', () => {
  const code = (fn: () => unknown, c: string) => assert.throws(fn, (e) => isRampartError(e) && e.code === c);
  code(() => cspReport({ path: 'csp-report' }), 'ERR_RAMPART_CONFIG');
  code(() => cspReport({ maxBytes: 10 }), 'ERR_RAMPART_CONFIG');
  code(() => cspReport({ maxReports: 0 }), 'ERR_RAMPART_CONFIG');
  code(() => cspReport({ pth: '/x' } as never), 'ERR_RAMPART_UNKNOWN_OPTION');
  assert.equal(cspReport().name, 'cspReport');
});

// ── Floods (issue 12, item 8): per-client and global limits, identical reports counted ──

function report(blocked: string, document = 'https://app.example/page'): string {
  return JSON.stringify({ 'csp-report': { 'document-uri': document, 'effective-directive': 'script-src-elem', 'blocked-uri': blocked } });
}

function from(ip: string, url: string, body: string): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/csp-report', 'x-forwarded-for': ip }, body });
}

/** Send `count` requests, `parallel` at a time; resolves to the status counts. */
async function flood(count: number, parallel: number, send: (i: number) => Promise<Response>): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  for (let i = 0; i < count; i += parallel) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(parallel, count - i) }, async (_, j) => {
        const r = await send(i + j);
        await r.arrayBuffer();
        return r.status;
      }),
    );
    for (const s of batch) statuses.set(s, (statuses.get(s) ?? 0) + 1);
  }
  return statuses;
}

function limited(options: Parameters<typeof cspReport>[0], now?: { t: number }) {
  const events: SecurityEventRecord[] = [];
  const make = () =>
    stack([cspReport({ ...options, ...(now ? { now: () => now.t } : {}) })], { trustProxy: true, events: { emit: (r) => void events.push(r) } });
  return { events, make };
}

// 100 times the per-client limit on each adapter: the flood's size is the point, not its time
// (10,000 per adapter took 100 s of the file's 120 s at load 10 on 2 cores).
test('every adapter: 2,000 reports from one client produce a bounded number of events; other clients still get through', { timeout: 600_000 }, async (t) => {
  const { events, make } = limited({});
  await forEachAdapter(t, make, async (app) => {
    events.length = 0;
    const statuses = await flood(2_000, 50, (i) => from('203.0.113.9', `${app.url}/csp-report`, report(`https://evil.example/${i}.js`)));
    assert.equal(statuses.get(204), 20, 'the default: 20 reports per client and minute');
    assert.equal(statuses.get(429), 1_980);
    assert.ok(events.length <= 21, `bounded events (got ${events.length})`);
    assert.equal(events.filter((e) => e.event === 'CSP_VIOLATION').length, 20);
    const refused = await from('203.0.113.9', `${app.url}/csp-report`, report('inline'));
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1 && Number(refused.headers.get('retry-after')) <= 60);
    assert.equal(refused.headers.get('content-type'), 'application/problem+json');
    await refused.text();
    const other = await from('198.51.100.4', `${app.url}/csp-report`, report('inline'));
    assert.equal(other.status, 204, 'another client still gets through');
    await other.text();
    assert.equal(events.at(-1)!.ip, '198.51.100.4');
  });
});

test('every adapter: identical reports are counted, not stored one by one; the summary carries the count', async (t) => {
  const clock = { t: 1_000_000 };
  const { events, make } = limited({ maxPerClient: 1000, window: 60 }, clock);
  await forEachAdapter(t, make, async (app) => {
    events.length = 0;
    clock.t += 120_000;
    const statuses = await flood(300, 20, (i) =>
      from(`192.0.2.${i % 50}`, `${app.url}/csp-report`, report('https://evil.example/x.js', 'https://app.example/page?session=S3CRET')),
    );
    assert.equal(statuses.get(204), 300);
    assert.equal(events.length, 1, 'one event for 300 identical reports');
    assert.equal(events[0]!.detail, 'directive=script-src-elem blocked=https://evil.example/x.js document=https://app.example/page');
    const distinct = await from('192.0.2.1', `${app.url}/csp-report`, report('eval'));
    assert.equal(distinct.status, 204);
    await distinct.text();
    assert.equal(events.length, 2, 'a different report is its own event');
    clock.t += 61_000;
    const next = await from('192.0.2.1', `${app.url}/csp-report`, report('https://evil.example/x.js'));
    assert.equal(next.status, 204);
    await next.text();
    const summary = events.find((e) => / repeated=299 /.test(e.detail ?? ''));
    assert.ok(summary, `a summary with the count (got ${JSON.stringify(events.map((e) => e.detail))})`);
    assert.equal(summary.event, 'CSP_VIOLATION');
    assert.match(
      summary.detail!,
      /^directive=script-src-elem blocked=https:\/\/evil\.example\/x\.js document=https:\/\/app\.example\/page repeated=299 window=60s$/,
    );
    assert.doesNotMatch(JSON.stringify(events), /S3CRET/);
    assert.equal(
      events.at(-1)!.detail,
      'directive=script-src-elem blocked=https://evil.example/x.js document=https://app.example/page',
      'a new window logs it afresh',
    );
  });
});

test('every adapter: the global cap bounds reports from many clients; refusals are summarised in one event per window', async (t) => {
  const clock = { t: 5_000_000 };
  const { events, make } = limited({ maxPerClient: 5, maxTotal: 30, maxEvents: 10, window: 60 }, clock);
  await forEachAdapter(t, make, async (app) => {
    events.length = 0;
    clock.t += 120_000;
    // 200 clients, 5 distinct reports each: 1,000 requests.
    const statuses = await flood(1_000, 25, (i) => from(`10.0.${(i % 200) >> 8}.${i % 200}`, `${app.url}/csp-report`, report(`https://cdn${i}.example/a.js`)));
    assert.equal(statuses.get(204), 30);
    assert.equal(statuses.get(429), 970);
    assert.equal(events.filter((e) => e.event === 'CSP_VIOLATION').length, 10, 'at most maxEvents events per window');
    assert.equal(events.length, 10, 'no event per refused report');
    clock.t += 61_000;
    const after = await from('10.9.9.9', `${app.url}/csp-report`, report('inline'));
    assert.equal(after.status, 204, 'the next window accepts again');
    await after.text();
    const overflow = events.find((e) => /^cspReport: 20 further violations/.test(e.detail ?? ''));
    assert.ok(overflow, `overflow summary (got ${JSON.stringify(events.map((e) => e.detail))})`);
    const refusals = events.filter((e) => e.event === 'RATE_LIMIT_HIT');
    assert.equal(refusals.length, 1);
    assert.match(refusals[0]!.detail!, /^cspReport: refused 970 reports from 200 clients /);
  });
});

test('every adapter: an IPv6 client rotating addresses within its /64 shares one budget', async (t) => {
  const { make } = limited({ maxPerClient: 3 });
  await forEachAdapter(t, make, async (app) => {
    const statuses = await flood(10, 1, (i) => from(`2001:db8:1:2::${(i + 1).toString(16)}`, `${app.url}/csp-report`, report('inline')));
    assert.equal(statuses.get(204), 3);
    assert.equal(statuses.get(429), 7);
  });
});

test('cspReport limit options are validated; close() flushes pending summaries', async () => {
  const code = (fn: () => unknown, c: string) => assert.throws(fn, (e) => isRampartError(e) && e.code === c);
  code(() => cspReport({ maxPerClient: 0 }), 'ERR_RAMPART_CONFIG');
  code(() => cspReport({ maxTotal: 0 }), 'ERR_RAMPART_CONFIG');
  code(() => cspReport({ window: 0 }), 'ERR_RAMPART_CONFIG');
  code(() => cspReport({ maxEvents: 0 }), 'ERR_RAMPART_CONFIG');
  code(() => cspReport({ now: 5 as never }), 'ERR_RAMPART_CONFIG');
  const events: SecurityEventRecord[] = [];
  const shield = stack([cspReport()], { events: { emit: (r) => void events.push(r) } });
  const { serve } = await import('../../test/helpers/adapters.ts');
  const app = await serve('node', shield);
  try {
    for (let i = 0; i < 3; i++) {
      const r = await post(`${app.url}/csp-report`, report('inline'));
      assert.equal(r.status, 204);
      await r.text();
    }
  } finally {
    await app.close();
    await shield.close();
  }
  assert.equal(events.length, 2);
  assert.match(events[1]!.detail!, / repeated=2 window=60s$/);
});

test('every adapter, preset: the CSP report endpoint sits behind the rate limiter (reports count against the client budget)', async (t) => {
  const { rampart } = await import('../preset.ts');
  const events: SecurityEventRecord[] = [];
  const make = () =>
    rampart({
      headers: { csp: { reportUri: '/csp-report' } },
      rateLimit: { maxRequests: 5, window: 60 },
      compression: false,
      log: { emit: (r: SecurityEventRecord) => void events.push(r) },
    });
  const probe = make();
  const names = probe.middleware.map((m) => m.name);
  await probe.close();
  assert.ok(names.indexOf('rateLimit') < names.indexOf('cspReport'), `order: ${names.join(' → ')}`);
  assert.ok(names.indexOf('cspReport') < names.indexOf('csrf'), 'before CSRF: browsers send no token with reports');
  await forEachAdapter(t, make, async (app) => {
    events.length = 0;
    const statuses = await flood(10, 1, (i) => post(`${app.url}/csp-report`, report(`https://evil.example/${i}.js`)));
    assert.equal(statuses.get(204), 5);
    assert.equal(statuses.get(429), 5);
    assert.equal(events.filter((e) => e.event === 'CSP_VIOLATION').length, 5);
  });
});
