// Issue 12 item 9: text that leaves rampart (terminal table, CEF, syslog, JSON lines, the
// dashboard) is inert — no bidi reordering, no line splitting, no terminal escapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inertJson, inertText } from './index.ts';
import { formatRow } from '../log/export.ts';
import type { SecurityLogRow } from '../log/store.ts';
import { formatTable } from '../cli/log.ts';
import { dashboardPage } from '../dashboard/page.ts';
import { dashboardRow } from '../dashboard/summary.ts';

const HOSTILE = ['\u202E', '\u2028', '\x85', '\x1b[31m', '\r\n', '\u2066', '\u2029', '\u200F', '\u061C', '\u0000', '\u009b'];
const PAYLOAD = `admin${HOSTILE.join('x')}end`;

// Every character a terminal or line-oriented reader treats as control, line break or bidi
// override; none may appear raw in any output.
// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/;

function row(): SecurityLogRow {
  return {
    id: 7,
    event: 'LOGIN_FAILED',
    userId: PAYLOAD,
    ipAddress: '203.0.113.9',
    userAgent: `curl${PAYLOAD}`,
    path: `/login${PAYLOAD}`,
    detail: `bad password for ${PAYLOAD}`,
    timestamp: new Date('2025-01-02T03:04:05.000Z'),
  } as SecurityLogRow;
}

test('inertText: bidi, line separators, C0/C1 controls and ESC become visible escapes', () => {
  assert.equal(inertText('a\u202Eb'), 'a\\u202eb');
  assert.equal(inertText('a\u2028b\u2029c'), 'a\\u2028b\\u2029c');
  assert.equal(inertText('a\x85b'), 'a\\x85b');
  assert.equal(inertText('\x1b[31mred'), '\\x1b[31mred');
  assert.equal(inertText('a\r\nb'), 'a\\x0d\\x0ab');
  assert.equal(inertText('\u2066\u2067\u2068\u2069\u200E\u200F\u061C'), '\\u2066\\u2067\\u2068\\u2069\\u200e\\u200f\\u061c');
  assert.equal(inertText('lone \ud800 surrogate'), 'lone \\ud800 surrogate');
  const plain = 'héllo wörld — 日本語 😀 \\ "quoted"';
  assert.equal(inertText(plain), plain, 'printable text (emoji pairs included) is unchanged');
  assert.equal(inertText(inertText(PAYLOAD)), inertText(PAYLOAD), 'idempotent');
  assert.doesNotMatch(inertText(PAYLOAD), RAW);
});

test('inertJson: the same characters as JSON escapes; the value still round-trips', () => {
  const value = { user: PAYLOAD, n: 1 };
  const json = inertJson(JSON.stringify(value));
  assert.doesNotMatch(json, RAW);
  assert.deepEqual(JSON.parse(json), value);
});

test('CEF export: hostile fields are escaped and each event stays one line', () => {
  const line = formatRow(row(), 'cef', '1.0.0', 'host');
  assert.doesNotMatch(line, RAW);
  assert.equal(line.split(/\r\n|\r|\n/).length, 1);
  assert.match(line, /suser=admin\\\\u202ex/, 'the escape itself is CEF-escaped (backslash doubled)');
});

