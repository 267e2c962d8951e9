/**
 * `rampart scan` against hostile redirects, with real local servers: a Location carrying
 * `user:password@` is refused (never turned into an Authorization header, redacted in the
 * report), a hop into another non-public address class is refused at connect time (IP
 * literal or host name, DNS rebinding included), `--allow-private` lifts that, and a
 * loopback site's own loopback redirects are still followed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { runCli } from '../cli/fixtures/run-cli.ts';
import { gradeUrl } from './grade.ts';

/** Every request the "internal" service received, with its Authorization header. */
const internalHits: { url: string; authorization: string | undefined }[] = [];
const servers: http.Server[] = [];
let internalPort = 0;
let closedPort = 0;

function listen(server: http.Server, host: string): Promise<number> {
  servers.push(server);
  return new Promise((resolve) => server.listen(0, host, () => resolve((server.address() as AddressInfo).port)));
}

/** A site on `host` answering `/go` with a 302 to `location(req)`, and 200 elsewhere. */
async function redirector(host: string, location: () => string): Promise<number> {
  return listen(
    http.createServer((req, res) => {
      if (req.url === '/go') res.writeHead(302, { location: location() });
      else res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<p>site</p>');
    }),
    host,
  );
}

/** A non-loopback address of this machine (another class than loopback), if it has one. */
function outsideAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) if (!i.internal && i.family === 'IPv4') return i.address;
  return undefined;
}

let loopbackSite = 0;
let credentialSite = 0;
const outside = outsideAddress();
let outsideSite = 0;
let outsideNamedSite = 0;

before(async () => {
  internalPort = await listen(
    http.createServer((req, res) => {
      internalHits.push({ url: req.url ?? '', authorization: req.headers.authorization });
      res.end('secret');
    }),
    '127.0.0.1',
  );
  loopbackSite = await redirector('127.0.0.1', () => `http://127.0.0.1:${internalPort}/from-loopback`);
  credentialSite = await redirector('127.0.0.1', () => `http://user:pass@127.0.0.1:${internalPort}/with-credentials`);
  if (outside !== undefined) {
    outsideSite = await redirector(outside, () => `http://127.0.0.1:${internalPort}/from-outside-literal`);
    outsideNamedSite = await redirector(outside, () => `http://localhost:${internalPort}/from-outside-name`);
  }
  const probe = http.createServer();
  closedPort = await listen(probe, '127.0.0.1');
  await new Promise((resolve) => probe.close(resolve));
});

after(() => {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
});

const hitsTo = (path: string) => internalHits.filter((h) => h.url === path);

test('a redirect to http://user:pass@host/ is refused: the target gets no request (so no Authorization), redirection fails', async () => {
  const report = await gradeUrl(new URL(`http://127.0.0.1:${credentialSite}/go`), { httpsPort: closedPort, timeoutMs: 5000 });
  assert.deepEqual(hitsTo('/with-credentials'), [], 'the credential-bearing Location was followed');
  assert.equal(report.finalUrl, `http://127.0.0.1:${credentialSite}/go`);
  assert.equal(report.statusCode, 302);
  const redirection = report.tests.find((t) => t.name === 'redirection');
  assert.equal(redirection?.pass, false);
  assert.equal(redirection?.result, 'redirection-not-to-https');
  const refused = report.refusedRedirects;
  assert.equal(refused?.length, 1);
  assert.equal(refused?.[0]?.location, `http://127.0.0.1:${internalPort}/with-credentials`, 'userinfo removed from the report');
  assert.match(refused?.[0]?.reason ?? '', /credentials/);
  assert.doesNotMatch(JSON.stringify(report), /user:|:pass|pass@/);
});

