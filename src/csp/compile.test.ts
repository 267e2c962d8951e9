import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { compileCsp, parsePolicy, policyWithNonce, DEFAULT_CSP } from './compile.ts';
import { configWarnings } from '../core/events.ts';
import { isRampartError, type RampartErrorCode } from '../errors.ts';

process.env.RAMPART_SILENT = '1';
const DEFAULT_VALUE = "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";

function rejects(fn: () => unknown, code: RampartErrorCode, message?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isRampartError(e, code), `expected ${code}, got ${(e as Error)?.message}`);
    if (message) assert.match((e as Error).message, message);
    return true;
  });
}

test('the default policy is the strict one from the issue', () => {
  const csp = compileCsp(undefined)!;
  assert.equal(csp.headerName, 'Content-Security-Policy');
  assert.equal(csp.value, DEFAULT_VALUE);
  assert.equal(csp.parts, undefined);
  assert.deepEqual(Object.keys(DEFAULT_CSP), ['default-src', 'base-uri', 'form-action', 'frame-ancestors', 'object-src']);
});

test('a policy string is validated and used exactly (normalised spacing)', () => {
  const csp = compileCsp("default-src 'self';  script-src 'self' https://cdn.example.com ; style-src 'self' 'unsafe-inline';")!;
  assert.equal(csp.value, "default-src 'self'; script-src 'self' https://cdn.example.com; style-src 'self' 'unsafe-inline'");
  assert.ok(
    configWarnings().some((w) => w.includes("'unsafe-inline' in style-src")),
    'relaxation announced',
  );
});

test('a directive object merges over the defaults; camelCase and kebab-case names both work', () => {
  const csp = compileCsp({ directives: { scriptSrc: ["'self'", 'https://cdn.example.com'], 'img-src': "'self' data:" } })!;
  assert.equal(csp.value, `${DEFAULT_VALUE}; script-src 'self' https://cdn.example.com; img-src 'self' data:`);
});

test('directives may be given at the top level of the csp object (DESIGN example)', () => {
  assert.equal(compileCsp({ 'script-src': ["'self'"] })!.value, `${DEFAULT_VALUE}; script-src 'self'`);
  rejects(() => compileCsp({ directives: {}, 'script-src': ["'self'"] } as never), 'ERR_RAMPART_CONFIG', /inside directives/);
});

test('null removes a default directive; useDefaults: false starts empty', () => {
  assert.equal(compileCsp({ directives: { 'form-action': null, 'object-src': false } })!.value, "default-src 'self'; base-uri 'self'; frame-ancestors 'none'");
  assert.equal(compileCsp({ useDefaults: false, directives: { 'default-src': ["'none'"] } })!.value, "default-src 'none'");
  rejects(() => compileCsp({ useDefaults: false, directives: {} }), 'ERR_RAMPART_CSP', /no directives/);
  rejects(() => compileCsp({ useDefaults: false, directives: "default-src 'self'" }), 'ERR_RAMPART_CONFIG');
});

test('unknown directives are rejected with a suggestion', () => {
  rejects(() => compileCsp({ directives: { 'script-scr': ["'self'"] } }), 'ERR_RAMPART_CSP', /unknown directive "script-scr".*script-src/);
  rejects(() => compileCsp("default-src 'self'; scirpt-src 'self'"), 'ERR_RAMPART_CSP', /unknown directive/);
  rejects(() => compileCsp({ 'img-scr': ["'self'"] } as never), 'ERR_RAMPART_CSP', /img-src/);
  rejects(() => compileCsp({ nonse: true } as never), 'ERR_RAMPART_UNKNOWN_OPTION', /nonce/);
  rejects(() => compileCsp('plugin-types application/pdf'), 'ERR_RAMPART_CSP');
});

test('keywords without their single quotes are rejected with the quoted form', () => {
  for (const keyword of ['self', 'none', 'unsafe-inline', 'unsafe-eval', 'strict-dynamic', 'unsafe-hashes', 'wasm-unsafe-eval', 'report-sample', 'SELF']) {
    rejects(() => compileCsp({ directives: { 'script-src': [keyword] } }), 'ERR_RAMPART_CSP', new RegExp(`write "'${keyword.toLowerCase()}'"`));
    rejects(() => compileCsp(`script-src ${keyword}`), 'ERR_RAMPART_CSP', /must be quoted/);
  }
  rejects(() => compileCsp({ directives: { 'script-src': ['"self"'] } }), 'ERR_RAMPART_CSP', /stray quotes/);
  rejects(() => compileCsp({ directives: { 'script-src': ["'self"] } }), 'ERR_RAMPART_CSP', /unbalanced/);
  rejects(() => compileCsp({ directives: { 'script-src': ["'unsafe-everything'"] } }), 'ERR_RAMPART_CSP', /unknown keyword/);
});

