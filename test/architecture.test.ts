/**
 * The architecture is a test (DESIGN §2 "Import rules").
 *
 * Every non-test `.ts` file under `src/` (fixtures excluded: they are inputs of other
 * tests, not part of the package) is parsed with the TypeScript compiler, and each
 * relative import becomes an arrow from one file to another:
 * - `import … from '…'`, `import '…'`, `export … from '…'`,
 * - `import('…')` with a literal specifier, and `import('…').T` in type positions.
 *
 * Type-only imports (`import type`, `export type … from`, an import whose every name is
 * `type`, `import('…').T`) are arrows like any other, for both checks: a type names the
 * module that defines it, so a type pointing up a layer is the same coupling as a value
 * pointing up, and a type cycle is still a cycle for a reader (and for the .d.ts files).
 * Package and `node:` specifiers are not arrows; optional peers are loaded by variable
 * name through `core/optional.ts` and never appear here.
 *
 * The test fails on (a) any file-level import cycle, printed file by file, and (b) any
 * arrow the layer table below forbids, printed with the rule it breaks.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

// ---------------------------------------------------------------------------------------
// The layer table: DESIGN §2's import rules, as data. A "place" is a folder of src/
// ('core') or a file ('errors.ts', 'stack/shield.ts'). A rule with `only` lists every place
// its files may import, their own folder included; a rule with `never` lists places they
// must not import. Arrows inside a folder are held by the cycle check.

/** Middleware folders: pure decisions over the request view, emitting through the core's sink. */
const MIDDLEWARE = ['headers', 'csp', 'cors', 'csrf', 'ratelimit', 'compression', 'guards', 'client-ip', 'abuse', 'input', 'monitor'];

/**
 * Pure libraries below HTTP: output escaping (escapeHtml, inertText, inertJson: no
 * middleware in it, and the log uses it to write inert text) and crypto.
 */
const PURE = ['output', 'crypto'];

/** What sits on top and is imported by no library file: the entry points and the command. */
const TOP = ['index.ts', 'preset.ts', 'cli'];

/** Every library folder (below TOP). */
const LIBRARY = ['core', ...MIDDLEWARE, ...PURE, 'auth', 'gdpr', 'stores', 'log', 'stack', 'adapters', 'dashboard'];

/** The part of src/stack/ below the adapters: the Shield the adapters run and the chain runner. */
const STACK_LOWER = ['stack/shield.ts', 'stack/run.ts', 'stack/target.ts'];

interface Rule {
  /** What the DESIGN says, as printed on a violation. */
  readonly says: string;
  /** Files the rule governs. */
  readonly from: readonly string[];
  /** When given, the only places these files may import (besides their own folder). */
  readonly only?: readonly string[];
  /** Places these files must never import. */
  readonly never?: readonly string[];
}

const RULES: readonly Rule[] = [
  {
    says: 'core imports nothing above it (only src/errors.ts and other core files)',
    from: ['core'],
    only: ['core', 'errors.ts'],
  },
  {
    says: 'middleware never imports adapters, log or stack (events go through the core sink)',
    from: MIDDLEWARE,
    never: ['adapters', 'log', 'stack'],
  },
  {
    says: 'auth middleware, like the HTTP middleware, never imports adapters, log or stack',
    from: ['auth'],
    never: ['adapters', 'log', 'stack'],
  },
  {
    says: 'crypto is a pure library (crypto/, errors.ts and the option checks of core/options.ts; no HTTP)',
    from: ['crypto'],
    only: ['crypto', 'errors.ts', 'core/options.ts'],
  },
  {
    says: 'output escaping is a pure library (output/ and errors.ts only)',
    from: ['output'],
    only: ['output', 'errors.ts'],
  },
  {
    says: 'stores and log know no HTTP composition (no stack, adapters or middleware)',
    from: ['stores', 'log'],
    never: ['stack', 'adapters', ...MIDDLEWARE],
  },
  {
    says: "adapters translate and decide nothing (core, stack's lower modules, client-ip helpers)",
    from: ['adapters'],
    only: ['adapters', 'core', 'errors.ts', ...STACK_LOWER, 'client-ip'],
  },
  {
    says: "stack's lower modules import no adapter (the adapters import them)",
    from: STACK_LOWER,
    never: ['adapters', 'stack/index.ts'],
  },
  {
    says: 'the dashboard serves its own routes beside the stack: no adapter, no stack, no middleware but the CSP nonce',
    from: ['dashboard'],
    never: ['adapters', 'stack', ...MIDDLEWARE.filter((m) => m !== 'csp')],
  },
  {
    says: 'the entry points (index.ts, preset.ts) and the CLI sit on top: no library file imports them',
    from: LIBRARY,
    never: TOP,
  },
];

// ---------------------------------------------------------------------------------------

/** Every non-test .ts file under src/, as a path relative to src/ with `/` separators. */
function sourceFiles(dir = SRC): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) {
      if (name !== 'fixtures' && name !== 'node_modules') files.push(...sourceFiles(full));
    } else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) {
      files.push(relative(SRC, full).split(sep).join('/'));
    }
  }
  return files.sort();
}

