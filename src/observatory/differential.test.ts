/**
 * rampart's grading functions against the MDN HTTP Observatory's own test functions (the
 * devDependency), fed the same headers, pages and cookies: the same result names, and the
 * same scoring tables and grade chart. Generated policies (fast-check) cover the CSP parser.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { AxiosHeaders } from 'axios';
import fc from 'fast-check';
import { CookieJar } from 'tough-cookie';
import './fixtures/observatory-offline.ts';
import { gradeCookies, type StoredCookie, storeCookies } from './cookies.ts';
import { gradeCsp } from './csp.ts';
import { gradeContentTypeOptions, gradeFrameOptions, gradeHsts, gradeReferrerPolicy, gradeResourcePolicy } from './headers.ts';
import { readPage } from './html.ts';
import { finalScore, gradeForScore, MINIMUM_SCORE_FOR_EXTRA_CREDIT, MODIFIERS, TEST_NAMES } from './scoring.ts';
import { gradeSri } from './sri.ts';

const base = '@mdn/mdn-http-observatory/src';
const { SCORE_TABLE, GRADE_CHART, MINIMUM_SCORE_FOR_EXTRA_CREDIT: THEIR_MINIMUM } = await import(`${base}/grader/charts.js`);
const { getGradeForScore } = await import(`${base}/grader/grader.js`);
const { ALL_RESULTS } = await import(`${base}/constants.js`);
const { contentSecurityPolicyTest } = await import(`${base}/analyzer/tests/csp.js`);
const { subresourceIntegrityTest } = await import(`${base}/analyzer/tests/subresource-integrity.js`);
const { cookiesTest } = await import(`${base}/analyzer/tests/cookies.js`);
const { referrerPolicyTest } = await import(`${base}/analyzer/tests/referrer-policy.js`);
const { strictTransportSecurityTest } = await import(`${base}/analyzer/tests/strict-transport-security.js`);
const { xContentTypeOptionsTest } = await import(`${base}/analyzer/tests/x-content-type-options.js`);
const { xFrameOptionsTest } = await import(`${base}/analyzer/tests/x-frame-options.js`);
const { crossOriginResourcePolicyTest } = await import(`${base}/analyzer/tests/cross-origin-resource-policy.js`);
const { parseHttpEquivHeaders } = await import(`${base}/retriever/utils.js`);

/** The Observatory's request record for one response (what its retriever would have built). */
function requests(headers: IncomingHttpHeaders, options: { html?: string; url?: string; jar?: CookieJar } = {}) {
  const url = new URL(options.url ?? 'https://www.example.com/');
  const auto = {
    status: 200,
    headers: new AxiosHeaders(headers as Record<string, string>),
    verified: true,
    httpEquiv: options.html === undefined ? new Map() : parseHttpEquivHeaders(options.html, url.href),
  };
  return {
    hostname: url.hostname,
    resources: { path: options.html ?? null },
    responses: { auto, https: auto, http: null, cors: null, httpRedirects: [], httpsRedirects: [] },
    session: { url, jar: options.jar ?? new CookieJar() },
  };
}

test('scoring table: every result name and modifier is the Observatory\u2019s', () => {
  const theirs = Object.fromEntries([...(SCORE_TABLE as Map<string, { modifier: number }>)].map(([k, v]) => [k, v.modifier]));
  assert.deepEqual({ ...MODIFIERS }, theirs);
  assert.equal(MINIMUM_SCORE_FOR_EXTRA_CREDIT, THEIR_MINIMUM);
  assert.deepEqual(
    [...TEST_NAMES],
    (ALL_RESULTS as { name: string }[]).map((r) => r.name),
  );
});

test('grade chart: every score from -50 to 160 gets the Observatory\u2019s grade', () => {
  for (let score = -50; score <= 160; score++) assert.equal(gradeForScore(score), getGradeForScore(score).grade, `score ${score}`);
  assert.equal((GRADE_CHART as Map<number, string>).size, 21);
});

test('extra credit only counts from 90 without it', () => {
  assert.equal(finalScore(['csp-implemented-with-no-unsafe-default-src-none', 'x-content-type-options-not-implemented']), 105);
  assert.equal(finalScore(['csp-implemented-with-no-unsafe-default-src-none', 'hsts-implemented-max-age-less-than-six-months', 'redirection-missing']), 70);
  assert.equal(finalScore(['csp-not-implemented', 'cookies-session-without-secure-flag', 'redirection-missing', 'hsts-not-implemented']), 0);
});

