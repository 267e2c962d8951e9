/**
 * The README never drifts (issue 15): every ```ts / ```js block runs, as a consumer would
 * run it (`rampart` resolves to src through the package's export map, see
 * helpers/readme-hooks.ts), unless the line before it says why it cannot:
 *
 *   <!-- not-run: a fragment of the handler above -->
 *
 * `<!-- run: with-previous -->` runs a block after the code of the block before it (a
 * continuation). A block that starts a server is sent `GET /` and must answer below 500;
 * other blocks must exit with status 0. A fenced block preceded by
 * `<!-- output: GET /path -->` lists the status line (`HTTP/1.1 200 OK`) and response
 * headers (`Name: value`) that the server of the block above must send; `<!-- output: stdout -->` lists lines its output must contain.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';

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
  outputs: Output[];
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
      last = { line: i + 1, lang, code, notRun, withPrevious: marker === '<!-- run: with-previous -->', outputs: [] };
      blocks.push(last);
    }
    i = end;
  }
  return blocks;
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
  RAMPART_SILENT: '1',
};

interface RunResult {
  exit?: number | null;
  port?: number;
  stdout: string;
  stderr: string;
  stop(): void;
}

function run(file: string, cwd: string): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', HOOKS, file], { cwd, env: { ...process.env, ...ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
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
      const port = /README-LISTENING (\d+)/.exec(stdout)?.[1];
      if (port !== undefined) settle({ port: Number(port) });
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('exit', (code) => settle({ exit: code }));
  });
}

function get(port: number, path: string): Promise<{ status: number; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, headers: { host: 'localhost' } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      })
      .on('error', reject);
  });
}

const blocks = readmeBlocks(README);
const dir = mkdtempSync(join(tmpdir(), 'rampart-readme-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('every README block that is not run says why', () => {
  assert.ok(blocks.length > 20, 'the README has code blocks');
  for (const block of blocks) {
    if (block.notRun !== undefined) assert.ok(block.notRun.length >= 10, `README line ${block.line}: give the reason a block does not run`);
  }
});

// About 45 s for ~20 blocks on a busy 2-core machine, which can approach npm test's 120 s per-test default.
test('README code blocks run', { concurrency: 2, timeout: 600_000 }, async (t) => {
  let previous = '';
  for (const block of blocks) {
    const code = block.withPrevious ? `${previous}\n${block.code}` : block.code;
    previous = code;
    const title = `README line ${block.line}: ${block.code.split('\n')[0]!.slice(0, 60)}`;
    if (block.notRun !== undefined) {
      t.test(title, { skip: `not run: ${block.notRun}` }, () => undefined);
      continue;
    }
    t.test(title, async () => {
      const file = join(dir, `block-${block.line}.${block.lang === 'ts' ? 'mts' : 'mjs'}`);
      writeFileSync(file, code);
      const result = await run(file, dir);
      try {
        const context = `\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
        if (result.port === undefined) {
          assert.equal(result.exit, 0, `the block exits with status 0${context}`);
          assert.equal(block.outputs.filter((o) => o.kind === 'get').length, 0, 'an output of GET needs a block that starts a server');
        } else {
          const home = await get(result.port, '/');
          assert.ok(home.status < 500, `GET / answers ${home.status}${context}`);
          for (const output of block.outputs.filter((o) => o.kind === 'get')) {
            const response = await get(result.port, output.path);
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
  }
});