interface Arrow {
  readonly from: string;
  readonly to: string;
  readonly typeOnly: boolean;
  readonly line: number;
}

/** The relative-import arrows of one file (see the header for what counts). */
export function importsOf(file: string, text: string): { arrows: Arrow[]; unresolved: string[] } {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const arrows: Arrow[] = [];
  const unresolved: string[] = [];
  const add = (specifier: string, typeOnly: boolean, node: ts.Node): void => {
    if (!specifier.startsWith('.')) return;
    const target = relative(SRC, resolve(SRC, dirname(file), specifier))
      .split(sep)
      .join('/');
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    if (!existsSync(join(SRC, target)) || statSync(join(SRC, target)).isDirectory()) {
      unresolved.push(`${file}:${line} imports ${specifier}`);
      return;
    }
    arrows.push({ from: file, to: target, typeOnly, line });
  };
  const literal = (node: ts.Node | undefined): string | undefined =>
    node !== undefined && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text : undefined;
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const named = clause?.namedBindings;
      const allTypes =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            named !== undefined &&
            ts.isNamedImports(named) &&
            named.elements.length > 0 &&
            named.elements.every((e) => e.isTypeOnly)));
      add(literal(node.moduleSpecifier)!, allTypes, node);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined) {
      const clause = node.exportClause;
      const allTypes =
        node.isTypeOnly || (clause !== undefined && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly));
      add(literal(node.moduleSpecifier)!, allTypes, node);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const specifier = literal(node.arguments[0]);
      if (specifier !== undefined) add(specifier, false, node);
    } else if (ts.isImportTypeNode(node)) {
      const argument = node.argument;
      if (ts.isLiteralTypeNode(argument)) {
        const specifier = literal(argument.literal);
        if (specifier !== undefined) add(specifier, true, node);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { arrows, unresolved };
}

/** True when `file` is (in) `place`: the file itself or a file under the folder. */
function inPlace(file: string, place: string): boolean {
  return file === place || file.startsWith(`${place}/`);
}

/** Arrows that break a rule of {@link RULES}, one line each. */
export function forbiddenArrows(arrows: readonly Arrow[], rules: readonly Rule[] = RULES): string[] {
  const found: string[] = [];
  for (const arrow of arrows) {
    for (const rule of rules) {
      if (!rule.from.some((place) => inPlace(arrow.from, place))) continue;
      const notAllowed = rule.only !== undefined && !rule.only.some((place) => inPlace(arrow.to, place));
      const denied = rule.never?.some((place) => inPlace(arrow.to, place));
      if (notAllowed || denied) {
        found.push(`${arrow.from}:${arrow.line} → ${arrow.to}${arrow.typeOnly ? ' (type-only)' : ''}: ${rule.says}`);
      }
    }
  }
  return found;
}

/** Every file-level cycle, one per strongly connected component, as `a → b → … → a`. */
export function importCycles(files: readonly string[], arrows: readonly Arrow[]): string[] {
  const next = new Map<string, string[]>();
  for (const file of files) next.set(file, []);
  for (const { from, to } of arrows) {
    const list = next.get(from)!;
    if (!list.includes(to)) list.push(to);
  }
  // Tarjan's strongly connected components (iterative enough for a few hundred files).
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stackOf: string[] = [];
  const components: string[][] = [];
  const strong = (v: string): void => {
    indexOf.set(v, index);
    low.set(v, index);
    index++;
    stackOf.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!indexOf.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indexOf.get(w)!));
    }
    if (low.get(v) === indexOf.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stackOf.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (next.get(v) ?? []).includes(v)) components.push(component);
    }
  };
  for (const file of files) if (!indexOf.has(file)) strong(file);
  // Print the shortest cycle through the first file (alphabetically) of each component.
  return components.map((component) => {
    const members = new Set(component);
    const startAt = [...component].sort()[0]!;
    const parent = new Map<string, string>();
    const queue = [startAt];
    let end: string | undefined;
    while (queue.length > 0 && end === undefined) {
      const v = queue.shift()!;
      for (const w of next.get(v) ?? []) {
        if (!members.has(w)) continue;
        if (w === startAt) {
          end = v;
          break;
        }
        if (!parent.has(w)) {
          parent.set(w, v);
          queue.push(w);
        }
      }
    }
    const path = [startAt];
    for (let v = end!; v !== startAt; v = parent.get(v)!) path.splice(1, 0, v);
    path.push(startAt);
    const extra =
      component.length > path.length - 1
        ? ` (strongly connected with ${component.length - path.length + 1} more: ${component
            .filter((f) => !path.includes(f))
            .sort()
            .join(', ')})`
        : '';
    return path.join(' → ') + extra;
  });
}