interface CspCase {
  headers: string[];
  meta?: string[];
  reportOnly?: string;
  url?: string;
}

function compareCsp(c: CspCase): void {
  const headers: IncomingHttpHeaders = {};
  if (c.headers.length > 0) headers['content-security-policy'] = c.headers.join(', ');
  if (c.reportOnly !== undefined) headers['content-security-policy-report-only'] = c.reportOnly;
  const html =
    c.meta === undefined ? undefined : `<html><head>${c.meta.map((m) => `<meta http-equiv="Content-Security-Policy" content="${m}">`).join('')}</head></html>`;
  const theirs = contentSecurityPolicyTest(requests(headers, { ...(html === undefined ? {} : { html }), ...(c.url === undefined ? {} : { url: c.url }) }));
  const page = html === undefined ? undefined : readPage(html);
  const ours = gradeCsp({
    headers: c.headers.length > 0 ? [c.headers.join(', ')] : [],
    meta: page?.metaCsp ?? [],
    reportOnly: c.reportOnly !== undefined && c.reportOnly !== '',
    https: (c.url ?? 'https:').startsWith('https:'),
  });
  const label = JSON.stringify(c);
  assert.equal(ours.result, theirs.result, label);
  assert.equal(ours.pass, theirs.pass, label);
  assert.deepEqual(ours.policy, theirs.data, label);
}

test('content-security-policy: the Observatory\u2019s result on a corpus of policies', () => {
  const cases: CspCase[] = [
    { headers: [] },
    { headers: [], reportOnly: "default-src 'self'" },
    { headers: ["default-src 'none'"] },
    { headers: ["default-src 'none'; form-action 'self'; frame-ancestors 'none'"] },
    { headers: ["default-src 'self'"] },
    { headers: ["default-src 'self'; script-src 'self' 'unsafe-inline'"] },
    { headers: ["default-src 'self'; script-src 'nonce-abc' 'unsafe-inline'"] },
    { headers: ["script-src 'nonce-abc' 'strict-dynamic' https: 'self' 'unsafe-inline'; object-src 'none'"] },
    { headers: ["script-src 'strict-dynamic'; object-src 'none'"] },
    { headers: ["default-src 'self'; script-src 'self' 'unsafe-eval'"] },
    { headers: ["default-src 'self'; style-src 'self' 'unsafe-inline'"] },
    { headers: ["default-src 'self'; img-src http://cdn.example.com"] },
    { headers: ["default-src 'self'; img-src http://cdn.example.com"], url: 'http://www.example.com/' },
    { headers: ["default-src 'self'; connect-src http://api.example.com"] },
    { headers: ["default-src 'self'; object-src *"] },
    { headers: ['default-src https:'] },
    { headers: ["default-src 'self' data:"] },
    { headers: ["default-src 'self'; script-src"] },
    { headers: ["default-src 'self'; default-src 'none'"] },
    { headers: ["default-src 'self'; report-uri /a; report-uri /b"] },
    { headers: ["default-src 'none'; report-uri /a; report-uri /b"] },
    { headers: ['abc'] },
    { headers: ["DEFAULT-SRC 'SELF'; Script-Src HTTPS://CDN.EXAMPLE.COM"] },
    { headers: ["default-src 'self' https://a.example.com https://a.example.com/x"] },
    { headers: ["default-src 'self'", "default-src 'none'"] },
    { headers: ["default-src 'self' https://a.example.com/", 'default-src https://a.example.com/js/'] },
    { headers: ["script-src 'self'; object-src 'none'", "img-src 'self'"] },
    { headers: ["default-src 'self'"], meta: ["script-src 'self' 'unsafe-inline'"] },
    { headers: [], meta: ["default-src 'none'; frame-ancestors 'none'"] },
    { headers: [], meta: ["frame-ancestors 'none'"] },
    { headers: [], meta: ['default-src *'] },
    { headers: ["default-src 'none'; script-src 'sha256-abc=' 'unsafe-inline'; style-src 'nonce-x' 'unsafe-inline'"] },
  ];
  for (const c of cases) compareCsp(c);
});