test('separator and line-break injection is rejected', () => {
  const injections = ["'self'; script-src *", "'self', script-src *", "'self'\r\nSet-Cookie: a=b", "'self'\nx", 'https://a.example\0', 'https://ä.example'];
  for (const bad of injections) {
    rejects(() => compileCsp({ directives: { 'img-src': [bad] } }), 'ERR_RAMPART_CSP');
  }
  rejects(() => compileCsp("default-src 'self', script-src *"), 'ERR_RAMPART_CSP', /','/);
  rejects(() => compileCsp("default-src 'self'\r\nX-Evil: 1"), 'ERR_RAMPART_CSP', /CR, LF/);
  rejects(() => compileCsp({ reportUri: '/r; script-src *' }), 'ERR_RAMPART_CSP');
  rejects(() => compileCsp({ reportTo: '/r"\r\nx: y' }), 'ERR_RAMPART_CONFIG');
});

test('nonce and hash sources are checked', () => {
  const digest = createHash('sha256').update('alert(1)').digest('base64');
  assert.match(compileCsp({ directives: { 'script-src': [`'sha256-${digest}'`] } })!.value, new RegExp(`'sha256-${digest.replace(/[+/]/g, '\\$&')}'`));
  const d384 = createHash('sha384').update('x').digest('base64');
  compileCsp({ directives: { 'script-src': [`'sha384-${d384}'`] } });
  rejects(() => compileCsp({ directives: { 'script-src': ["'sha256-abc'"] } }), 'ERR_RAMPART_CSP', /not a sha256 hash/);
  rejects(() => compileCsp({ directives: { 'script-src': [`'sha1-${digest}'`] } }), 'ERR_RAMPART_CSP', /hash source/);
  rejects(() => compileCsp({ directives: { 'script-src': [`sha256-${digest}`] } }), 'ERR_RAMPART_CSP', /must be quoted/);
  rejects(() => compileCsp({ directives: { 'script-src': ["'nonce-abcdefabcdefabcdef'"] } }), 'ERR_RAMPART_CSP', /nonce: true/);
});

test('source lists: none cannot be combined, empty lists and bad sources are rejected', () => {
  rejects(() => compileCsp({ directives: { 'object-src': ["'none'", "'self'"] } }), 'ERR_RAMPART_CSP', /cannot be combined/);
  rejects(() => compileCsp({ directives: { 'img-src': [] } }), 'ERR_RAMPART_CSP', /'none'/);
  rejects(() => compileCsp({ directives: { 'img-src': ['https://exa mple.com/<x>'] } }), 'ERR_RAMPART_CSP');
  rejects(() => compileCsp({ directives: { 'img-src': ['javascript:alert(1)'] } }), 'ERR_RAMPART_CSP');
  rejects(() => compileCsp({ directives: { 'frame-ancestors': ["'unsafe-inline'"] } }), 'ERR_RAMPART_CSP', /frame-ancestors only accepts/);
  rejects(() => compileCsp({ directives: { 'img-src': 42 as never } }), 'ERR_RAMPART_CSP');
  const ok = compileCsp({ directives: { 'img-src': ['*', 'data:', 'https://*.example.com:8443/img/', 'cdn.example.com', 'wss://live.example.com'] } })!;
  assert.match(ok.value, /img-src \* data: https:\/\/\*\.example\.com:8443\/img\/ cdn\.example\.com wss:\/\/live\.example\.com/);
});

test('flag directives, sandbox, trusted types and webrtc', () => {
  const csp = compileCsp({
    directives: {
      upgradeInsecureRequests: true,
      sandbox: ['allow-scripts', 'allow-forms'],
      'require-trusted-types-for': ["'script'"],
      'trusted-types': ['default', "'allow-duplicates'"],
      webrtc: ["'block'"],
    },
  })!;
  assert.match(
    csp.value,
    /; upgrade-insecure-requests; sandbox allow-scripts allow-forms; require-trusted-types-for 'script'; trusted-types default 'allow-duplicates'; webrtc 'block'$/,
  );
  assert.match(compileCsp({ directives: { sandbox: true } })!.value, /; sandbox$/);
  rejects(() => compileCsp({ directives: { 'upgrade-insecure-requests': ["'self'"] } }), 'ERR_RAMPART_CSP', /takes no value/);
  rejects(() => compileCsp({ directives: { sandbox: ['allow-everything'] } }), 'ERR_RAMPART_CSP', /sandbox/);
  rejects(() => compileCsp({ directives: { 'script-src': true } }), 'ERR_RAMPART_CSP');
  rejects(() => compileCsp({ directives: { 'require-trusted-types-for': ['script'] } }), 'ERR_RAMPART_CSP');
  rejects(() => compileCsp({ directives: { webrtc: ['allow'] } }), 'ERR_RAMPART_CSP');
  rejects(() => compileCsp("default-src 'self'; default-src *"), 'ERR_RAMPART_CSP', /twice/);
});

