// Every regular expression in src/ must be linear-time: a backtracking engine fed
// request-derived text (log details, form fields, headers, user agents) must not stall the
// event loop. This test extracts every RegExp literal and every `new RegExp(…)`/`RegExp(…)`
// whose pattern is a literal (template literals whose substitutions are string constants of
// the same file are resolved) from src/**/*.ts, runs each through the recheck ReDoS checker
// (pure-JS backend: no Java, no native binary) and fails on any pattern not proven safe.
process.env.RECHECK_BACKEND = 'pure';
process.env.RECHECK_SYNC_BACKEND = 'pure';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { checkSync, type Diagnostics } from 'recheck';

const root = new URL('..', import.meta.url).pathname;

interface Found {
  where: string;
  source: string;
  flags: string;
}

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) sourceFiles(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

/** The cooked value of a string expression built from literals and same-file string constants, or undefined. */
function constantString(node: ts.Expression, consts: Map<string, ts.Expression>, depth = 0): string | undefined {
  if (depth > 8) return undefined;
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isParenthesizedExpression(node)) return constantString(node.expression, consts, depth + 1);
  if (ts.isIdentifier(node)) {
    const init = consts.get(node.text);
    return init === undefined ? undefined : constantString(init, consts, depth + 1);
  }
  if (ts.isTemplateExpression(node)) {
    let out = node.head.text;
    for (const span of node.templateSpans) {
      const v = constantString(span.expression, consts, depth + 1);
      if (v === undefined) return undefined;
      out += v + span.literal.text;
    }
    return out;
  }
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    const l = constantString(node.left, consts, depth + 1);
    const r = constantString(node.right, consts, depth + 1);
    return l === undefined || r === undefined ? undefined : l + r;
  }
  return undefined;
}

function extract(): { found: Found[]; dynamic: string[] } {
  const found: Found[] = [];
  const dynamic: string[] = [];
  for (const file of sourceFiles(join(root, 'src'))) {
    const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const rel = relative(root, file);
    const consts = new Map<string, ts.Expression>();
    const collect = (node: ts.Node): void => {
      if (
        ts.isVariableDeclaration(node) &&
        ts.isIdentifier(node.name) &&
        node.initializer !== undefined &&
        ts.isVariableDeclarationList(node.parent) &&
        (node.parent.flags & ts.NodeFlags.Const) !== 0
      )
        consts.set(node.name.text, node.initializer);
      ts.forEachChild(node, collect);
    };
    collect(sf);
    const at = (node: ts.Node): string => `${rel}:${sf.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
    const visit = (node: ts.Node): void => {
      if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
        const text = node.getText();
        const slash = text.lastIndexOf('/');
        found.push({ where: at(node), source: text.slice(1, slash), flags: text.slice(slash + 1) });
      } else if ((ts.isNewExpression(node) || ts.isCallExpression(node)) && ts.isIdentifier(node.expression) && node.expression.text === 'RegExp') {
        const [pattern, flags] = node.arguments ?? [];
        const source = pattern === undefined ? undefined : constantString(pattern, consts);
        const flagText = flags === undefined ? '' : constantString(flags, consts);
        if (source === undefined || flagText === undefined) dynamic.push(`${at(node)} ${node.getText().slice(0, 80)}`);
        else found.push({ where: at(node), source, flags: flagText });
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return { found, dynamic };
}

// Patterns recheck cannot prove safe, keyed by file and pattern source, each with why it
// cannot stall on request-derived text. Keep this list as small as possible: prefer
// rewriting the pattern with bounded quantifiers or a scanner (src/core/text-scan.ts).
const ALLOWED: ReadonlyArray<{ file: string; source: string; reason: string }> = [];

// `new RegExp(x)` where x is not a literal: copies of a caller's RegExp (their literal, if in
// src/, is checked above; patterns passed by the application are the application's own).
const DYNAMIC_ALLOWED = new Map<string, string>([
  ['src/crypto/config.ts', 'copies a schema field pattern given by the application (without g/y) to test a configuration value, never request text'],
  ['src/ratelimit/rules.ts', 'copies a route pattern given by the application (without g/y)'],
  [
    'src/log/erase-text.ts',
    "an alternation of the erase() caller's values (≤ 100 of ≤ 255 characters), each character escaped or percent-encoded, between fixed-width lookarounds: no quantifier, so a match attempt costs at most the longest value",
  ],
]);

/**
 * recheck's verdict. The automaton checker proves safety outright and is fast on most
 * patterns; where it cannot decide in time (large case-insensitive alternations) or does
 * not apply (lookbehind, back-references), the fuzzing checker runs with a fixed seed and
 * step budgets only, so the verdict does not change from run to run or with the machine's load.
 */
function verdict(source: string, flags: string): Diagnostics {
  const proof = checkSync(source, flags, { checker: 'automaton', timeout: 5_000 });
  if (proof.status !== 'unknown') return proof;
  // Every budget of the fuzzer counted in steps, none in wall time: with its default
  // timeouts (incubation 250 ms, …) a loaded CI box cut the search short and a run reported
  // an attack on a pattern that V8 matches in linear time.
  return checkSync(source, flags, {
    checker: 'fuzz',
    randomSeed: 12,
    timeout: null,
    attackTimeout: null,
    incubationTimeout: null,
    recallTimeout: null,
    seedingTimeout: null,
  });
}

test('every RegExp in src/ is proven linear by recheck (or allow-listed with a reason)', { timeout: 900_000 }, () => {
  const { found, dynamic } = extract();
  assert.ok(found.length > 200, `extracted only ${found.length} patterns: the extractor is broken`);
  for (const d of dynamic) {
    assert.ok(DYNAMIC_ALLOWED.has(d.split(':')[0]!), `new RegExp with a non-literal pattern: ${d} (make it a literal or explain it in DYNAMIC_ALLOWED)`);
  }
  const verdicts = new Map<string, Diagnostics>();
  const failures: string[] = [];
  const usedAllow = new Set<(typeof ALLOWED)[number]>();
  for (const f of found) {
    const key = `/${f.source}/${f.flags}`;
    let result = verdicts.get(key);
    if (result === undefined) {
      const t0 = performance.now();
      result = verdict(f.source, f.flags);
      verdicts.set(key, result);
      if (process.env.REDOS_VERBOSE) console.log(`${(performance.now() - t0).toFixed(0).padStart(6)} ms ${result.status} ${result.checker} ${f.where}`);
    }
    if (result.status === 'safe') continue;
    const allowed = ALLOWED.find((a) => f.where.startsWith(`${a.file}:`) && a.source === f.source);
    if (allowed !== undefined) {
      usedAllow.add(allowed);
      continue;
    }
    const why =
      result.status === 'vulnerable'
        ? `${result.complexity.summary}, attack ${result.attack.pattern.slice(0, 120)}`
        : `${result.status} (${JSON.stringify(result.error).slice(0, 160)})`;
    failures.push(`${f.where} ${key.slice(0, 160)}: ${why}`);
  }
  const stale = ALLOWED.filter((a) => !usedAllow.has(a)).map((a) => `${a.file} ${a.source}`);
  assert.deepEqual(stale, [], 'allow-list entries that are no longer needed (remove them)');
  assert.deepEqual(failures, [], `${failures.length} pattern(s) not proven safe`);
});