test('rampart scan (CLI) on the credential redirect: the printed report names the refused hop without user:pass', async () => {
  const r = await runCli(['scan', `http://127.0.0.1:${credentialSite}/go`, '--https-port', String(closedPort), '--timeout', '5']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(hitsTo('/with-credentials'), []);
  assert.doesNotMatch(r.stdout + r.stderr, /user:pass|pass@/);
  assert.match(r.stdout, /refused redirect/);
  assert.match(r.stdout, new RegExp(`http://127\\.0\\.0\\.1:${internalPort}/with-credentials`));
  const json = await runCli(['scan', `http://127.0.0.1:${credentialSite}/go`, '--https-port', String(closedPort), '--timeout', '5', '--json']);
  assert.doesNotMatch(json.stdout, /user:pass|pass@/);
  assert.equal(JSON.parse(json.stdout).refusedRedirects.length, 1);
});

test('a loopback site redirecting to another loopback port is followed (the scan started in that class)', async () => {
  const before = hitsTo('/from-loopback').length;
  const report = await gradeUrl(new URL(`http://127.0.0.1:${loopbackSite}/go`), { httpsPort: closedPort, timeoutMs: 5000 });
  assert.equal(hitsTo('/from-loopback').length, before + 2, 'GET and the CORS preflight');
  assert.ok(hitsTo('/from-loopback').every((h) => h.authorization === undefined));
  assert.equal(report.finalUrl, `http://127.0.0.1:${internalPort}/from-loopback`);
});

test('a loopback site redirecting to cloud metadata spelt as IPv4-compatible IPv6 ([::169.254.169.254]) is refused before connecting', async () => {
  const metadataSite = await redirector('127.0.0.1', () => 'http://[::169.254.169.254]/latest/meta-data/');
  const report = await gradeUrl(new URL(`http://127.0.0.1:${metadataSite}/go`), { httpsPort: closedPort, timeoutMs: 5000 });
  assert.equal(report.statusCode, 302);
  assert.equal(report.finalUrl, `http://127.0.0.1:${metadataSite}/go`);
  const refused = report.refusedRedirects;
  assert.equal(refused?.[0]?.location, 'http://[::a9fe:a9fe]/latest/meta-data/');
  assert.match(refused?.[0]?.reason ?? '', /linkLocal/);
});

test('a site on another address class redirecting to a loopback IP is refused before connecting', {
  skip: outside === undefined && 'no non-loopback IPv4 address',
}, async () => {
  const report = await gradeUrl(new URL(`http://${outside}:${outsideSite}/go`), { httpsPort: closedPort, timeoutMs: 5000 });
  assert.deepEqual(hitsTo('/from-outside-literal'), []);
  assert.equal(report.statusCode, 302);
  const refused = report.refusedRedirects;
  assert.match(refused?.[0]?.reason ?? '', /loopback/);
  assert.match(refused?.[0]?.reason ?? '', /--allow-private/);
});

test('a redirect to a host name that resolves to loopback is refused when connecting (the resolved address is checked)', {
  skip: outside === undefined && 'no non-loopback IPv4 address',
}, async () => {
  const report = await gradeUrl(new URL(`http://${outside}:${outsideNamedSite}/go`), { httpsPort: closedPort, timeoutMs: 5000 });
  assert.deepEqual(hitsTo('/from-outside-name'), []);
  const refused = report.refusedRedirects;
  assert.match(refused?.[0]?.reason ?? '', /localhost resolves to .*loopback/);
});

test('--allow-private follows the hop into another class (still without credentials)', {
  skip: outside === undefined && 'no non-loopback IPv4 address',
}, async () => {
  const r = await runCli(['scan', `http://${outside}:${outsideSite}/go`, '--https-port', String(closedPort), '--timeout', '5', '--allow-private']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(hitsTo('/from-outside-literal').length >= 1);
  assert.ok(hitsTo('/from-outside-literal').every((h) => h.authorization === undefined));
  assert.doesNotMatch(r.stdout, /refused redirect/);
});

test('DNS rebinding: a name that resolved to a public address before the scan and to loopback at connect time is not connected to', async () => {
  const before = internalHits.length;
  let calls = 0;
  const resolve = async (): Promise<string[]> => (calls++ === 0 ? ['93.184.215.14'] : ['127.0.0.1']);
  await assert.rejects(
    gradeUrl(new URL(`http://rebind.test:${internalPort}/rebound`), { httpsPort: closedPort, timeoutMs: 5000, resolve }),
    (err: Error & { code?: string }) => err.code === 'ERR_RAMPART_SCAN_UNREACHABLE' && /loopback/.test(err.message),
  );
  assert.ok(calls >= 2, 'the connect-time lookup went through the resolver');
  assert.equal(internalHits.length, before);
});

test('gradeUrl refuses a target URL with credentials (ERR_RAMPART_CONFIG) without connecting', async () => {
  const before = internalHits.length;
  await assert.rejects(gradeUrl(new URL(`http://user:pass@127.0.0.1:${internalPort}/`), { httpsPort: closedPort, timeoutMs: 5000 }), {
    code: 'ERR_RAMPART_CONFIG',
  });
  assert.equal(internalHits.length, before);
});
