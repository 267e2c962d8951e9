import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPii, redactPii, redactKeys } from './pii.ts';
import { privateKeyBlocks } from '../core/private-keys.ts';
import { redactString } from '../log/index.ts';
import { seededBytes } from '../../test/helpers/seeded-bytes.ts';

/** Real private keys in every PEM flavour people paste: node:crypto, ssh-keygen, and a PGP armour block. */
function realKeys(): Record<string, string> {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keys: Record<string, string> = {
    pkcs1: rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string,
    pkcs8: rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    ec: ec.privateKey.export({ type: 'sec1', format: 'pem' }) as string,
    encrypted: rsa.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' }) as string,
    // An armoured PGP secret key: the layout gpg writes (a header line, a blank line, base64 and a checksum line).
    pgp: `-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n${seededBytes('pgp', 300).toString('base64').replace(/.{64}/g, '$&\n')}\n=AbCd\n-----END PGP PRIVATE KEY BLOCK-----\n`,
  };
  const dir = mkdtempSync(join(tmpdir(), 'rampart-pem-'));
  try {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'id')], { stdio: 'ignore' });
    keys.openssh = readFileSync(join(dir, 'id'), 'utf8');
  } catch {
    // ssh-keygen missing: the other flavours still run.
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return keys;
}

/** The body lines of a PEM text (everything but the BEGIN/END lines), long enough to be key material. */
function bodyLines(pem: string): string[] {
  return pem.split(/\r?\n/).filter((line) => line.length >= 8 && !line.startsWith('-----'));
}

function assertNoBody(out: string, pem: string, what: string): void {
  for (const line of bodyLines(pem)) assert.ok(!out.includes(line), `${what}: body line ${line.slice(0, 20)}… left in ${out.slice(0, 120)}`);
}

const KEYS = realKeys();

test('redactPii, findPii and redactKeys({ pii: true }) remove the whole private-key block: LF, CRLF and JSON-escaped', () => {
  assert.ok(Object.keys(KEYS).length >= 5);
  for (const [name, pem] of Object.entries(KEYS)) {
    const variants: Record<string, string> = { lf: pem, crlf: pem.replace(/\n/g, '\r\n'), json: JSON.stringify({ key: pem }) };
    for (const [shape, key] of Object.entries(variants)) {
      const what = `${name}/${shape}`;
      const text = `config: ${key} trailer ann@example.com`;
      const out = redactPii(text);
      assertNoBody(out, pem, `redactPii ${what}`);
      assert.ok(out.startsWith('config: '), what);
      assert.ok(out.endsWith(' trailer [REDACTED:email]'), `${what}: text after the END line is kept: ${out.slice(-60)}`);
      assert.ok(!out.includes('-----'), `${what}: the BEGIN and END lines go too: ${out}`);
      const found = findPii(text).filter((m) => m.type === 'api_key');
      assert.equal(found.length, 1, what);
      assert.equal(found[0]!.start, text.indexOf('-----BEGIN'), what);
      assert.equal(found[0]!.end, text.lastIndexOf('-----') + 5, what);
      assertNoBody(JSON.stringify(redactKeys({ note: text, list: [key] }, { pii: true })), pem, `redactKeys ${what}`);
      assertNoBody(redactString(text), pem, `redactString ${what}`);
    }
  }
});

test('a private key without its END line is masked to the end of the text (fail closed), also when cut by maxLength', () => {
  const pem = KEYS.pkcs8!;
  const cut = pem.slice(0, pem.indexOf('-----END'));
  assert.equal(redactPii(`before ${cut}`), 'before [REDACTED:api_key]');
  assert.equal(redactPii(`before ${pem.slice(0, 200)}`), 'before [REDACTED:api_key]');
  const long = redactPii(`x ${pem}`, { maxLength: 300 });
  assert.ok(long.startsWith('x [REDACTED:api_key]…['), long);
  assertNoBody(long, pem, 'maxLength cut');
  // An END line whose dashes never close still ends nothing: the rest is masked.
  assert.equal(redactPii(`k -----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB\n-----END EC PRIVATE KEY and more`), 'k [REDACTED:api_key]');
});

test('other PEM blocks and look-alikes are not private keys', () => {
  const cert = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----';
  assert.deepEqual(findPii(`cert ${cert}`), []);
  const pub = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
  assert.deepEqual(findPii(pub), []);
  assert.deepEqual(findPii('the words -----BEGIN PRIVATE KEY in a sentence'), []);
});

test('the private-key scan is linear: a bounded number of characters read per character of hostile text', () => {
  const N = 1 << 16;
  const inputs: Record<string, string> = {
    begins: '-----BEGIN '.repeat(N / 11),
    headers: '-----BEGIN PRIVATE KEY-----'.repeat(N / 27),
    ends: `-----BEGIN PRIVATE KEY-----${'-----END '.repeat(N / 9)}`,
    longLabels: `-----BEGIN ${'A'.repeat(100)} `.repeat(N / 112),
    dashes: '-'.repeat(N),
    unclosedEnds: `-----BEGIN PRIVATE KEY-----x-----END ${'x'.repeat(100)}`.repeat(N / 140),
  };
  for (const [name, input] of Object.entries(inputs)) {
    const c = counted(input);
    let blocks = 0;
    for (const _ of privateKeyBlocks(c.text)) blocks++;
    assert.ok(blocks >= 0);
    assert.ok(c.reads() <= 4 * input.length + 64, `${name}: ${c.reads()} characters read for ${input.length}`);
    assert.equal(typeof redactPii(input), 'string');
  }
});

/** A string whose indexOf/slice/includes reads are counted (the scan reads text only through them). */
function counted(text: string): { text: string; reads: () => number } {
  let reads = 0;
  class Counting extends String {
    override indexOf(search: string, from = 0): number {
      const at = super.indexOf(search, from);
      reads += (at === -1 ? this.length : at + search.length) - from;
      return at;
    }
    override slice(start?: number, end?: number): string {
      const out = super.slice(start, end);
      reads += out.length;
      return out;
    }
  }
  return { text: new Counting(text) as unknown as string, reads: () => reads };
}

test('a finding that starts inside an earlier one extends it instead of being dropped (a key glued to a token)', () => {
  const pem = KEYS.ec!.trimEnd();
  const text = `token=sk-${'a'.repeat(24)}${pem}done`;
  const out = redactPii(text);
  assertNoBody(out, pem, 'glued');
  assert.equal(out, 'token=[REDACTED:api_key]done');
  const [match] = findPii(text);
  assert.equal(match?.value, text.slice('token='.length, -'done'.length));
});