test('content-security-policy: the Observatory\u2019s result on generated policies', () => {
  const source = fc.constantFrom(
    "'self'",
    "'none'",
    "'unsafe-inline'",
    "'unsafe-eval'",
    "'strict-dynamic'",
    "'nonce-r4nd0m'",
    "'sha256-abc='",
    'data:',
    'https:',
    'http:',
    '*',
    'https://cdn.example.com',
    'https://cdn.example.com/js/',
    'http://cdn.example.com',
    'ftp://files.example.com',
    'blob:',
  );
  const directive = fc.constantFrom(
    'default-src',
    'script-src',
    'style-src',
    'object-src',
    'img-src',
    'media-src',
    'connect-src',
    'frame-ancestors',
    'form-action',
    'base-uri',
    'report-uri',
  );
  const policy = fc
    .array(fc.tuple(directive, fc.array(source, { maxLength: 4 })), { minLength: 1, maxLength: 5 })
    .map((entries) => entries.map(([d, s]) => [d, ...s].join(' ')).join('; '));
  fc.assert(
    fc.property(fc.array(policy, { minLength: 0, maxLength: 2 }), fc.option(policy, { nil: undefined }), fc.boolean(), (headers, meta, https) =>
      compareCsp({ headers, ...(meta === undefined ? {} : { meta: [meta] }), url: https ? 'https://www.example.com/' : 'http://www.example.com/' }),
    ),
    { numRuns: 400 },
  );
});

test('subresource-integrity: the Observatory\u2019s result on a corpus of pages', () => {
  const pages = [
    '<p>no scripts</p>',
    '<script>inline()</script>',
    '<script src="/app.js"></script>',
    '<script src="/app.js" integrity="sha384-x"></script>',
    '<script src="https://www.example.com/a.js"></script>',
    '<script src="https://static.example.com/a.js" integrity="sha384-x"></script>',
    '<script src="https://cdn.other.net/a.js"></script>',
    '<script src="https://cdn.other.net/a.js" integrity="sha384-x"></script>',
    '<script src="http://cdn.other.net/a.js"></script>',
    '<script src="http://cdn.other.net/a.js" integrity="sha384-x"></script>',
    '<script src="//cdn.other.net/a.js"></script>',
    '<script src="//cdn.other.net/a.js" integrity="sha384-x"></script>',
    '<script src="HTTPS://CDN.OTHER.NET/a.js"></script>',
    '<script src="https://cdn.example.co.uk/a.js"></script>',
    '<!-- <script src="http://evil.net/x.js"></script> --><p>x</p>',
    '<textarea><script src="http://evil.net/x.js"></script></textarea>',
    '<script>document.write("<script src=http://evil.net/x.js></scr"+"ipt>")</script>',
    '<script src="/a.js" integrity="sha384-x"></script><script src="https://cdn.other.net/b.js"></script>',
    '<script src="https://cdn.other.net/b.js" integrity="sha384-y"></script><script src="/a.js" integrity="sha384-x"></script>',
    "<script src='https://cdn.other.net/b.js' integrity=sha384-y></script>",
    '<script src="https://cdn.other.net/b.js?a=1&amp;b=2"></script>',
    '<script SRC="http://cdn.other.net/b.js" src="/a.js"></script>',
  ];
  for (const [host, url] of [
    ['www.example.com', 'https://www.example.com/'],
    ['www.example.co.uk', 'https://www.example.co.uk/'],
    ['www.example.com', 'http://www.example.com/'],
  ] as const) {
    for (const body of pages) {
      const html = `<!doctype html><html><head></head><body>${body}</body></html>`;
      const theirs = subresourceIntegrityTest(requests({ 'content-type': 'text/html; charset=utf-8' }, { html, url }));
      const ours = gradeSri(readPage(html).scripts, host, url.startsWith('https:'));
      assert.equal(ours.result, theirs.result, `${url} ${body}`);
      assert.equal(ours.pass, theirs.pass, `${url} ${body}`);
    }
  }
  const json = subresourceIntegrityTest(requests({ 'content-type': 'application/json' }, { html: '{}' }));
  assert.equal(gradeSri(null, 'www.example.com', true).result, json.result);
});

test('referrer policy from <meta name=referrer>: read as the Observatory reads it', () => {
  for (const meta of ['no-referrer', 'unsafe-url', 'bogus', '']) {
    const html = `<html><head><meta name="referrer" content="${meta}"></head></html>`;
    for (const header of [undefined, 'unsafe-url', 'no-referrer']) {
      const headers: IncomingHttpHeaders = header === undefined ? {} : { 'referrer-policy': header };
      const theirs = referrerPolicyTest(requests(headers, { html }));
      const ours = gradeReferrerPolicy(headers, readPage(html).metaReferrer);
      assert.equal(ours.result, theirs.result, `${header} + meta ${meta}`);
      assert.equal(ours.pass, theirs.pass);
    }
  }
});

