import test from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

// Every type a public signature mentions must be importable by the caller: exported from the
// same subpath or from another public one. The check runs on declaration files emitted in
// memory from src/ (what `npm run build` ships), so inferred return types count too.

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SRC = path.join(ROOT, 'src');
// Never written: the emitted .d.ts files live in a Map under this directory name.
const OUT = path.join(ROOT, '.public-types');

const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, string | { types: string }> };

/** Public subpath → its source entry (`./dist/log/index.d.ts` → src/log/index.ts). */
const entries = new Map<string, string>();
for (const [subpath, target] of Object.entries(pkg.exports)) {
  if (typeof target === 'string') continue;
  const relative = target.types.replace(/^\.\/dist\//, '').replace(/\.d\.ts$/, '.ts');
  entries.set(subpath, path.join(SRC, relative));
}

function emitDeclarations(): Map<string, string> {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, 'tsconfig.build.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  assert.ok(config !== undefined, 'tsconfig.build.json parses');
  const options: ts.CompilerOptions = { ...config.options, outDir: OUT, rootDir: SRC, noEmit: false, declaration: true, emitDeclarationOnly: true };
  const program = ts.createProgram([...entries.values()], options);
  const files = new Map<string, string>();
  const result = program.emit(undefined, (name, text) => files.set(path.resolve(name), text), undefined, true);
  const errors = result.diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  assert.deepEqual(errors, [], 'declarations emit without errors');
  return files;
}

interface Finding {
  type: string;
  declaredIn: string;
  usedBy: string;
}

/** Types reachable from public signatures that no public subpath exports. */
function unexportedTypes(): Finding[] {
  const declarations = emitDeclarations();
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2023,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: ['node'],
    skipLibCheck: true,
    noEmit: true,
  };
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile } = host;
  const directories = new Set(
    [...declarations.keys()].flatMap((file) => {
      const parents: string[] = [];
      for (let dir = path.dirname(file); dir.startsWith(OUT); dir = path.dirname(dir)) parents.push(dir);
      return parents;
    }),
  );
  const { directoryExists } = host;
  host.directoryExists = (name) => directories.has(path.resolve(name)) || (directoryExists?.call(host, name) ?? false);
  host.fileExists = (name) => declarations.has(path.resolve(name)) || fileExists.call(host, name);
  host.readFile = (name) => declarations.get(path.resolve(name)) ?? readFile.call(host, name);
  host.getSourceFile = (name, language, onError, create) => {
    const text = declarations.get(path.resolve(name));
    return text !== undefined ? ts.createSourceFile(name, text, language, true) : getSourceFile.call(host, name, language, onError, create);
  };
  const dts = (source: string): string => path.join(OUT, path.relative(SRC, source)).replace(/\.ts$/, '.d.ts');
  const program = ts.createProgram(
    [...entries.values()].map((e) => dts(e)),
    options,
    host,
  );
  const checker = program.getTypeChecker();
  const resolve = (symbol: ts.Symbol): ts.Symbol => (symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol);
  const ours = (d: ts.Node): boolean => d.getSourceFile().fileName.startsWith(OUT + path.sep);
  const where = (d: ts.Node): string => path.relative(OUT, d.getSourceFile().fileName).replace(/\.d\.ts$/, '.ts');

  // Every declaration exported by a public subpath, and the exported names to start from.
  const exported = new Set<ts.Declaration>();
  const queue: Array<{ declaration: ts.Declaration; name: string }> = [];
  for (const [subpath, entry] of entries) {
    const file = program.getSourceFile(dts(entry));
    assert.ok(file !== undefined, `${subpath}: ${dts(entry)} emitted`);
    const moduleSymbol = checker.getSymbolAtLocation(file);
    assert.ok(moduleSymbol !== undefined, `${subpath} is a module`);
    for (const symbol of checker.getExportsOfModule(moduleSymbol)) {
      for (const declaration of resolve(symbol).declarations ?? []) {
        exported.add(declaration);
        queue.push({ declaration, name: `${subpath === '.' ? 'rampart' : `rampart/${subpath.slice(2)}`} ${symbol.name}` });
      }
    }
  }

  const findings = new Map<string, Finding>();
  const seen = new Set<ts.Node>();
  const isPrivate = (node: ts.Node): boolean =>
    (ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.PrivateKeyword)) ||
    ((ts.isPropertyDeclaration(node) || ts.isMethodDeclaration(node)) && ts.isPrivateIdentifier(node.name));
  const referenced = (node: ts.Node): ts.Node | undefined => {
    if (ts.isTypeReferenceNode(node)) return node.typeName;
    if (ts.isExpressionWithTypeArguments(node)) return node.expression;
    if (ts.isTypeQueryNode(node)) return node.exprName;
    if (ts.isImportTypeNode(node)) return node.qualifier;
    return undefined;
  };
  while (queue.length > 0) {
    const { declaration, name } = queue.shift()!;
    if (seen.has(declaration) || !ours(declaration)) continue;
    seen.add(declaration);
    const visit = (node: ts.Node): void => {
      if (isPrivate(node)) return;
      const target = referenced(node);
      const symbol = target === undefined ? undefined : checker.getSymbolAtLocation(target);
      if (symbol !== undefined) {
        const resolved = resolve(symbol);
        if (!(resolved.flags & ts.SymbolFlags.TypeParameter)) {
          for (const d of resolved.declarations ?? []) {
            if (!ours(d) || seen.has(d)) continue;
            // A `typeof value` is named through its exported alias type; the value's own type is still walked.
            if (!exported.has(d) && resolved.flags & ts.SymbolFlags.Type) {
              const key = `${resolved.name} ${where(d)}`;
              if (!findings.has(key)) findings.set(key, { type: resolved.name, declaredIn: where(d), usedBy: name });
            }
            queue.push({ declaration: d, name: `${name} → ${resolved.name}` });
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    // A module's own body is not a signature (an exported namespace would be; there are none).
    if (ts.isSourceFile(declaration) || ts.isModuleDeclaration(declaration)) continue;
    visit(declaration);
  }
  return [...findings.values()].sort((a, b) => a.type.localeCompare(b.type));
}

test('every type named in a public signature can be imported from a public subpath', () => {
  const missing = unexportedTypes().map((f) => `${f.type} (${f.declaredIn}), reached from ${f.usedBy}`);
  assert.deepEqual(missing, [], `export these types from the subpath that uses them:\n  ${missing.join('\n  ')}`);
});

test('entry points list their exports: no `export *`', () => {
  const offenders: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
        const text = readFileSync(full, 'utf8');
        for (const match of text.matchAll(/^export \*.*$/gm)) offenders.push(`${path.relative(ROOT, full)}: ${match[0]}`);
      }
    }
  };
  walk(SRC);
  assert.deepEqual(offenders, []);
});
