import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import https from 'node:https';
import http2 from 'node:http2';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { tlsOptions, databaseSsl, RECOMMENDED_HSTS_MAX_AGE } from './index.ts';
import { isRampartError } from '../errors.ts';
import { selfSigned } from '../../test/helpers/certs.ts';

const run = promisify(execFile);
let dir = '';
let cert: Buffer;
let key: Buffer;

// A self-signed P-256 certificate for db.example and localhost, made with the openssl CLI.
let unavailable = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rampart-tls-'));
  try {
    await run('openssl', ['version'], { timeout: 10_000 });
  } catch (error) {
    unavailable = `the openssl CLI is needed to make a test certificate (${(error as Error).message})`;
    if (process.env.RAMPART_REQUIRE_SERVICES === '1') throw new Error(unavailable, { cause: error });
    return;
  }
  await selfSigned('db.example', join(dir, 'key.pem'), join(dir, 'cert.pem'), ['DNS:db.example', 'DNS:localhost']);
  cert = await readFile(join(dir, 'cert.pem'));
  key = await readFile(join(dir, 'key.pem'));
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function listen(server: https.Server | tls.Server | http2.Http2SecureServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

type Outcome = { ok: true; protocol: string | null; cipher: string } | { ok: false; error: string };

function handshake(port: number, options: tls.ConnectionOptions): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: cert, ...options }, () => {
      const outcome: Outcome = { ok: true, protocol: socket.getProtocol(), cipher: socket.getCipher().standardName };
      socket.end();
      resolve(outcome);
    });
    socket.setTimeout(5000, () => socket.destroy(new Error('timeout')));
    socket.once('error', (error: Error & { code?: string }) => resolve({ ok: false, error: error.code ?? error.message }));
  });
}