test('syslog export: hostile fields are escaped and each event stays one line', () => {
  const line = formatRow(row(), 'syslog', '1.0.0', 'host');
  // The RFC 5424 BOM that introduces the UTF-8 MSG is rampart's own and stays.
  assert.doesNotMatch(line.replace('\ufeffbad', 'bad'), RAW);
  assert.equal(line.split(/\r\n|\r|\n/).length, 1);
  assert.match(line, /user="admin\\\\u202ex/, 'SD-PARAM escaping doubles the backslash of the escape');
});

test('every export format: a hostile event name (rows written by other tools) is escaped too; syslog MSGID stays RFC 5424 PRINTUSASCII', () => {
  const hostile = { ...row(), event: `LF\n<84>1 2026 h rampart - LOGIN_SUCCESS - ok\x07\x1b]0;T\x07\u202e${'X'.repeat(40)}` } as SecurityLogRow;
  for (const format of ['syslog', 'cef', 'jsonl'] as const) {
    const line = formatRow(hostile, format, '1.0.0', 'host');
    assert.doesNotMatch(line.replace('\ufeffbad', 'bad'), RAW, format);
    assert.equal(line.split(/\r\n|\r|\n/).length, 1, format);
  }
  const msgid = formatRow(hostile, 'syslog', '1.0.0', 'host').split(' ')[5]!;
  assert.match(msgid, /^[\x21-\x7e]{1,32}$/);
  assert.equal(formatRow(row(), 'syslog', '1.0.0', 'host').split(' ')[5], 'LOGIN_FAILED', 'registered names are unchanged');
  assert.doesNotMatch(formatTable([hostile]).replaceAll('\n', ''), RAW);
});

test('JSON lines export: hostile fields are JSON-escaped and the row round-trips', () => {
  const line = formatRow(row(), 'jsonl', '1.0.0', 'host');
  assert.doesNotMatch(line, RAW);
  assert.equal((JSON.parse(line) as { userId: string }).userId, PAYLOAD);
});

test('rampart log table: hostile fields are escaped, one line per event', () => {
  const out = formatTable([row(), row()]);
  assert.doesNotMatch(out.replaceAll('\n', ''), RAW);
  assert.equal(out.trimEnd().split('\n').length, 4, 'header, two rows, count');
  assert.match(out, /admin\\u202ex/);
});

test('dashboard: hostile fields are inert in the JSON the page script puts into text nodes, and the page escapes its label', () => {
  const r = { ...row(), detail: `<img src=x onerror=alert(1)>${PAYLOAD}` };
  const json = JSON.stringify(dashboardRow(r));
  assert.doesNotMatch(json, RAW);
  const back = JSON.parse(json) as { userId: string; detail: string };
  assert.ok(!back.userId.includes('\u202E'), 'what the script puts in textContent is inert too');
  assert.match(back.detail, /^<img src=x onerror=alert\(1\)>admin\\u202ex/, 'markup stays text (the script never uses innerHTML)');
  const page = dashboardPage({ nonce: 'n0nce', base: '/_rampart', css: '', source: `<img src=x>${PAYLOAD}` });
  assert.doesNotMatch(page.replaceAll('\n', ''), RAW);
  assert.doesNotMatch(page, /<img/);
  assert.match(page, /&lt;img src=x&gt;admin/);
});

test('inertText/inertJson: invisible characters are escaped too (soft hyphen, TAG characters, fillers, variation selectors)', () => {
  // Found by the black-box attack pass: U+E0000–E007F can spell a hidden string such as "rm -rf /".
  const tags = [...'rm -rf /'].map((c) => String.fromCodePoint(0xe0000 + c.charCodeAt(0))).join('');
  const invisible = ['\u00ad', '\u180e', '\u115f', '\u1160', '\u3164', '\uffa0', '\ufe0f', '\u{e0100}', '\u{1d173}', '\u034f', '\u2800', tags];
  for (const c of invisible) {
    const text = `a${c}b`;
    const out = inertText(text);
    assert.notEqual(out, text, JSON.stringify(c));
    assert.match(out, /^a(\\(x[0-9a-f]{2}|u[0-9a-f]{4}|u\{[0-9a-f]{5}\}))+b$/, JSON.stringify(out));
    assert.equal(inertText(out), out, 'idempotent');
    const json = inertJson(JSON.stringify({ text }));
    assert.match(json, /^[\x20-\x7e]+$/, 'only printable ASCII on the line');
    assert.equal((JSON.parse(json) as { text: string }).text, text, 'round-trips');
  }
  // Printable text in any script, emoji included, is unchanged.
  for (const text of ['Grüße 世界 مرحبا שלום', 'emoji 👩‍💻 ok', 'tab-free ascii']) {
    assert.equal(inertText(text.replace('\u200d', '')), text.replace('\u200d', ''));
  }
});
