/**
 * BREACH (issue 15): a compression-length oracle. The page carries a secret (an account
 * number) and reflects an attacker-chosen search string; the attacker guesses the secret
 * one digit at a time and keeps the guess whose compressed response is shortest. With
 * compression on and the guard off the oracle recovers the secret; with
 * `breachGuard: true` responses that set a cookie or embed the CSRF token are not
 * compressed, so every guess yields the same length.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { compression } from './index.ts';
import { csrf, csrfToken } from '../csrf/index.ts';
import { stack } from '../stack/index.ts';
import { isRampartError } from '../errors.ts';
import { forEachAdapter, type TestApp } from '../../test/helpers/adapters.ts';

process.env.RAMPART_SILENT = '1';

const DIGITS = '0123456789';
// A fixed secret: the length oracle is a heuristic (Huffman costs of single digits can out-weigh
// a one-character longer match: 741635 misleads it at the second digit), and a test must not
// pass or fail by the draw. The guard's property (equal lengths) does not depend on the secret.
const SECRET = process.env.BREACH_SECRET ?? '271828';
const PREFIX = 'acct_';
const PROSE =
  'Your orders are listed by week, with invoices, shipping notes and returns. Search results show the newest orders first; archived orders move to the history page after ninety days. Contact support when an order looks wrong or a payment did not arrive in time.';

/** The page: prose, the secret, then the reflected search string (as a search results page renders it). */
function page(query: string, extra = ''): string {
  const prose = Array.from({ length: 8 }, () => `<p>${PROSE}</p>`).join('\n');
  return `<!doctype html><html><head><title>Orders</title></head><body><main>${prose}<p>Account: ${PREFIX}${SECRET}</p>${extra}<p>You searched for: ${query}</p></main></body></html>`;
}

