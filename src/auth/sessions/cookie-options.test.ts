import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sessions, getSession, type SessionOptions } from './index.ts';
import { stack } from '../../stack/index.ts';
import { forEachAdapter } from '../../../test/helpers/adapters.ts';
import { isRampartError } from '../../errors.ts';

const SECRET = 'session-signing-secret-of-32-bytes!!';

test('cookie settings browsers would refuse are construction errors: SameSite=None and __Secure-/__Host- names need secure: true', () => {
  const refused: SessionOptions[] = [
    { secret: SECRET, sameSite: 'None' },
    { secret: SECRET, sameSite: 'None', secure: 'auto' },
    { secret: SECRET, sameSite: 'None', secure: false },
    { secret: SECRET, cookieName: '__Secure-sid' },
    { secret: SECRET, cookieName: '__Host-sid', secure: 'auto' },
    { secret: SECRET, cookieName: '__host-sid', secure: false },
    { secret: SECRET, cookieName: '__SECURE-sid', secure: false },
  ];
  for (const options of refused) {
    assert.throws(
      () => sessions(options),
      (e) => isRampartError(e, 'ERR_RAMPART_CONFIG') && /secure: true/.test((e as Error).message),
      JSON.stringify({ ...options, secret: undefined }),
    );
  }
  for (const options of [
    { secret: SECRET, sameSite: 'None', secure: true },
    { secret: SECRET, cookieName: '__Secure-sid', secure: true },
    { secret: SECRET, cookieName: '__Host-sid', secure: true, sameSite: 'None' },
  ] satisfies SessionOptions[]) {
    assert.doesNotThrow(() => sessions(options));
  }
});

// Every configuration that constructs must be able to write its cookie on every request,
// plain HTTP included: a cookie error at request time would be a 500 for every visitor.
const ACCEPTED: Array<{ options: Partial<SessionOptions>; cookie: RegExp }> = [
  { options: {}, cookie: /^sid=[^;]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax$/ },
  { options: { secure: false, sameSite: 'Strict' }, cookie: /^sid=[^;]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict$/ },
  { options: { secure: true, sameSite: 'None' }, cookie: /^__Host-sid=[^;]+; Path=\/; Max-Age=\d+; HttpOnly; Secure; SameSite=None$/ },
  { options: { secure: true, cookieName: '__Secure-sid' }, cookie: /^__Secure-sid=[^;]+; Path=\/; Max-Age=\d+; HttpOnly; Secure; SameSite=Lax$/ },
  { options: { secure: true, cookieName: '__Host-app' }, cookie: /^__Host-app=[^;]+; Path=\/; Max-Age=\d+; HttpOnly; Secure; SameSite=Lax$/ },
];

for (const { options, cookie } of ACCEPTED) {
  test(`sessions(${JSON.stringify(options)}): session.set() over plain HTTP sets the cookie (every adapter)`, async (t) => {
    await forEachAdapter(
      t,
      () => stack([sessions({ secret: SECRET, ...options })]),
      async (app) => {
        const first = await fetch(`${app.url}/`);
        assert.equal(first.status, 200, await first.text());
        const [line] = first.headers.getSetCookie();
        assert.match(line ?? '', cookie);
        // The cookie is read back under the same name: the session survives the next request.
        const second = await fetch(`${app.url}/`, { headers: { cookie: line!.split(';')[0]! } });
        assert.equal(await second.text(), 'visits=2');
      },
      async (req) => {
        const session = getSession(req.native)!;
        const visits = (session.get<number>('visits') ?? 0) + 1;
        await session.set('visits', visits); // no try/catch: a throw here would be a 500
        return { body: `visits=${visits}` };
      },
    );
  });
}

test('every cookie setting either fails at construction or writes its cookie over HTTP and HTTPS (no request-time cookie error)', async () => {
  const silent = { emit: () => {} };
  for (const secure of ['auto', true, false] as const) {
    for (const sameSite of ['Strict', 'Lax', 'None'] as const) {
      for (const cookieName of ['sid', '__Secure-sid', '__Host-sid', '__host-sid', '__SECURE-x']) {
        const options: SessionOptions = { secret: SECRET, secure, sameSite, cookieName };
        const label = JSON.stringify({ secure, sameSite, cookieName });
        let middleware: ReturnType<typeof sessions>;
        try {
          middleware = sessions(options);
        } catch (error) {
          assert.ok(isRampartError(error, 'ERR_RAMPART_CONFIG'), label);
          continue;
        }
        const shield = stack([middleware], { events: silent });
        const handler = shield.fetch(async (request) => {
          await getSession(request)!.set('n', 1);
          return new Response('ok');
        });
        for (const origin of ['http://app.example', 'https://app.example']) {
          const response = await handler(new Request(`${origin}/`));
          assert.equal(response.status, 200, `${label} on ${origin}`);
          assert.equal(response.headers.getSetCookie().length, 1, `${label} on ${origin}`);
        }
        await shield.close();
      }
    }
  }
});
