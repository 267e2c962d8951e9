/**
 * Adversarial-text benchmark (issue 12 item 3): every text function rampart runs on
 * request-derived text, fed 100 KB inputs shaped to make careless regular expressions
 * backtrack (long runs of the characters a pattern repeats, unterminated constructs,
 * repeated prefixes). Reports the worst input per function; the target is ≤ 20 ms each.
 * Exit code 1 when a function misses the target.
 *
 *   node_modules/.bin/node bench/text.ts            # all functions
 *   node_modules/.bin/node bench/text.ts redact     # only rows whose name contains "redact"
 *
 * The guard against regressions is test/redos.test.ts (every RegExp in src/ proven linear);
 * this bench shows what the caps and scanners cost in wall time.
 */
import { redactString, redact } from '../src/log/redact.ts';
import { findPii, redactPii } from '../src/input/pii.ts';
import { detectAttack } from '../src/input/detect.ts';
import { sanitizeHtml } from '../src/input/sanitize.ts';
import { scoreUserAgent } from '../src/abuse/bots.ts';
import { checkEmail } from '../src/input/email.ts';
import { isAllowedUrl } from '../src/input/url.ts';
import { normalizeDetail } from '../src/log/fields.ts';

const SIZE = 100_000;
const TARGET_MS = 20;

/** `unit` repeated to SIZE characters, then `tail` (often a character that makes the last match fail). */
const fill = (unit: string, tail = '\u0000'): string => unit.repeat(Math.ceil((SIZE - tail.length) / unit.length)).slice(0, SIZE - tail.length) + tail;

/** Shapes that hurt backtracking engines, shared by every function; each function adds its own. */
const COMMON: Record<string, string> = {
  'a…': fill('a'),
  digits: fill('1'),
  spaces: fill(' '),
  tabs: fill('\t'),
  dots: fill('.'),
  quotes: fill("'"),
  'eyJ run': fill('eyJyyyy-'),
  'eyJ dot pairs': fill('eyJ-e---.'),
  'eyJ-': fill('eyJ-'),
  '<a ': fill('<a '),
  'on=': fill(' on'),
  '%2e': fill('%2e'),
  '&#x': fill('&#x6a'),
  'http://': fill('http://'),
  '/*': fill('/*'),
  '@': fill('a@'),
  'a.': fill('a.'),
  '1-': fill('1-'),
  '1 ': fill('1 '),
  '=': fill('='),
  'password=': fill('password="'),
  'Bearer ': fill('Bearer '),
  sk_live_: fill('sk_live_'),
  '-----BEGIN ': fill('-----BEGIN '),
  ghp_: fill('ghp_a'),
  xox: fill('xoxb-'),
  AKIA: fill('AKIA'),
  '::': fill('a:'),
  '255.': fill('255.'),
  'DE89 ': fill('DE89 '),
  '(+1': fill('(+1 '),
  '123-45-': fill('123-45-'),
  '<!--': fill('<!--'),
  '"><': fill('"><'),
  'union select': fill('union select '),
  "' or ": fill("' or "),
  ';cat': fill(';cat'),
  '../': fill('../'),
  '\\x': fill('\\x'),
};

interface Row {
  name: string;
  fn: (s: string) => unknown;
  extra?: Record<string, string>;
}

const ROWS: Row[] = [
  { name: 'redactString (log)', fn: (s) => redactString(s) },
  { name: 'redact(object) (log)', fn: (s) => redact({ username: s, nested: { note: s } }) },
  { name: 'SecurityLog detail (normalizeDetail)', fn: (s) => normalizeDetail(s, 4096) },
  { name: 'findPii', fn: (s) => findPii(s) },
  { name: 'findPii (defaultCountry US)', fn: (s) => findPii(s, { defaultCountry: 'US' }) },
  { name: 'redactPii', fn: (s) => redactPii(s) },
  { name: 'detectAttack (maxLength 100,000)', fn: (s) => detectAttack(s, { maxLength: SIZE }) },
  { name: 'sanitizeHtml', fn: (s) => sanitizeHtml(s), extra: { 'nested <b>': fill('<b>'), attrs: fill('<a href="x" title="'), '<p><x>': fill('<p><x>') } },
  { name: 'scoreUserAgent', fn: (s) => scoreUserAgent(s, { 'my-monitor': -100 }) },
  { name: 'checkEmail', fn: (s) => checkEmail(s) },
  { name: 'isAllowedUrl', fn: (s) => isAllowedUrl(s) },
];

function timeOnce(fn: () => unknown): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

const filter = process.argv[2];
let failed = 0;
console.log(
  `adversarial ${SIZE.toLocaleString('en-US')}-character inputs, worst of ${Object.keys(COMMON).length}+ shapes, median of 3 runs; target ≤ ${TARGET_MS} ms`,
);
console.log('| function | worst shape | worst ms | median over shapes ms |');
console.log('|---|---|---|---|');
for (const row of ROWS) {
  if (filter !== undefined && !row.name.includes(filter)) continue;
  const shapes = { ...COMMON, ...row.extra };
  const times: Array<[string, number]> = [];
  for (const [label, input] of Object.entries(shapes)) {
    const run = () => {
      try {
        row.fn(input);
      } catch {
        // refusals (over a length cap) are a result too
      }
    };
    run(); // warm-up (JIT, lazy tables)
    const samples = [timeOnce(run), timeOnce(run), timeOnce(run)].sort((a, b) => a - b);
    times.push([label, samples[1]!]);
  }
  times.sort((a, b) => b[1] - a[1]);
  const median = times[Math.floor(times.length / 2)]![1];
  const [worstLabel, worst] = times[0]!;
  if (worst > TARGET_MS) failed++;
  console.log(`| ${row.name} | ${worstLabel} | ${worst.toFixed(2)}${worst > TARGET_MS ? ' ✗' : ''} | ${median.toFixed(2)} |`);
}
if (failed > 0) {
  console.log(`${failed} function(s) over ${TARGET_MS} ms`);
  process.exitCode = 1;
}
