/**
 * The README never drifts (issue 15): every ```ts / ```js block runs, as a consumer would
 * run it (`rampart` resolves to src through the package's export map, see
 * helpers/readme-hooks.ts), unless the line before it says why it cannot:
 *
 *   <!-- not-run: a fragment of the handler above -->
 *
 * `<!-- run: with-previous -->` runs a block after the code of the block before it (a
 * continuation). `<!-- run: as NAME -->` remembers a block's code under NAME and
 * `<!-- run: after NAME -->` runs a later block after it (several sections continuing one
 * setup); an import the earlier code already made is not repeated. `<!-- run: needs redis -->`
 * / `<!-- run: needs postgres -->` start a throwaway server (test/helpers/services.ts) and
 * hand the block its URL as REDIS_URL / DATABASE_URL; without the binary the block is
 * skipped with the reason (a failure with RAMPART_REQUIRE_SERVICES=1). `<!-- run: needs certificates -->`
 * writes a self-signed localhost certificate into the block's directory as cert.pem and
 * key.pem (and as the CA files clients-ca.pem and db-ca.pem); a TLS server is sent its GET over https.
 * `<!-- run: serve default export -->` serves the block's `export default { fetch }` (what
 * Bun, Deno and Workers load) with @hono/node-server. Directives combine with `;`.
 * A block that starts a server is sent `GET /` and must answer below 500;
 * other blocks must exit with status 0. A fenced block preceded by
 * `<!-- output: GET /path -->` lists the status line (`HTTP/1.1 200 OK`) and response
 * headers (`Name: value`) that the server of the block above must send; `<!-- output: stdout -->` lists lines its output must contain.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import https from 'node:https';
import { startPostgres, startRedis, type PgServer, type RedisServer } from './helpers/services.ts';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const HOOKS = new URL('./helpers/readme-hooks.ts', import.meta.url).href;

interface Output {
  kind: 'stdout' | 'get';
  path: string;
  lines: string[];
}

interface Block {
  line: number;
  lang: string;
  code: string;
  notRun?: string;
  withPrevious: boolean;
  as?: string;
  after?: string;
  needs: ('redis' | 'postgres')[];
  certificates: boolean;
  serveDefault: boolean;
  outputs: Output[];
}

/** The directives of a `<!-- run: a; b -->` marker. */
function directives(marker: string): string[] {
  const body = /^<!-- run: (.*) -->$/.exec(marker)?.[1];
  return body === undefined ? [] : body.split(';').map((d) => d.trim());
}

/** The fenced blocks of the README with the marker comment right before each (blank lines allowed between). */
export function readmeBlocks(text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  let last: Block | undefined;
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]!);
    if (open === null) continue;
    let end = i + 1;
    while (end < lines.length && !lines[end]!.startsWith('```')) end++;
    const code = lines.slice(i + 1, end).join('\n');
    let before = i - 1;
    while (before >= 0 && lines[before]!.trim() === '') before--;
    const marker = before >= 0 ? lines[before]!.trim() : '';
    const lang = open[1] ?? '';
    const output = /^<!-- output: (stdout|GET (\S+)) -->$/.exec(marker);
    if (output !== null) {
      assert.ok(last !== undefined, `README line ${i + 1}: an output block needs a code block above it`);
      last.outputs.push({
        kind: output[1] === 'stdout' ? 'stdout' : 'get',
        path: output[2] ?? '/',
        lines: code
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l !== ''),
      });
    } else if (lang === 'ts' || lang === 'js') {
      const notRun = /^<!-- not-run: (.*) -->$/.exec(marker)?.[1]?.trim();
      const run = directives(marker);
      const named = (verb: string): string | undefined => run.find((d) => d.startsWith(`${verb} `))?.slice(verb.length + 1);
      const needs = run.filter((d) => d === 'needs redis' || d === 'needs postgres').map((d) => d.slice(6) as 'redis' | 'postgres');
      for (const d of run) {
        assert.match(
          d,
          /^(with-previous|as \S+|after \S+|needs (redis|postgres|certificates)|serve default export)$/,
          `README line ${i + 1}: unknown directive ${d}`,
        );
      }
      last = {
        line: i + 1,
        lang,
        code,
        notRun,
        withPrevious: run.includes('with-previous'),
        as: named('as'),
        after: named('after'),
        needs,
        certificates: run.includes('needs certificates'),
        serveDefault: run.includes('serve default export'),
        outputs: [],
      };
      blocks.push(last);
    }
    i = end;
  }
  return blocks;
}