test('header tests: the Observatory\u2019s results for referrer-policy, HSTS, nosniff, X-Frame-Options and CORP', () => {
  const values = {
    'referrer-policy': [
      'no-referrer',
      'same-origin',
      'strict-origin-when-cross-origin',
      'unsafe-url',
      'origin',
      'no-referrer, unsafe-url',
      'unsafe-url, strict-origin',
      'bogus',
      'bogus, origin',
      '',
    ],
    'strict-transport-security': [
      'max-age=31536000',
      'max-age=15552000',
      'max-age=15551999; includeSubDomains',
      'max-age=300',
      'includeSubDomains',
      'max-age=abc',
      'max-age=31536000, max-age=31536000',
      'max-age=0',
      '',
    ],
    'x-content-type-options': ['nosniff', ' NoSniff ', 'nosniff, nosniff', 'sniff', ''],
    'x-frame-options': ['DENY', 'sameorigin', 'ALLOW-FROM https://a.example', 'ALLOWALL', 'deny, deny', ''],
    'cross-origin-resource-policy': ['same-origin', 'same-site', 'cross-origin', 'SAME-SITE ', 'bogus', ''],
  };
  for (const [name, list] of Object.entries(values)) {
    for (const value of [...list, undefined]) {
      const headers: IncomingHttpHeaders = value === undefined ? {} : { [name]: value };
      const r = requests(headers);
      const pairs: [{ result: string; pass: boolean }, { result: string; pass: boolean }][] = [
        [gradeReferrerPolicy(headers, undefined), referrerPolicyTest(r)],
        [gradeHsts(headers, true), strictTransportSecurityTest(r)],
        [gradeContentTypeOptions(headers), xContentTypeOptionsTest(r)],
        [gradeFrameOptions(headers, false), xFrameOptionsTest(r)],
        [gradeResourcePolicy(headers), crossOriginResourcePolicyTest(r)],
      ];
      for (const [ours, theirs] of pairs) {
        assert.equal(ours.result, theirs.result, `${name}: ${value}`);
        assert.equal(ours.pass, theirs.pass, `${name}: ${value} (pass)`);
      }
    }
  }
});

test('cookies: the Observatory\u2019s result for the same Set-Cookie lines, with and without HSTS', () => {
  const sets: string[][] = [
    [],
    ['a=1'],
    ['a=1; Secure'],
    ['a=1; Secure; SameSite=Lax'],
    ['sessionid=1; Secure; SameSite=Lax'],
    ['sessionid=1; Secure; HttpOnly; SameSite=Lax'],
    ['sessionid=1; HttpOnly; SameSite=Strict'],
    ['login_token=1; Secure'],
    ['csrftoken=1; Secure'],
    ['csrftoken=1; Secure; SameSite=Strict'],
    ['a=1; Secure; SameSite=bogus'],
    ['a=1; Secure; SameSite'],
    ['a=1; SameSite=None'],
    ['a=1; Secure; SameSite=None'],
    ['__Host-sess=1; Path=/; Secure; HttpOnly; SameSite=Lax'],
    ['__Host-sess=1; Secure; HttpOnly; SameSite=Lax'],
    ['__Secure-a=1'],
    ['a=1; Domain=other.net'],
    ['a=1; Domain=example.com; Secure; SameSite=Lax'],
    ['heroku-session-affinity=1'],
    ['a=1', 'a=2; Secure; SameSite=Lax'],
    ['a=1; Path=/x', 'a=2; Secure; SameSite=Lax'],
    ['a=1; Max-Age=0'],
    ['noequals'],
  ];
  const url = new URL('https://www.example.com/');
  for (const lines of sets) {
    for (const hsts of [undefined, 'max-age=31536000']) {
      const jar = new CookieJar();
      for (const line of lines) {
        try {
          jar.setCookieSync(line, url.href);
        } catch {}
      }
      const headers: IncomingHttpHeaders = { 'set-cookie': lines, ...(hsts === undefined ? {} : { 'strict-transport-security': hsts }) };
      const theirs = cookiesTest(requests(headers, { jar }));
      const ours_jar = new Map<string, StoredCookie>();
      storeCookies(ours_jar, lines, url);
      const ours = gradeCookies([...ours_jar.values()], lines, gradeHsts(headers, true).pass);
      assert.equal(ours.result, theirs.result, `${lines.join(' | ')} hsts=${hsts}`);
      assert.equal(ours.pass, theirs.pass, `${lines.join(' | ')} hsts=${hsts} (pass)`);
    }
  }
});
