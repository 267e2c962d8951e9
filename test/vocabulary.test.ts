// One name per concept (README "Glossary"): this suite reads every option-name list that
// src/ passes to checkKeys()/optionsObject() and every `now` option type, and fails on a
// synonym the glossary rules out. A renamed option stays accepted only as a deprecated
// alias listed in DEPRECATED below (and in the glossary), next to its new name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { randomBytes } from 'node:crypto';
import { signRequest, verifyRequest, verifyWebhook, requireSignedRequest, requireWebhook, requireHttpSignature } from '../src/auth/index.ts';
import { cspReport } from '../src/csp/index.ts';
import { uploads } from '../src/input/index.ts';
import { isRampartError } from '../src/errors.ts';

const ROOT = join(import.meta.dirname, '..');
const SRC = join(ROOT, 'src');

/** Old option name → [new name, files that still accept the old one]. */
const DEPRECATED: Record<string, readonly [string, readonly string[]]> = {
  maxBodyBytes: ['bodyLimit', ['src/auth/signing/hmac-request.ts', 'src/auth/signing/webhook-middleware.ts', 'src/auth/signing/http-signature-middleware.ts']],
  maxBytes: ['bodyLimit', ['src/csp/report.ts']],
  maxFileSize: ['maxFileBytes', ['src/input/uploads.ts']],
  maxFieldSize: ['maxFieldBytes', ['src/input/uploads.ts']],
  maxTotalSize: ['maxTotalBytes', ['src/input/uploads.ts']],
  now: ['time', ['src/auth/signing/hmac-request.ts', 'src/auth/signing/webhooks.ts']],
};

/**
 * Names the glossary rules out. Byte limits: `bodyLimit` for a request body, `max<Thing>Bytes`
 * otherwise (`compression.minSize` is the seed's name); never …Size, …Limit or limitBytes.
 */
const FORBIDDEN: ReadonlyArray<[RegExp, string]> = [
  [/^(?:max|min)?(?:Body)?(?:Size|Length)Bytes$|^limitBytes$|^bytesLimit$|^byteLimit$|^sizeLimit$/, 'a byte limit is bodyLimit or max<Thing>Bytes'],
  [/^max(?!Age$)\w*Size$|^maxSize$|^maxBody\w*$|^maxBytes$|^maxPayload\w*$|^payloadLimit$/, 'a byte limit is bodyLimit (request body) or max<Thing>Bytes'],
  [/^(?:bodySize|bodyMaxBytes|maxRequestSize|requestLimit)$/, 'the request-body limit is bodyLimit'],
  [/^(?:currentTime|clock|timeNow|nowMs|nowSeconds|date)$/, 'a clock is now: () => epoch ms; a point in time is time (Unix seconds)'],
  [/^(?:pg|postgres|postgresUrl|databaseUrl|connection|connectionString|pool|sql|pglite)$/, 'a database is the database option'],
  [/^\w*(?:Millis|Milliseconds)$/, 'milliseconds are spelt with an Ms suffix; durations default to seconds'],
];

/** Files still on another engineer's desk for the database option shape (issue 14 item 2). */
const DATABASE_PENDING = new Set(['src/stores/postgres.ts']);

function* sources(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sources(path);
    else if (path.endsWith('.ts') && !path.endsWith('.test.ts')) yield path;
  }
}

/** Every option name a factory checks, with the file it is checked in. */
function optionNames(): Array<{ name: string; file: string }> {
  const out: Array<{ name: string; file: string }> = [];
  for (const path of sources(SRC)) {
    const text = readFileSync(path, 'utf8');
    const file = relative(ROOT, path);
    const consts = new Map<string, string>();
    for (const m of text.matchAll(/const\s+([A-Za-z_]\w*)(?:\s*:\s*[^=]+)?\s*=\s*\[([^\]]*)\]/g)) consts.set(m[1] ?? '', m[2] ?? '');
    for (const m of text.matchAll(
      /(?:checkKeys|optionsObject|checkVerifyOptions)\(\s*[^,()]+,\s*(?:[^,[\]()]+,\s*)?(?:\(\)\s*=>\s*[^,]+,\s*)?(\[\.\.\.[A-Z_]+,\s*\.\.\.\w+\]|\[[^\]]*\]|[A-Za-z_]\w*)/g,
    )) {
      const arg = m[1] ?? '';
      const list = arg.startsWith('[') ? arg : consts.get(arg);
      if (list === undefined) continue;
      for (const s of list.matchAll(/'([A-Za-z_$][\w$]*)'/g)) out.push({ name: s[1] ?? '', file });
    }
  }
  return out;
}

test('the scan finds the option lists (a broken scan must not pass vacuously)', () => {
  const names = optionNames();
  assert.ok(names.length > 200, `only ${names.length} option names found`);
  for (const expected of ['bodyLimit', 'maxDataBytes', 'secret', 'window', 'database', 'time']) {
    assert.ok(
      names.some((n) => n.name === expected),
      `${expected} not found by the scan`,
    );
  }
});

