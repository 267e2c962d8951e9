/**
 * `rampart check` judges inline script and framing by the CSP3 rules (W006, W009), the way
 * browsers do: every script directive spelling, the default-src fallback, what cancels
 * 'unsafe-inline', and frame-ancestors that let every site frame the page.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectConfigWarnings } from '../core/events.ts';
import { rampart, type RampartOptions } from '../preset.ts';
import { checkOptions, configWarningFindings } from './check-rules.ts';
import type { Finding } from './findings.ts';

process.env.RAMPART_SILENT = '1';

/** Every finding `rampart check` reports for `options` (option rules and the CONFIG_WARNINGs of construction). */
function findingsFor(options: RampartOptions): Finding[] {
  const { warnings } = collectConfigWarnings(() => rampart({ ...options, log: false }));
  const dedicated = checkOptions(options, true);
  return [...dedicated, ...configWarningFindings(warnings, dedicated)];
}

const csp = (directives: Record<string, string[] | null>, extra: Record<string, unknown> = {}): RampartOptions => ({
  headers: { csp: { directives, ...extra } },
});

const severityOf = (findings: Finding[], id: string): string[] => findings.filter((f) => f.id === id).map((f) => f.severity);

const inlineCases: Array<[string, Record<string, string[] | null>]> = [
  ['script-src-elem', { 'script-src-elem': ["'self'", "'unsafe-inline'"] }],
  ['script-src-attr', { 'script-src-attr': ["'unsafe-inline'"] }],
  ['script-src', { 'script-src': ["'self'", "'unsafe-inline'"] }],
  ['default-src fallback', { 'default-src': ["'self'", "'unsafe-inline'"], 'script-src': null }],
  ['script-src-attr beside a nonce in script-src', { 'script-src-attr': ["'unsafe-inline'"] }],
];
for (const [name, directives] of inlineCases) {
  test(`W006 is an error for 'unsafe-inline' that runs inline script: ${name}`, () => {
    const extra = name.includes('nonce') ? { nonce: true } : {};
    const findings = findingsFor(csp(directives, extra));
    assert.deepEqual(severityOf(findings, 'RAMPART-W006'), ['error'], JSON.stringify(findings));
    assert.ok(!findings.some((f) => f.id === 'RAMPART-W030' && f.message.includes('inline scripts')), 'the runtime warning is not repeated as W030');
  });
}

test('W006 names what runs: <script> elements for script-src-elem, handlers for script-src-attr', () => {
  const elem = findingsFor(csp({ 'script-src-elem': ["'self'", "'unsafe-inline'"] })).find((f) => f.id === 'RAMPART-W006');
  assert.match(elem?.message ?? '', /<script> elements \('unsafe-inline' in script-src-elem\)/);
  assert.doesNotMatch(elem?.message ?? '', /handlers/);
  const attr = findingsFor(csp({ 'script-src-attr': ["'unsafe-inline'"] })).find((f) => f.id === 'RAMPART-W006');
  assert.match(attr?.message ?? '', /on\* handlers .*script-src-attr/);
});

test("'unsafe-inline' cancelled by a nonce, a hash or 'strict-dynamic' is only a warning (older browsers)", () => {
  const hash = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='";
  for (const options of [
    csp({ 'script-src': ["'self'", "'unsafe-inline'"] }, { nonce: true }),
    csp({ 'script-src': ["'unsafe-inline'", hash] }),
    csp({ 'script-src': ["'unsafe-inline'", "'strict-dynamic'", hash] }),
    csp({ 'script-src-elem': ["'unsafe-inline'"], 'script-src-attr': ["'none'"], 'script-src': ["'self'"] }, { nonce: true }),
  ]) {
    assert.deepEqual(severityOf(findingsFor(options), 'RAMPART-W006'), ['warning'], JSON.stringify(options));
  }
});

test("'unsafe-inline' in script-src superseded by strict script-src-elem and script-src-attr is a warning", () => {
  const findings = findingsFor(csp({ 'script-src': ["'self'", "'unsafe-inline'"], 'script-src-elem': ["'self'"], 'script-src-attr': ["'none'"] }));
  assert.deepEqual(severityOf(findings, 'RAMPART-W006'), ['warning']);
});

test("'unsafe-hashes' with a handler hash is a W006 warning, not a W030", () => {
  const findings = findingsFor(csp({ 'script-src-attr': ["'unsafe-hashes'", "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"] }));
  assert.deepEqual(severityOf(findings, 'RAMPART-W006'), ['warning']);
  assert.ok(!findings.some((f) => f.id === 'RAMPART-W030' && f.message.includes('unsafe-hashes')));
});

test('a policy with neither script-src nor default-src lets every script run (W006 error)', () => {
  const findings = findingsFor(csp({ 'object-src': ["'none'"], 'base-uri': ["'self'"] }, { useDefaults: false }));
  assert.deepEqual(severityOf(findings, 'RAMPART-W006'), ['error']);
});

test('the default policy and a strict nonce policy get no W006', () => {
  assert.deepEqual(severityOf(findingsFor({}), 'RAMPART-W006'), []);
  assert.deepEqual(severityOf(findingsFor(csp({}, { nonce: true })), 'RAMPART-W006'), []);
  assert.deepEqual(severityOf(findingsFor(csp({ 'default-src': ["'self'", "'unsafe-inline'"], 'script-src': ["'self'"] })), 'RAMPART-W006'), []);
});

for (const source of ['*', 'https:', 'http:', 'https://*', '*.com']) {
  test(`frame-ancestors ${source} beside X-Frame-Options: DENY is W009 (and warned at construction)`, () => {
    const options = csp({ 'frame-ancestors': [source] });
    const { warnings } = collectConfigWarnings(() => rampart({ ...options, log: false }));
    assert.ok(
      warnings.some((w) => w.includes('frame-ancestors') && w.includes(source)),
      `runtime warning expected: ${JSON.stringify(warnings)}`,
    );
    const findings = findingsFor(options);
    assert.deepEqual(severityOf(findings, 'RAMPART-W009'), ['warning'], JSON.stringify(findings));
    assert.match(findings.find((f) => f.id === 'RAMPART-W009')?.message ?? '', /X-Frame-Options/);
    assert.ok(!findings.some((f) => f.id === 'RAMPART-W030' && f.message.includes('frame-ancestors')));
  });
}

test("frame-ancestors naming origins, 'self' or 'none' is not W009", () => {
  for (const sources of [["'self'"], ["'none'"], ['https://partner.example.com', 'https://*.example.com']]) {
    const options = csp({ 'frame-ancestors': sources });
    const { warnings } = collectConfigWarnings(() => rampart({ ...options, log: false }));
    assert.ok(!warnings.some((w) => w.includes('frame-ancestors') && w.includes('any site')), JSON.stringify(warnings));
    assert.deepEqual(severityOf(findingsFor(options), 'RAMPART-W009'), [], JSON.stringify(sources));
  }
});
