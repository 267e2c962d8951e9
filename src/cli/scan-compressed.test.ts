/**
 * `rampart scan` on compressed pages: the read bound and the "cut" mark apply to the decoded
 * page, through every coding the server lists (gzip inside gzip too). A page whose decoded
 * size passes the bound, or that is in a coding the scan cannot decode, fails closed like an
 * uncompressed large page. A real local server and the real CLI process.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { MAX_BODY } from '../observatory/fetch.ts';
import { runCli } from './fixtures/run-cli.ts';

const HEAD = '<html><head></head><body>';
const INSECURE_SCRIPT = '<script src="http://cdn.example/x.js"></script>';
const LARGE = `${HEAD}${'x'.repeat(6 * 1024 * 1024)}${INSECURE_SCRIPT}`;
/** Exactly the read bound once decoded, no script: read whole. */
const EXACT = `${HEAD}${'x'.repeat(MAX_BODY - HEAD.length)}`;

const pages: Record<string, { coding: string; body: Buffer }> = {
  '/gzip-large': { coding: 'gzip', body: zlib.gzipSync(LARGE) },
  '/br-large': { coding: 'br', body: zlib.brotliCompressSync(LARGE) },
  '/deflate-large': { coding: 'deflate', body: zlib.deflateSync(LARGE) },
  '/gzip-gzip-large': { coding: 'gzip, gzip', body: zlib.gzipSync(zlib.gzipSync(LARGE)) },
  '/gzip-exact': { coding: 'gzip', body: zlib.gzipSync(EXACT) },
  '/gzip-gzip-small-script': { coding: 'gzip, gzip', body: zlib.gzipSync(zlib.gzipSync(`${HEAD}${INSECURE_SCRIPT}`)) },
  '/gzip-br-small': { coding: 'gzip,br', body: zlib.brotliCompressSync(zlib.gzipSync(`${HEAD}ok`)) },
  '/unknown-coding': { coding: 'x-rampart-unknown', body: Buffer.from(`${HEAD}${INSECURE_SCRIPT}`) },
};

let port = 0;
let closedPort = 0;
let server: http.Server;

before(async () => {
  server = http.createServer((req, res) => {
    const page = pages[new URL(req.url ?? '/', 'http://x').pathname];
    if (page === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': page.coding });
    res.end(page.body);
  });
  port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  const probe = http.createServer();
  closedPort = await new Promise<number>((resolve) => probe.listen(0, '127.0.0.1', () => resolve((probe.address() as AddressInfo).port)));
  await new Promise((resolve) => probe.close(resolve));
});

after(() => {
  server.closeAllConnections();
  server.close();
});

interface Report {
  tests: Array<{ name: string; result: string; pass: boolean; scoreModifier: number }>;
  warnings: string[];
}

async function sriOf(path: string): Promise<{ result: string; warnings: string[] }> {
  const r = await runCli(['scan', `http://127.0.0.1:${port}${path}`, '--json', '--https-port', String(closedPort)], { env: {} });
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as Report;
  return { result: report.tests.find((t) => t.name === 'subresource-integrity')!.result, warnings: report.warnings };
}

const UNSEEN = 'sri-not-implemented-and-external-scripts-not-loaded-securely';

for (const path of ['/gzip-large', '/br-large', '/deflate-large', '/gzip-gzip-large']) {
  test(`a page over the read bound once decoded (${path}) fails closed, with a warning`, async () => {
    const { result, warnings } = await sriOf(path);
    assert.equal(result, UNSEEN);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /only the first \d+ characters of the page were read/);
  });
}

test('a compressed page of exactly the read bound, decoded, is read whole: no warning', async () => {
  const { result, warnings } = await sriOf('/gzip-exact');
  assert.equal(result, 'sri-not-implemented-but-no-scripts-loaded');
  assert.deepEqual(warnings, []);
});

test('nested codings are all undone: the script inside gzip-in-gzip is seen, gzip then br reads whole', async () => {
  assert.deepEqual(await sriOf('/gzip-gzip-small-script'), { result: UNSEEN, warnings: [] });
  assert.deepEqual(await sriOf('/gzip-br-small'), { result: 'sri-not-implemented-but-no-scripts-loaded', warnings: [] });
});

test('a coding the scan cannot decode fails closed, with a warning', async () => {
  const { result, warnings } = await sriOf('/unknown-coding');
  assert.equal(result, UNSEEN);
  assert.equal(warnings.length, 1);
});