const IMPORT = /^import\s+([^;'"]*?)\s+from\s+'([^']+)';?[ \t]*$/gm;

/** The local names an import clause declares (`x`, `{ a, b as c }`, `* as ns`, `type` ones too). */
function importedNames(clause: string): string[] {
  const names: string[] = [];
  const braces = /\{([^}]*)\}/.exec(clause);
  for (const part of braces?.[1]?.split(',') ?? []) {
    const name = part
      .trim()
      .split(/\s+as\s+/)
      .pop()
      ?.replace(/^type\s+/, '')
      .trim();
    if (name) names.push(name);
  }
  const outside = clause
    .replace(/\{[^}]*\}/, '')
    .replace(/,/g, ' ')
    .trim();
  const star = /\*\s+as\s+(\w+)/.exec(outside);
  if (star?.[1] !== undefined) names.push(star[1]);
  else if (outside !== '' && outside !== 'type') names.push(outside.replace(/^type\s+/, ''));
  return names;
}

/** `base` followed by `next`, leaving out of `next` the imports `base` already made. */
export function joinCode(base: string, next: string): string {
  const have = new Set<string>();
  for (const m of base.matchAll(IMPORT)) for (const n of importedNames(m[1]!)) have.add(`${m[2]}\0${n}`);
  const known = (name: string, from: string): boolean => have.has(`${from}\0${name}`);
  const rest = next.replace(IMPORT, (line, clause: string, from: string) => {
    const names = importedNames(clause);
    if (!names.some((n) => known(n, from))) return line;
    if (names.every((n) => known(n, from))) return '';
    const braces = /^\{([^}]*)\}$/.exec(clause.trim());
    if (braces === null) return line;
    const kept = braces[1]!.split(',').filter((part) => part.trim() !== '' && !known(importedNames(`{${part}}`)[0]!, from));
    return `import { ${kept.map((part) => part.trim()).join(', ')} } from '${from}';`;
  });
  return `${base}\n${rest}`;
}

/** Values for the environment variables the examples read. */
const ENV: Record<string, string> = {
  CSRF_SECRET: 'k3J9vQ2mX8pL4tR7wZ1cF6hN0bD5gS2yE9uA3iO8qW4=',
  JWT_SECRET: 'hS7!pQ2#vL9@xR4$mK8%wT1^zC6&bN3*',
  SESSION_SECRET: 'sE5(rT8)yU1_iO4+pA7=dF0[gH3]jK6{',
  LOGIN_GUARD_SECRET: 'lG2}zX5|cV8;bN1:mQ4<wE7>rT0?yU3~',
  API_KEY_SECRET: 'aK9.sD2,fG5/hJ8`kL1-zX4=cV7!bN0@',
  API_SIGNING_KEY: 'sI3#gN6$kY9%pQ2^wE5&rT8*yU1(iO4)',
  PASSWORD_PEPPER: 'pP4_eP7+pE0=rR3[sS6]tT9{uU2}vV5|',
  PSEUDONYM_KEY: 'ps8;eU1:dO4<nY7>mK0?kE3~yZ6.aB9,',
  GITHUB_WEBHOOK_SECRET: 'gh5/wH8`sE1-cR4=eT7!kY0@zZ3#qQ6$',
  STRIPE_WEBHOOK_SECRET: `whsec_${Buffer.from('stripe-webhook-secret-32-bytes!!').toString('base64')}`,
  NEW_KEY: 'nK1!eW4@kE7#yY0$zZ3%qQ6^wW9&xX2*',
  OLD_KEY: 'oK8(lD1)kE4_yY7+zZ0=qQ3[wW6]xX9{',
  DATABASE_URL: 'postgres://app@127.0.0.1:5432/app',
  SECRET_KEY: 'sK2}eC5|rE8;tT1:kK4<eE7>yY0?zZ3~',
  ALERT_WEBHOOK_SECRET: `whsec_${Buffer.from('alert-webhook-secret-32-bytes!!!').toString('base64')}`,
  RAMPART_SILENT: '1',
};

interface RunResult {
  exit?: number | null;
  port?: number;
  tls?: boolean;
  stdout: string;
  stderr: string;
  stop(): void;
}

function run(file: string, cwd: string, env: Record<string, string>): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', HOOKS, file], { cwd, env: { ...process.env, ...ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let settled = false;
    const stop = (): void => {
      if (child.exitCode === null) child.kill('SIGKILL');
    };
    const settle = (result: Omit<RunResult, 'stdout' | 'stderr' | 'stop'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...result, stdout, stderr, stop });
    };
    const timer = setTimeout(() => {
      stop();
      settle({ exit: -1 });
    }, 30_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const listening = /README-LISTENING (\d+)( tls)?/.exec(stdout);
      if (listening !== null) settle({ port: Number(listening[1]), tls: listening[2] !== undefined });
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('exit', (code) => settle({ exit: code }));
  });
}