const searchOf = (query: string): string => {
  const q = new URLSearchParams(query).get('q') ?? '';
  return q.replace(/[<>&"]/g, '');
};

/** A page that sets a session cookie (the common case: login, session refresh). */
const cookiePage: TestApp = (req) => ({
  status: 200,
  headers: { 'content-type': 'text/html; charset=utf-8', 'set-cookie': 'session=s3; Path=/; HttpOnly' },
  body: page(searchOf(req.view?.query ?? '')),
});

/** A page with a form: it renders the CSRF token and sets no cookie (the client already has one). */
const formPage: TestApp = (req) => ({
  status: 200,
  headers: { 'content-type': 'text/html; charset=utf-8' },
  body: page(searchOf(req.view?.query ?? ''), `<form method="post"><input type="hidden" name="_csrf_token" value="${csrfToken(req.native) ?? ''}"></form>`),
});

/** The same page with neither cookie nor token: not secret-bearing by the guard's rule. */
const plainPage: TestApp = (req) => ({
  status: 200,
  headers: { 'content-type': 'text/html; charset=utf-8' },
  body: page(searchOf(req.view?.query ?? '')),
});

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
test.after(() => agent.destroy());

/** GET and count the bytes on the wire (no decompression, unlike fetch). */
function wire(url: string, headers: Record<string, string> = {}): Promise<{ length: number; encoding: string | undefined; cookies: string[] }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent, headers: { 'accept-encoding': 'gzip', ...headers } }, (res) => {
        let length = 0;
        res.on('data', (chunk: Buffer) => {
          length += chunk.length;
        });
        res.on('end', () => resolve({ length, encoding: res.headers['content-encoding'], cookies: res.headers['set-cookie'] ?? [] }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/**
 * Bit-alignment pads: summing over them turns a few saved bits into a visible byte count.
 * When two digits still tie, the attacker sums over further pad sets (as a real one would).
 */
const PAD_SETS = ['#$%*+=@!', '^&()[]{}', "',;:?|`'"].map((chars) => Array.from({ length: 8 }, (_, k) => `~${chars.slice(0, k)}`));
const PADS = PAD_SETS[0]!;

/** Score of one guess: the summed wire length over the pads (smaller = more of it matched the secret). */
async function score(url: string, guess: string, headers?: Record<string, string>, pads = PADS): Promise<number> {
  let sum = 0;
  for (const pad of pads) sum += (await wire(`${url}/search?q=${encodeURIComponent(guess + pad)}`, headers)).length;
  return sum;
}

/** Scores of the ten candidate digits after `known`. */
async function scores(url: string, known: string, headers?: Record<string, string>, pads = PADS): Promise<number[]> {
  const out: number[] = [];
  for (const d of DIGITS) out.push(await score(url, `${PREFIX}${known}${d}`, headers, pads));
  return out;
}

/** The attack: digit by digit, keep the unique shortest guess (adding pad sets while digits tie); undefined when lengths never single one out. */
async function recover(url: string, headers?: Record<string, string>): Promise<string | undefined> {
  let known = '';
  while (known.length < SECRET.length) {
    const total = new Array<number>(DIGITS.length).fill(0);
    let digit: string | undefined;
    for (const pads of PAD_SETS) {
      const s = await scores(url, known, headers, pads);
      for (let i = 0; i < s.length; i++) total[i]! += s[i]!;
      const min = Math.min(...total);
      if (total.filter((x) => x === min).length === 1) {
        digit = DIGITS[total.indexOf(min)];
        break;
      }
    }
    if (digit === undefined) return undefined;
    known += digit;
  }
  return known;
}

test('the oracle works: with compression on and no guard, the reflected guess recovers the secret from response lengths', async (t) => {
  await forEachAdapter(
    t,
    () => stack([compression()]),
    async (app) => {
      const probe = await wire(`${app.url}/search?q=x`);
      assert.equal(probe.encoding, 'gzip');
      assert.equal(await recover(app.url), SECRET);
    },
    cookiePage,
  );
});

test('breachGuard: a response that sets a cookie is not compressed, and lengths no longer reveal the secret', async (t) => {
  await forEachAdapter(
    t,
    () => stack([compression({ breachGuard: true })]),
    async (app) => {
      const probe = await wire(`${app.url}/search?q=x`);
      assert.equal(probe.encoding, undefined, 'not compressed');
      assert.deepEqual(probe.cookies, ['session=s3; Path=/; HttpOnly']);
      const s = await scores(app.url, '');
      assert.equal(new Set(s).size, 1, `every guess costs the same: ${s.join(' ')}`);
      assert.equal(await recover(app.url), undefined);
    },
    cookiePage,
  );
});

const CSRF_SECRET = 'k3J9vQ2mX8pL4tR7wZ1cF6hN0bD5gS2yE9uA3iO8qW4=';

test('breachGuard: a response that rendered csrfToken(req) is not compressed, even without Set-Cookie; without the guard it is', async (t) => {
  for (const breachGuard of [false, true]) {
    await t.test(`breachGuard: ${breachGuard}`, async (t2) => {
      await forEachAdapter(
        t2,
        () => stack([csrf({ secret: CSRF_SECRET }), compression({ breachGuard })], { events: { emit() {} } }),
        async (app) => {
          const first = await wire(`${app.url}/search?q=x`);
          const cookie = first.cookies.find((c) => c.startsWith('csrf_token='))?.split(';')[0];
          assert.ok(cookie, 'the first visit sets the token cookie');
          const again = await wire(`${app.url}/search?q=x`, { cookie });
          assert.deepEqual(again.cookies, [], 'a returning client gets no new cookie');
          assert.equal(again.encoding, breachGuard ? undefined : 'gzip');
          if (breachGuard) {
            const s = await scores(app.url, '', { cookie });
            assert.equal(new Set(s).size, 1, `every guess costs the same: ${s.join(' ')}`);
          }
        },
        formPage,
      );
    });
  }
});

test('breachGuard leaves responses without cookie or token compressed (the guard is targeted)', async (t) => {
  await forEachAdapter(
    t,
    () => stack([csrf({ secret: CSRF_SECRET }), compression({ breachGuard: true })], { events: { emit() {} } }),
    async (app) => {
      const r = await wire(`${app.url}/search?q=x`);
      assert.equal(r.encoding, undefined, 'the first visit sets the CSRF cookie: not compressed');
      const cookie = r.cookies.find((c) => c.startsWith('csrf_token='))?.split(';')[0] ?? '';
      const again = await wire(`${app.url}/search?q=x`, { cookie });
      assert.equal(again.encoding, 'gzip');
    },
    plainPage,
  );
});

test('breachGuard must be a boolean', () => {
  assert.throws(
    () => compression({ breachGuard: 'yes' as never }),
    (e: unknown) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
});
