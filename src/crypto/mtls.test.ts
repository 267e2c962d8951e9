import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tlsOptions } from './index.ts';
import { selfSigned } from '../../test/helpers/certs.ts';

// Real mutual-TLS handshakes: a test CA signs the server certificate and a client
// certificate; a second, unrelated CA signs an intruder's client certificate.
const run = promisify(execFile);
let dir = '';
let unavailable = '';
const pem: Record<string, Buffer> = {};

async function openssl(args: string[]): Promise<void> {
  await run('openssl', args, { cwd: dir, timeout: 20_000 });
}

async function makeCa(name: string): Promise<void> {
  await selfSigned(name, `${name}.key`, `${name}.crt`, [], dir);
}

async function makeLeaf(name: string, ca: string, ext: string): Promise<void> {
  await openssl([
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
  ]);
  await openssl([
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.crt`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-days',
    '2',
    '-out',
    `${name}.crt`,
    '-extfile',
    `${ext}.ext`,
  ]);
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rampart-mtls-'));
  try {
    await run('openssl', ['version'], { timeout: 10_000 });
  } catch (error) {
    unavailable = `the openssl CLI is needed to make test certificates (${(error as Error).message})`;
    if (process.env.RAMPART_REQUIRE_SERVICES === '1') throw new Error(unavailable, { cause: error });
    return;
  }
  const { writeFile } = await import('node:fs/promises');
  await writeFile(join(dir, 'server.ext'), 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n');
  await writeFile(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  await writeFile(join(dir, 'intruder.ext'), 'extendedKeyUsage=clientAuth\n');
  await makeCa('ca');
  await makeCa('otherca');
  await makeLeaf('server', 'ca', 'server');
  await makeLeaf('client', 'ca', 'client');
  await makeLeaf('intruder', 'otherca', 'intruder');
  for (const name of ['ca', 'server', 'client', 'intruder']) {
    pem[`${name}.crt`] = await readFile(join(dir, `${name}.crt`));
    pem[`${name}.key`] = await readFile(join(dir, `${name}.key`));
  }
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

type Outcome = { status: number; body: string } | { error: string };

async function withServer(options: https.ServerOptions, fn: (port: number) => Promise<void>): Promise<void> {
  const server = https.createServer(options, (req, res) => {
    const peer = (req.socket as import('node:tls').TLSSocket).getPeerCertificate();
    res.end(peer?.subject?.CN ?? 'anonymous');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await fn((server.address() as AddressInfo).port);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function get(port: number, client: { cert?: Buffer; key?: Buffer }): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = https.get({ host: '127.0.0.1', port, servername: 'localhost', path: '/', ca: pem['ca.crt'], agent: false, ...client }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', (error: Error & { code?: string }) => resolve({ error: error.code ?? error.message }));
    });
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', (error: Error & { code?: string }) => resolve({ error: error.code ?? error.message }));
  });
}

test('tlsOptions({ ca }): client-certificate verification on (requestCert, rejectUnauthorized)', () => {
  const options = tlsOptions({ ca: 'PEM' });
  assert.equal(options.requestCert, true);
  assert.equal(options.rejectUnauthorized, true);
  const none = tlsOptions({});
  assert.equal(none.requestCert, undefined);
});

test('tlsOptions({ ca }): a real mTLS handshake accepts a client certificate signed by the CA', async (t) => {
  if (unavailable) return t.skip(unavailable);
  await withServer(tlsOptions({ cert: pem['server.crt'], key: pem['server.key'], ca: pem['ca.crt'] }), async (port) => {
    assert.deepEqual(await get(port, { cert: pem['client.crt'], key: pem['client.key'] }), { status: 200, body: 'client' });
  });
});

test('tlsOptions({ ca }): a client without a certificate, or with one from another CA, is refused at the handshake', async (t) => {
  if (unavailable) return t.skip(unavailable);
  await withServer(tlsOptions({ cert: pem['server.crt'], key: pem['server.key'], ca: pem['ca.crt'] }), async (port) => {
    const anonymous = await get(port, {});
    assert.ok('error' in anonymous, `no client certificate must not get a response (got ${JSON.stringify(anonymous)})`);
    const intruder = await get(port, { cert: pem['intruder.crt'], key: pem['intruder.key'] });
    assert.ok('error' in intruder, `a certificate from another CA must not get a response (got ${JSON.stringify(intruder)})`);
  });
});

test("tlsOptions({ ca, clientCertificate: 'off' }): ca only completes the server chain, no client certificate asked", async (t) => {
  const options = tlsOptions({ ca: 'PEM', clientCertificate: 'off' });
  assert.equal(options.requestCert, undefined);
  if (unavailable) return t.skip(unavailable);
  await withServer(tlsOptions({ cert: pem['server.crt'], key: pem['server.key'], ca: pem['ca.crt'], clientCertificate: 'off' }), async (port) => {
    assert.deepEqual(await get(port, {}), { status: 200, body: 'anonymous' });
  });
});

test("tlsOptions: clientCertificate 'required' without ca is a configuration error naming the fix", () => {
  assert.throws(
    () => tlsOptions({ clientCertificate: 'required' }),
    (error: Error & { code?: string }) => {
      assert.equal(error.code, 'ERR_RAMPART_CONFIG');
      assert.match(error.message, /ca/);
      return true;
    },
  );
  assert.throws(() => tlsOptions({ ca: 'PEM', clientCertificate: 'maybe' as 'off' }), { code: 'ERR_RAMPART_CONFIG' });
});