const legacy11: tls.ConnectionOptions = { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' };

test('intermediate: TLS 1.1 refused, TLS 1.2 and 1.3 accepted with AEAD forward-secret suites', async (t) => {
  if (unavailable) return void t.skip(unavailable);
  // Control: a server that allows TLS 1.1 proves this client really can speak it.
  const permissive = tls.createServer({ cert, key, minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' }, (s) => s.end());
  const controlPort = await listen(permissive);
  const control = await handshake(controlPort, legacy11);
  permissive.close();
  if (!control.ok) {
    if (process.env.RAMPART_REQUIRE_SERVICES === '1')
      assert.fail(`this OpenSSL cannot speak TLS 1.1 at all (${control.error}); the refusal test would prove nothing`);
    t.skip(`this OpenSSL cannot speak TLS 1.1 (${control.error}), so refusing it proves nothing here`);
    return;
  }
  assert.equal(control.protocol, 'TLSv1.1');

  const server = https.createServer(tlsOptions({ profile: 'intermediate', cert, key }), (_req, res) => res.end('ok'));
  const port = await listen(server);
  t.after(() => server.close());
  const old = await handshake(port, legacy11);
  assert.equal(old.ok, false, 'TLS 1.1 must be refused');
  const v12 = await handshake(port, { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' });
  assert.ok(v12.ok && v12.protocol === 'TLSv1.2', JSON.stringify(v12));
  assert.match(v12.ok ? v12.cipher : '', /^TLS_ECDHE_ECDSA_WITH_(AES_(128|256)_GCM|CHACHA20_POLY1305)/);
  const v13 = await handshake(port, { minVersion: 'TLSv1.3' });
  assert.ok(v13.ok && v13.protocol === 'TLSv1.3', JSON.stringify(v13));
  const cbc = await handshake(port, { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA' });
  assert.equal(cbc.ok, false, 'CBC suites are not offered');
  const body = await new Promise<string>((resolve, reject) => {
    https
      .get({ host: '127.0.0.1', port, servername: 'localhost', ca: cert, path: '/' }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve(text));
      })
      .on('error', reject);
  });
  assert.equal(body, 'ok');
});

test('modern: TLS 1.2 refused, TLS 1.3 accepted; works for http2.createSecureServer', async (t) => {
  if (unavailable) return void t.skip(unavailable);
  const server = http2.createSecureServer(tlsOptions({ profile: 'modern', cert, key }), (_req, res) => res.end('h2 ok'));
  const port = await listen(server);
  t.after(() => server.close());
  assert.equal((await handshake(port, { maxVersion: 'TLSv1.2', ALPNProtocols: ['h2'] })).ok, false);
  const v13 = await handshake(port, { ALPNProtocols: ['h2'] });
  assert.ok(v13.ok && v13.protocol === 'TLSv1.3');
  const client = http2.connect(`https://localhost:${port}`, {
    ca: cert,
    host: '127.0.0.1',
    lookup: (_h, _o, cb) => cb(null, [{ address: '127.0.0.1', family: 4 }]),
  } as http2.SecureClientSessionOptions);
  t.after(() => client.close());
  const text = await new Promise<string>((resolve, reject) => {
    const req = client.request({ ':path': '/' });
    let data = '';
    req.on('data', (chunk: Buffer) => (data += chunk.toString()));
    req.on('end', () => resolve(data));
    req.on('error', reject);
    req.end();
  });
  assert.equal(text, 'h2 ok');
});

test('tlsOptions values and option checks', () => {
  const intermediate = tlsOptions();
  assert.equal(intermediate.minVersion, 'TLSv1.2');
  assert.ok(!/(^|:)(RSA|DHE|AES128-SHA|.*CBC|.*RC4|.*3DES)/.test(intermediate.ciphers ?? ''));
  assert.equal(tlsOptions({ profile: 'modern' }).minVersion, 'TLSv1.3');
  assert.equal(RECOMMENDED_HSTS_MAX_AGE, 63_072_000);
  const input = { profile: 'modern' as const, cert: 'c', key: 'k' };
  const copy = structuredClone(input);
  tlsOptions(input);
  assert.deepEqual(input, copy, 'caller options untouched');
  assert.throws(
    () => tlsOptions({ profile: 'old' as never }),
    (e: unknown) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
  assert.throws(
    () => tlsOptions({ minVersion: 'TLSv1' } as never),
    (e: unknown) => isRampartError(e, 'ERR_RAMPART_UNKNOWN_OPTION'),
  );
  assert.throws(
    () => tlsOptions('modern' as never),
    (e: unknown) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
});

test('databaseSsl: verify-full by default checks chain and host name; verify-ca the chain; require neither', async (t) => {
  if (unavailable) return void t.skip(unavailable);
  const server = tls.createServer({ cert, key }, (s) => s.end());
  const port = await listen(server);
  t.after(() => server.close());
  const connect = (options: tls.ConnectionOptions | false) => {
    assert.notEqual(options, false);
    return handshake(port, { servername: undefined, ca: undefined, ...(options as tls.ConnectionOptions) });
  };
  // Connecting to 127.0.0.1: the certificate names db.example and localhost, not the IP.
  const full = await connect(databaseSsl({ ca: cert }));
  assert.deepEqual(full, { ok: false, error: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  const named = await connect(databaseSsl({ ca: cert, servername: 'db.example' }));
  assert.ok(named.ok, JSON.stringify(named));
  const untrusted = await connect(databaseSsl({ servername: 'db.example' }));
  assert.equal(untrusted.ok, false, 'self-signed certificate without its CA is refused');
  assert.ok((await connect(databaseSsl({ mode: 'verify-ca', ca: cert }))).ok);
  assert.equal((await connect(databaseSsl({ mode: 'verify-ca' }))).ok, false);
  assert.ok((await connect(databaseSsl({ mode: 'require' }))).ok, 'require: encrypted but unverified');
  assert.equal(databaseSsl({ mode: 'disable' }), false);
  assert.equal((databaseSsl() as tls.ConnectionOptions).rejectUnauthorized, true);
  assert.equal((databaseSsl() as tls.ConnectionOptions).minVersion, 'TLSv1.2');
  assert.throws(() => databaseSsl({ mode: 'prefer' as never }), { code: 'ERR_RAMPART_CONFIG' });
  assert.throws(() => databaseSsl({ cert: 'c' }), { code: 'ERR_RAMPART_CONFIG' });
  assert.throws(() => databaseSsl({ sslmode: 'require' } as never), { code: 'ERR_RAMPART_UNKNOWN_OPTION' });
});