function get(port: number, path: string, tls = false): Promise<{ status: number; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    // The certificate is the block's own self-signed one.
    (tls ? https : http)
      .get({ host: '127.0.0.1', port, path, headers: { host: 'localhost' }, rejectUnauthorized: false }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      })
      .on('error', reject);
  });
}

test('a continued block leaves out the imports the code before it made', () => {
  const base = "import http from 'node:http';\nimport { rampart, stack } from 'rampart';\nconst shield = rampart();";
  const next =
    "import http from 'node:http';\nimport { stack, cors } from 'rampart';\nimport { sessions } from 'rampart/auth';\nimport * as fs from 'node:fs';";
  const joined = joinCode(base, next).split('\n');
  assert.deepEqual(
    joined.slice(3).filter((l) => l !== ''),
    ["import { cors } from 'rampart';", "import { sessions } from 'rampart/auth';", "import * as fs from 'node:fs';"],
  );
  assert.deepEqual(importedNames('type Options, { a, b as c, type D }'), ['a', 'c', 'D', 'Options']);
});

const blocks = readmeBlocks(README);
const dir = mkdtempSync(join(tmpdir(), 'rampart-readme-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** One throwaway server of each kind, shared by the blocks that need it, started on first use. */
const started: { redis?: Promise<RedisServer | undefined>; postgres?: Promise<PgServer | undefined> } = {};
const services = {
  redis: (): Promise<RedisServer | undefined> => (started.redis ??= startRedis(undefined)),
  postgres: (): Promise<PgServer | undefined> => (started.postgres ??= startPostgres(undefined)),
};
test.after(async () => {
  await (await started.redis)?.stop();
  await (await started.postgres)?.stop();
});

const ARGON2_MISSING = 'argon2id needs Node >= 24.7 (crypto.argon2) or @node-rs/argon2, and neither is here';
async function argon2Available(): Promise<boolean> {
  if ('argon2' in (await import('node:crypto'))) return true;
  try {
    await import('@node-rs/argon2' as string);
    return true;
  } catch {
    return false;
  }
}

test('every README block that is not run says why', () => {
  assert.ok(blocks.length > 20, 'the README has code blocks');
  for (const block of blocks) {
    if (block.notRun !== undefined) assert.ok(block.notRun.length >= 10, `README line ${block.line}: give the reason a block does not run`);
  }
});

// About 50-60 s for ~66 blocks on a 2-core machine at load 8 (two blocks at a time); the timeout leaves room above npm test's 120 s per-test default.
test('README code blocks run', { concurrency: 2, timeout: 600_000 }, async (t) => {
  let previous = '';
  const named = new Map<string, string>();
  // Node 22 cancels subtests still running when the parent's function returns: await them all.
  const pending: Array<Promise<void>> = [];
  for (const block of blocks) {
    let code = block.code;
    if (block.withPrevious) code = joinCode(previous, code);
    if (block.after !== undefined) {
      const base = named.get(block.after);
      assert.ok(base !== undefined, `README line ${block.line}: no block above says <!-- run: as ${block.after} -->`);
      code = joinCode(base, code);
    }
    previous = code;
    if (block.as !== undefined) named.set(block.as, code);
    const title = `README line ${block.line}: ${block.code.split('\n')[0]!.slice(0, 60)}`;
    if (block.notRun !== undefined) {
      pending.push(t.test(title, { skip: `not run: ${block.notRun}` }, () => undefined));
      continue;
    }
    const running = t.test(title, async (sub) => {
      // Password hashing is argon2id: Node >= 24.7 has it built in, Node 22 needs @node-rs/argon2
      // (as the password tests, such a block skips with the reason where neither is present).
      if (/\b(hashPassword|verifyPassword)\(/.test(code) && !(await argon2Available())) return sub.skip(ARGON2_MISSING);
      const env: Record<string, string> = {};
      for (const need of block.needs) {
        const server = await services[need]();
        if (server === undefined) return sub.skip(`${need} is not installed (set RAMPART_REQUIRE_SERVICES=1 to fail instead)`);
        env[need === 'redis' ? 'REDIS_URL' : 'DATABASE_URL'] = server.url;
      }
      // Its own directory: blocks that write files (./data/security) run side by side.
      const cwd = join(dir, `block-${block.line}`);
      mkdirSync(cwd);
      if (block.certificates) {
        const made = spawnSync(
          'openssl',
          [
            'req',
            '-x509',
            '-newkey',
            'ec',
            '-pkeyopt',
            'ec_paramgen_curve:P-256',
            '-nodes',
            '-days',
            '1',
            '-subj',
            '/CN=localhost',
            '-keyout',
            'key.pem',
            '-out',
            'cert.pem',
          ],
          { cwd },
        );
        if (made.status !== 0) return sub.skip(`openssl could not make a certificate: ${made.error?.message ?? made.stderr}`);
        for (const ca of ['clients-ca.pem', 'db-ca.pem']) copyFileSync(join(cwd, 'cert.pem'), join(cwd, ca));
      }
      let file = join(cwd, `block.${block.lang === 'ts' ? 'mts' : 'mjs'}`);
      writeFileSync(file, code);
      if (block.serveDefault) {
        const served = file;
        file = join(cwd, 'serve.mts');
        writeFileSync(
          file,
          `import { serve } from '@hono/node-server';\nconst app = (await import(${JSON.stringify(served)})).default;\nserve({ fetch: app.fetch, port: 0 });\n`,
        );
      }
      const result = await run(file, cwd, env);
      try {
        const context = `\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
        if (block.serveDefault) assert.ok(result.port !== undefined, `the default export is served${context}`);
        if (result.port === undefined) {
          assert.equal(result.exit, 0, `the block exits with status 0${context}`);
          assert.equal(block.outputs.filter((o) => o.kind === 'get').length, 0, 'an output of GET needs a block that starts a server');
        } else {
          const home = await get(result.port, '/', result.tls);
          assert.ok(home.status < 500, `GET / answers ${home.status}${context}`);
          for (const output of block.outputs.filter((o) => o.kind === 'get')) {
            const response = await get(result.port, output.path, result.tls);
            for (const line of output.lines) {
              const status = /^HTTP\/1\.1 (\d{3})/.exec(line)?.[1];
              if (status !== undefined) {
                assert.equal(response.status, Number(status), `GET ${output.path} answers ${status}`);
                continue;
              }
              const colon = line.indexOf(':');
              const name = line.slice(0, colon).trim().toLowerCase();
              assert.equal(response.headers[name], line.slice(colon + 1).trim(), `GET ${output.path}: ${line}`);
            }
          }
        }
        const printed = new Set(result.stdout.split('\n').map((l) => l.trim()));
        for (const output of block.outputs.filter((o) => o.kind === 'stdout')) {
          for (const line of output.lines) assert.ok(printed.has(line), `prints ${JSON.stringify(line)}${context}`);
        }
      } finally {
        result.stop();
      }
    });
    pending.push(running);
  }
  await Promise.all(pending);
});

test('the headers "With no options you get" lists are the ones rampart() sends', async () => {
  const lines = README.split('\n');
  const at = lines.findIndex((l) => l.trim() === 'With no options you get:');
  assert.ok(at >= 0, 'the README lists the default headers');
  const open = lines.findIndex((l, i) => i > at && l.startsWith('```'));
  const close = lines.findIndex((l, i) => i > open && l.startsWith('```'));
  const listed = lines
    .slice(open + 1, close)
    .filter((l) => l.trim() !== '')
    .map((l) => `${l.slice(0, l.indexOf(':')).trim().toLowerCase()}: ${l.slice(l.indexOf(':') + 1).trim()}`);
  const { rampart } = await import('../src/index.ts');
  const server = http.createServer(rampart().node((_req, res) => res.end('ok')));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const address = server.address();
    const response = await get(typeof address === 'object' && address !== null ? address.port : 0, '/');
    assert.equal(response.status, 200);
    // Transport headers and the rate limiter's (documented in its own section) are not security headers.
    const transport = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding', 'vary']);
    const sent = Object.entries(response.headers)
      .filter(([name]) => !transport.has(name) && !/^(x-)?ratelimit/.test(name))
      .map(([name, value]) => `${name}: ${String(value)}`);
    assert.deepEqual([...sent].sort(), [...listed].sort());
  } finally {
    server.close();
  }
});
