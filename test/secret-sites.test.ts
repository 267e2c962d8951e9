// Every signing secret in rampart goes through one check, requireSecret() (src/crypto/secret.ts):
// each of the six places that takes one refuses a placeholder and a low-entropy value of
// a length the old checks accepted, with that place's own error code, and accepts a random
// secret (and a rotation list where rotating makes sense).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { csrf } from '../src/csrf/index.ts';
import { sessions, apiKeys, signRequest, verifyRequest, requireSignedRequest, signHttpMessage, verifyHttpMessage } from '../src/auth/index.ts';
import { SecurityLog } from '../src/log/index.ts';
import { isRampartError, type RampartErrorCode } from '../src/errors.ts';

/** 35 bytes, 8 distinct characters: long enough for a length-only check, and a placeholder. */
const PLACEHOLDER = 'password-password-password-password';
/** 32 bytes, 8 distinct characters: a short unit repeated. */
const LOW_ENTROPY = 'abcdefgh'.repeat(4);
const GOOD = randomBytes(32).toString('base64url');
const OLD = randomBytes(48).toString('base64');

interface Site {
  name: string;
  code: RampartErrorCode;
  /** Build (or run) the consumer with `secret`; may return a promise. */
  use: (secret: unknown) => unknown;
  rotation: boolean;
}

const message = { method: 'POST', url: 'https://api.example/orders', headers: { 'content-type': 'application/json' } };
const sites: readonly Site[] = [
  { name: 'csrf({ secret })', code: 'ERR_RAMPART_CSRF_SECRET', rotation: true, use: (secret) => csrf({ secret: secret as string }) },
  { name: 'sessions({ secret })', code: 'ERR_RAMPART_CONFIG', rotation: true, use: (secret) => sessions({ secret: secret as string }) },
  { name: 'apiKeys({ secret }) (the pepper)', code: 'ERR_RAMPART_CONFIG', rotation: false, use: (secret) => apiKeys({ secret: secret as string }) },
  {
    name: 'signRequest({ secret })',
    code: 'ERR_RAMPART_CONFIG',
    rotation: false,
    use: (secret) => signRequest({ secret: secret as string, method: 'GET', path: '/' }),
  },
  {
    name: 'verifyRequest({ secret })',
    code: 'ERR_RAMPART_CONFIG',
    rotation: true,
    use: async (secret) => {
      const list = (Array.isArray(secret) ? secret : [secret]) as string[];
      // Signed with the last secret of the list: an older one still verifies during a rotation.
      const headers = signRequest({
        secret: list.at(-1) === PLACEHOLDER || list.at(-1) === LOW_ENTROPY ? GOOD : (list.at(-1) as string),
        method: 'GET',
        path: '/',
      });
      await verifyRequest({ secret: secret as string, method: 'GET', path: '/', headers, allowReplay: true });
    },
  },
  { name: 'requireSignedRequest({ secret })', code: 'ERR_RAMPART_CONFIG', rotation: true, use: (secret) => requireSignedRequest({ secret: secret as string }) },
  {
    name: 'signHttpMessage({ algorithm: hmac-sha256, key })',
    code: 'ERR_RAMPART_CONFIG',
    rotation: false,
    use: (secret) => signHttpMessage({ key: secret as string, keyId: 'k1', algorithm: 'hmac-sha256' }, message),
  },
  {
    name: 'verifyHttpMessage({ keys: { k1: { algorithm: hmac-sha256, key } } })',
    code: 'ERR_RAMPART_CONFIG',
    rotation: false,
    use: async (secret) => {
      const key = secret === PLACEHOLDER || secret === LOW_ENTROPY || Array.isArray(secret) ? GOOD : (secret as string);
      const headers = await signHttpMessage({ key, keyId: 'k1', algorithm: 'hmac-sha256' }, message);
      await verifyHttpMessage(
        { keys: { k1: { key: secret as string, algorithm: 'hmac-sha256' } }, allowReplay: true },
        { ...message, headers: { ...message.headers, ...headers } },
      );
    },
  },
  {
    name: 'new SecurityLog({ chain: true, chainKey })',
    code: 'ERR_RAMPART_CONFIG',
    rotation: false,
    use: (secret) => new SecurityLog({ chain: true, chainKey: secret as string }),
  },
];

async function refused(site: Site, secret: unknown, label: string): Promise<void> {
  await assert.rejects(
    async () => site.use(secret),
    (e: unknown) => {
      assert.ok(isRampartError(e, site.code), `${site.name}, ${label}: expected ${site.code}, got ${String(e)}`);
      assert.match(e.message, /openssl rand -base64 48/, `${site.name}, ${label}: says how to fix it`);
      if (typeof secret === 'string') assert.ok(!e.message.includes(secret), `${site.name}, ${label}: never echoes the secret`);
      return true;
    },
    `${site.name} accepted ${label}`,
  );
}

for (const site of sites) {
  test(`${site.name} refuses a placeholder and a low-entropy secret, accepts a random one`, async () => {
    await refused(site, PLACEHOLDER, 'a placeholder');
    await refused(site, LOW_ENTROPY, 'a low-entropy secret');
    await refused(site, Buffer.alloc(32), '32 zero bytes');
    await site.use(GOOD);
    await site.use(randomBytes(32));
  });

  if (site.rotation) {
    test(`${site.name} accepts a rotation list and checks every entry`, async () => {
      await site.use([GOOD, OLD]);
      await refused(site, [GOOD, PLACEHOLDER], 'a placeholder in the rotation list');
      await refused(site, [GOOD, LOW_ENTROPY], 'a low-entropy secret in the rotation list');
    });
  } else {
    test(`${site.name} takes one secret, not a rotation list`, async () => {
      await assert.rejects(
        async () => site.use([GOOD, OLD]),
        (e: unknown) => isRampartError(e, site.code),
      );
    });
  }
}