test('no option name is a synonym the glossary rules out (deprecated aliases only where listed, beside their new name)', () => {
  const names = optionNames();
  const problems: string[] = [];
  for (const { name, file } of names) {
    const alias = DEPRECATED[name];
    if (alias?.[1].includes(file)) {
      if (!names.some((n) => n.file === file && n.name === alias[0])) problems.push(`${file}: deprecated ${name} without its new name ${alias[0]}`);
      continue;
    }
    if (name === 'now') continue; // its type is held by the next test
    for (const [pattern, rule] of FORBIDDEN) {
      if (pattern.test(name) && !(rule.startsWith('a database') && DATABASE_PENDING.has(file))) problems.push(`${file}: option ${name} — ${rule}`);
    }
  }
  assert.deepEqual(problems, []);
});

/** The bodies of `interface …Options` declarations (brace-matched), with their file. */
function optionInterfaces(): Array<{ file: string; name: string; body: string }> {
  const out: Array<{ file: string; name: string; body: string }> = [];
  for (const path of sources(SRC)) {
    const text = readFileSync(path, 'utf8');
    for (const m of text.matchAll(/interface\s+(\w*Options)\b[^{]*\{/g)) {
      let depth = 1;
      let i = (m.index ?? 0) + m[0].length;
      const from = i;
      for (; i < text.length && depth > 0; i++) {
        if (text[i] === '{') depth++;
        else if (text[i] === '}') depth--;
      }
      out.push({ file: relative(ROOT, path), name: m[1] ?? '', body: text.slice(from, i - 1) });
    }
  }
  return out;
}

test('`now` is always a clock, () => number in epoch milliseconds; a fixed point in time is `time` (Unix seconds)', () => {
  const problems: string[] = [];
  let clocks = 0;
  for (const { file, name, body } of optionInterfaces()) {
    for (const m of body.matchAll(/((?:\/\*\*(?:[^*]|\*(?!\/))*\*\/\s*)?)^\s*(now|time)\??:\s*([^;\n]+);/gm)) {
      const [doc, option, type] = [m[1] ?? '', m[2], (m[3] ?? '').trim()];
      if (doc.includes('@deprecated')) continue;
      if (option === 'now' && type === '() => number') clocks++;
      else if (option === 'time' && type === 'number') continue;
      else problems.push(`${file} ${name}.${option}: ${type}`);
    }
  }
  assert.ok(clocks >= 5, `only ${clocks} now clocks found: the scan is broken`);
  assert.deepEqual(problems, []);
});

test('README Glossary lists each concept and every deprecated alias the code accepts', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Glossary');
  assert.ok(start >= 0, 'README has a "## Glossary" section');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 5));
  for (const name of ['bodyLimit', 'max<Thing>Bytes', 'now', 'time', 'window', 'database', 'secret']) {
    assert.ok(section.includes(`\`${name}\``), `glossary names ${name}`);
  }
  for (const [old, [now]] of Object.entries(DEPRECATED)) {
    assert.ok(new RegExp(`\`${old}\`[^\\n]*\`${now}\`|\`${now}\`[^\\n]*\`${old}\``).test(section), `glossary lists the deprecated ${old} → ${now}`);
  }
});

const SECRET = randomBytes(32).toString('base64url');

test('renamed options: the new name works, the old one still does, both at once is a construction error', async () => {
  const headers = signRequest({ secret: SECRET, method: 'GET', path: '/', timestamp: 1_700_000_000 });
  await verifyRequest({ secret: SECRET, method: 'GET', path: '/', headers, time: 1_700_000_010, allowReplay: true });
  await verifyRequest({ secret: SECRET, method: 'GET', path: '/', headers, now: 1_700_000_010, allowReplay: true });
  await assert.rejects(verifyRequest({ secret: SECRET, method: 'GET', path: '/', headers, time: 1_700_000_010 + 3600, allowReplay: true }), (e) =>
    isRampartError(e, 'ERR_RAMPART_SIGNATURE_EXPIRED'),
  );
  await assert.rejects(verifyRequest({ secret: SECRET, method: 'GET', path: '/', headers, time: 1, now: 1, allowReplay: true }), (e) =>
    isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
  assert.throws(
    () => verifyWebhook({ provider: 'github', secret: SECRET, body: '{}', headers: {}, time: 1, now: 1 }),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );

  for (const [name, make] of [
    ['requireSignedRequest', (o: object) => requireSignedRequest({ secret: SECRET, ...o })],
    ['requireWebhook', (o: object) => requireWebhook({ provider: 'github', secret: SECRET, ...o })],
    ['requireHttpSignature', (o: object) => requireHttpSignature({ keys: { k: { key: SECRET, algorithm: 'hmac-sha256' } }, ...o })],
    ['cspReport', (o: object) => cspReport(o)],
  ] as const) {
    make({ bodyLimit: 4096 });
    make({ [name === 'cspReport' ? 'maxBytes' : 'maxBodyBytes']: 4096 });
    assert.throws(
      () => make({ bodyLimit: 4096, [name === 'cspReport' ? 'maxBytes' : 'maxBodyBytes']: 4096 }),
      (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
      name,
    );
  }
  uploads({ maxFileBytes: 1024, maxFieldBytes: 1024, maxTotalBytes: 4096 });
  uploads({ maxFileSize: 1024, maxFieldSize: 1024, maxTotalSize: 4096 });
  assert.throws(
    () => uploads({ maxFileBytes: 1024, maxFileSize: 1024 }),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
});