function graph(): { files: string[]; arrows: Arrow[]; unresolved: string[] } {
  const files = sourceFiles();
  const arrows: Arrow[] = [];
  const unresolved: string[] = [];
  for (const file of files) {
    const found = importsOf(file, readFileSync(join(SRC, file), 'utf8'));
    arrows.push(...found.arrows);
    unresolved.push(...found.unresolved);
  }
  return { files, arrows, unresolved };
}

test('architecture: the checker sees every kind of import', () => {
  const { arrows } = importsOf(
    'core/x.ts',
    [
      "import { a } from './canonical.ts';",
      "import type { B } from '../errors.ts';",
      "import { type C, type D } from '../stack/index.ts';",
      "import './events.ts';",
      "export { e } from '../index.ts';",
      "export type { F } from '../preset.ts';",
      "const g = await import('../log/index.ts');",
      "let h: import('../adapters/node.ts').NodeHandler;",
      '// import { z } from "../cli/main.ts";',
      'const s = \'import("../cli/main.ts")\';',
      "import pkg from 'node:fs';",
    ].join('\n'),
  );
  assert.deepEqual(
    arrows.map((a) => [a.to, a.typeOnly]),
    [
      ['core/canonical.ts', false],
      ['errors.ts', true],
      ['stack/index.ts', true],
      ['core/events.ts', false],
      ['index.ts', false],
      ['preset.ts', true],
      ['log/index.ts', false],
      ['adapters/node.ts', true],
    ],
  );
});

test('architecture: the rules and the cycle finder catch what they should (self-test)', () => {
  const arrow = (from: string, to: string): Arrow => ({ from, to, typeOnly: false, line: 1 });
  assert.equal(forbiddenArrows([arrow('core/view.ts', 'client-ip/index.ts')]).length, 1);
  assert.equal(forbiddenArrows([arrow('core/view.ts', 'core/types.ts'), arrow('core/view.ts', 'errors.ts')]).length, 0);
  assert.equal(forbiddenArrows([arrow('csrf/index.ts', 'log/index.ts')]).length, 1);
  assert.equal(forbiddenArrows([arrow('csrf/index.ts', 'stack/run.ts')]).length, 1);
  assert.equal(forbiddenArrows([arrow('crypto/fernet.ts', 'core/options.ts')]).length, 0);
  assert.equal(forbiddenArrows([arrow('crypto/fernet.ts', 'core/types.ts')]).length, 1);
  assert.equal(forbiddenArrows([arrow('log/store.ts', 'ratelimit/index.ts')]).length, 1);
  assert.equal(forbiddenArrows([arrow('log/export.ts', 'output/index.ts'), arrow('log/export.ts', 'core/types.ts')]).length, 0);
  assert.equal(forbiddenArrows([arrow('output/index.ts', 'core/types.ts')]).length, 1);
  assert.equal(forbiddenArrows([arrow('auth/jwt/middleware.ts', 'log/index.ts')]).length, 1);
  assert.equal(forbiddenArrows([arrow('csp/report.ts', 'preset.ts'), arrow('log/index.ts', 'cli/log.ts')]).length, 2);
  assert.equal(forbiddenArrows([arrow('cli/log.ts', 'preset.ts'), arrow('index.ts', 'preset.ts')]).length, 0);
  assert.equal(forbiddenArrows([arrow('adapters/node.ts', 'stack/index.ts')]).length, 1);
  assert.equal(forbiddenArrows([arrow('adapters/node.ts', 'stack/shield.ts'), arrow('adapters/node.ts', 'client-ip/address.ts')]).length, 0);
  assert.equal(forbiddenArrows([arrow('adapters/node.ts', 'csrf/index.ts')]).length, 1);
  assert.equal(forbiddenArrows([arrow('stack/run.ts', 'adapters/node.ts')]).length, 1);
  assert.equal(forbiddenArrows([arrow('stack/index.ts', 'adapters/node.ts'), arrow('stack/run.ts', 'stack/target.ts')]).length, 0);
  const files = ['a.ts', 'b.ts', 'c.ts', 'd.ts'];
  assert.deepEqual(importCycles(files, [arrow('a.ts', 'b.ts'), arrow('b.ts', 'c.ts'), arrow('c.ts', 'a.ts'), arrow('c.ts', 'd.ts')]), [
    'a.ts → b.ts → c.ts → a.ts',
  ]);
  assert.deepEqual(importCycles(files, [arrow('a.ts', 'b.ts'), arrow('b.ts', 'c.ts')]), []);
});

test('architecture: every relative import of src/ resolves to a file', () => {
  assert.deepEqual(graph().unresolved, []);
});

test('architecture: no file-level import cycle in src/ (type-only imports included)', () => {
  const { files, arrows } = graph();
  const cycles = importCycles(files, arrows);
  assert.deepEqual(cycles, [], `import cycles:\n  ${cycles.join('\n  ')}`);
});

test('architecture: no arrow the DESIGN import rules forbid (type-only imports included)', () => {
  const { arrows } = graph();
  const forbidden = forbiddenArrows(arrows);
  assert.deepEqual(forbidden, [], `forbidden imports:\n  ${forbidden.join('\n  ')}`);
});