test('nonce: true adds a nonce slot to script-src and style-src, from default-src when absent', () => {
  const csp = compileCsp({ nonce: true })!;
  assert.equal(csp.parts!.length, 3);
  assert.equal(policyWithNonce(csp.parts!, 'N0NCE'), `${DEFAULT_VALUE}; script-src 'self' 'nonce-N0NCE'; style-src 'self' 'nonce-N0NCE'`);
  const own = compileCsp({ nonce: true, directives: { 'script-src': ["'strict-dynamic'"], 'style-src': ["'none'"], 'script-src-elem': ["'self'"] } })!;
  assert.equal(
    policyWithNonce(own.parts!, 'X'),
    `${DEFAULT_VALUE}; script-src 'strict-dynamic' 'nonce-X'; style-src 'nonce-X'; script-src-elem 'self' 'nonce-X'`,
  );
  const none = compileCsp({ nonce: true, useDefaults: false, directives: { 'default-src': ["'none'"] } })!;
  assert.equal(policyWithNonce(none.parts!, 'Y'), "default-src 'none'; script-src 'nonce-Y'; style-src 'nonce-Y'");
  const fromString = compileCsp({ nonce: true, directives: "default-src 'self' https://a.example" })!;
  assert.equal(
    policyWithNonce(fromString.parts!, 'Z'),
    "default-src 'self' https://a.example; script-src 'self' https://a.example 'nonce-Z'; style-src 'self' https://a.example 'nonce-Z'",
  );
});

test('reportOnly, reportUri and reportTo', () => {
  const csp = compileCsp({ reportOnly: true, reportUri: '/csp-report', reportTo: 'https://r.example/csp' })!;
  assert.equal(csp.headerName, 'Content-Security-Policy-Report-Only');
  assert.equal(csp.value, `${DEFAULT_VALUE}; report-uri /csp-report; report-to csp-endpoint`);
  assert.deepEqual(csp.extraHeaders, [['Reporting-Endpoints', 'csp-endpoint="https://r.example/csp"']]);
  assert.ok(configWarnings().some((w) => w.includes('reportOnly')));
  rejects(() => compileCsp({ reportUri: 'csp report' }), 'ERR_RAMPART_CSP');
  rejects(() => compileCsp({ reportUri: [] }), 'ERR_RAMPART_CONFIG');
  rejects(() => compileCsp({ reportTo: 'ftp://x' }), 'ERR_RAMPART_CONFIG');
  rejects(() => compileCsp({ reportOnly: 'yes' as never }), 'ERR_RAMPART_CONFIG');
  rejects(() => compileCsp(42 as never), 'ERR_RAMPART_CONFIG');
});

test('relaxations are announced; csp: false is announced', () => {
  compileCsp({ directives: { 'script-src': ["'self'", "'unsafe-inline'", "'unsafe-eval'", 'https:'] } });
  const warnings = configWarnings();
  assert.ok(warnings.some((w) => w.includes("'unsafe-inline' in script-src")));
  assert.ok(warnings.some((w) => w.includes("'unsafe-eval'")));
  assert.ok(warnings.some((w) => w.includes('wildcard or scheme')));
  assert.equal(compileCsp(false), undefined);
  assert.ok(warnings.length < configWarnings().length || configWarnings().some((w) => w.includes('csp is false')));
  assert.ok(configWarnings().some((w) => w.includes('csp is false')));
});

test('caller options are never mutated', () => {
  const directives = Object.freeze({ 'script-src': Object.freeze(["'self'"]) });
  const options = Object.freeze({ directives, nonce: true });
  compileCsp(options);
  assert.deepEqual(options.directives['script-src'], ["'self'"]);
});

test('parsePolicy returns the validated directives', () => {
  assert.deepEqual(
    [...parsePolicy("Default-Src 'SELF' https://a.example; img-src data:")],
    [
      ['default-src', ["'self'", 'https://a.example']],
      ['img-src', ['data:']],
    ],
  );
  rejects(() => parsePolicy(' ; ; '), 'ERR_RAMPART_CSP', /empty/);
});
