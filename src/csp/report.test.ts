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
    { type: 'csp-violation', url: 'https://a.example/x', body: { documentURL: 'https://a.example/x?q=1', blockedURL: 'https://evil.example/s.js', effectiveDirective: 'script-src-elem' } },
    { type: 'deprecation', url: 'https://a.example/x', body: { id: 'x' } },
    { type: 'csp-violation', url: 'https://a.example/y', body: { documentURL: 'https://a.example/y', blockedURL: 'eval', effectiveDirective: 'script-src' } },
    { type: 'csp-violation', url: 'https://a.example/z', body: { documentURL: 'https://a.example/z', blockedURL: 'inline', effectiveDirective: 'style-src-elem' } },
  ];
  await forEachAdapter(t, make, async (app) => {
    events.length = 0;
    const response = await post(`${app.url}/csp-report`, JSON.stringify(batch), 'application/reports+json');
    assert.equal(response.status, 204);
    await response.text();
    assert.deepEqual(events.map((e) => e.detail), [
      'directive=script-src-elem blocked=https://evil.example/s.js document=https://a.example/x',
      'directive=script-src blocked=eval document=https://a.example/y',
    ]);
  });
});

test('every adapter: hostile field contents are stripped and truncated', async (t) => {
  const { events, make } = withEvents();
  const hostile = { 'csp-report': { 'document-uri': `http://x/${'a'.repeat(5000)}`, 'violated-directive': 'script-src\r\nFAKE=1 \u0000\u202e', 'blocked-uri': 42 } };
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
    const invalidUtf8 = await fetch(`${app.url}/csp-report`, { method: 'POST', headers: { 'content-type': 'application/csp-report' }, body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) });
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
