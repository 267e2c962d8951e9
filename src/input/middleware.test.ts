import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import * as v from 'valibot';
import { stack } from '../stack/index.ts';
import type { SecurityEventRecord } from '../core/types.ts';
import { forEachAdapter } from '../../test/helpers/adapters.ts';
import { validate, validatedInput, parseInput, ValidationError } from './validate.ts';
import { inputGuard } from './guard.ts';
import { isRampartError } from '../errors.ts';

const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

function sink() {
  const events: SecurityEventRecord[] = [];
  return { events, emit: (r: SecurityEventRecord) => void events.push(r) };
}

test('validate(zod): 400 problem+json with field errors, validated output for the handler, body intact', async (t) => {
  const schema = z.object({ email: z.string().email(), age: z.coerce.number().int().min(18), tags: z.array(z.string()).max(3).default([]) });
  await forEachAdapter(
    t,
    () => stack([validate(schema)]),
    async (app) => {
      const ok = await fetch(app.url + '/signup', json({ email: 'a@example.com', age: '21' }));
      assert.equal(ok.status, 200);
      const echoed = (await ok.json()) as { body: string; validated: unknown };
      assert.equal(echoed.body, JSON.stringify({ email: 'a@example.com', age: '21' }), 'the app still reads the raw body');
      assert.deepEqual(echoed.validated, { body: { email: 'a@example.com', age: 21, tags: [] } });

      const bad = await fetch(app.url + '/signup', json({ email: 'nope', age: 12, tags: ['a', 'b', 'c', 'd'] }));
      assert.equal(bad.status, 400);
      assert.equal(bad.headers.get('content-type'), 'application/problem+json');
      const p = (await bad.json()) as { status: number; errors: Array<{ path: string; message: string }> };
      assert.equal(p.status, 400);
      assert.deepEqual(p.errors.map((e) => e.path).sort(), ['body.age', 'body.email', 'body.tags']);

      const broken = await fetch(app.url + '/signup', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":' });
      assert.equal(broken.status, 400);
      const wrongType = await fetch(app.url + '/signup', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' });
      assert.equal(wrongType.status, 415);
      const form = await fetch(app.url + '/signup', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'email=b%40example.com&age=30',
      });
      assert.equal(form.status, 200);
    },
    (req) => ({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ body: req.body, validated: validatedInput(req.native) }),
    }),
  );
});

test('validate(valibot) on the query string, repeated keys as arrays', async (t) => {
  const query = v.object({
    page: v.pipe(v.string(), v.transform(Number), v.integer(), v.minValue(1)),
    tag: v.optional(v.union([v.string(), v.array(v.string())])),
  });
  await forEachAdapter(
    t,
    () => stack([validate({ query })]),
    async (app) => {
      const ok = await fetch(app.url + '/list?page=2&tag=a&tag=b');
      assert.equal(ok.status, 200);
      assert.deepEqual(((await ok.json()) as { validated: unknown }).validated, { query: { page: 2, tag: ['a', 'b'] } });
      const bad = await fetch(app.url + '/list?page=zero');
      assert.equal(bad.status, 400);
      const p = (await bad.json()) as { errors: Array<{ path: string }> };
      assert.equal(p.errors[0]!.path, 'query.page');
    },
    (req) => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ validated: validatedInput(req.native) }) }),
  );
});

test('validate: non-schemas and unknown options fail at construction; parseInput throws ValidationError', async () => {
  assert.throws(
    () => validate({} as never),
    (e: unknown) => isRampartError(e, 'ERR_RAMPART_SCHEMA'),
  );
  assert.throws(
    () => validate({ body: { parse() {} } } as never),
    (e: unknown) => isRampartError(e, 'ERR_RAMPART_SCHEMA'),
  );
  assert.throws(
    () => validate({ body: z.string(), bodyLimits: 1 } as never),
    (e: unknown) => isRampartError(e, 'ERR_RAMPART_UNKNOWN_OPTION'),
  );
  assert.equal(await parseInput(z.string().trim(), '  x '), 'x');
  await assert.rejects(
    parseInput(v.object({ a: v.number() }), { a: 'x' }),
    (e: unknown) => e instanceof ValidationError && e.code === 'ERR_RAMPART_VALIDATION' && e.errors[0]!.path === 'a',
  );
});

test('inputGuard monitor mode: events with rule and bounded excerpt, request continues', async (t) => {
  let s = sink();
  await forEachAdapter(
    t,
    () => {
      s = sink();
      return stack([inputGuard()], { events: s });
    },
    async (app) => {
      const payload = "' OR '1'='1' -- " + 'x'.repeat(5000);
      const r = await fetch(app.url + '/search?q=' + encodeURIComponent(payload));
      assert.equal(r.status, 200);
      const echoed = (await r.json()) as { locals: { inputGuard: Array<{ where: string; rule: string }> } };
      assert.equal(echoed.locals.inputGuard[0]!.where, 'query.q');
      assert.equal(s.events.length, 1);
      assert.equal(s.events[0]!.event, 'SUSPICIOUS_INPUT');
      assert.match(s.events[0]!.detail!, /rule=sqli_tautology type=sqli in=query\.q/);
      assert.ok(s.events[0]!.detail!.length < 250, 'detail is bounded');
      assert.ok(!s.events[0]!.detail!.includes('x'.repeat(100)));

      const trav = await fetch(app.url + '/files?name=..%2F..%2F..%2Fetc%2Fpasswd');
      assert.equal(trav.status, 200);
      assert.equal(s.events.at(-1)!.event, 'PATH_TRAVERSAL_ATTEMPT');

      const benign = await fetch(app.url + "/search?q=O'Brien%20%26%20sons", { ...json({ comment: "It's great -- select the best one from the list" }) });
      assert.equal(benign.status, 200);
      assert.equal(s.events.length, 2, 'benign input emits nothing');
    },
  );
});

test('inputGuard block mode: 403 for query, header, nested JSON and form payloads; benign passes', async (t) => {
  let s = sink();
  await forEachAdapter(
    t,
    () => {
      s = sink();
      return stack([inputGuard({ mode: 'block' })], { events: s });
    },
    async (app) => {
      const q = await fetch(app.url + '/?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E');
      assert.equal(q.status, 403);
      assert.equal(q.headers.get('content-type'), 'application/problem+json');
      assert.ok(!(await q.text()).includes('script'), 'the payload is not echoed');
      const h = await fetch(app.url + '/', { headers: { referer: 'http://x/?a=<svg onload=alert(1)>' } });
      assert.equal(h.status, 403);
      const nested = await fetch(app.url + '/api', json({ user: { profile: { bio: ['ok', 'fine', '1; DROP TABLE users --'] } } }));
      assert.equal(nested.status, 403);
      assert.match(s.events.at(-1)!.detail!, /in=body\.user\.profile\.bio\[2\]/);
      const key = await fetch(app.url + '/api', json({ '<img src=x onerror=alert(1)>': 1 }));
      assert.equal(key.status, 403);
      const form = await fetch(app.url + '/form', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'cmd=%3B+cat+%2Fetc%2Fpasswd',
      });
      assert.equal(form.status, 403);
      const ok = await fetch(app.url + '/api', json({ name: "Conor O'Brien", note: 'Drop by the union hall; select a seat' }));
      assert.equal(ok.status, 200);
      assert.equal(((await ok.json()) as { body: string }).body, JSON.stringify({ name: "Conor O'Brien", note: 'Drop by the union hall; select a seat' }));
    },
  );
});

test('inputGuard options are validated', () => {
  assert.throws(
    () => inputGuard({ mode: 'deny' as never }),
    (e: unknown) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
  assert.throws(
    () => inputGuard({ modes: 'block' } as never),
    (e: unknown) => isRampartError(e, 'ERR_RAMPART_UNKNOWN_OPTION'),
  );
  assert.throws(
    () => inputGuard({ scan: ['cookies' as never] }),
    (e: unknown) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
});

test('inputGuard bounds the work per request (maxValues, maxChars)', async (t) => {
  await forEachAdapter(
    t,
    () => stack([inputGuard({ mode: 'block', maxValues: 100, maxChars: 4096 })]),
    async (app) => {
      const filler = Array.from({ length: 500 }, (_, i) => `value ${i}`);
      const early = await fetch(app.url + '/api', json({ items: ["1' OR '1'='1", ...filler] }));
      assert.equal(early.status, 403);
      const late = await fetch(app.url + '/api', json({ items: [...filler, "1' OR '1'='1"] }));
      assert.equal(late.status, 413, 'more values than maxValues: refused uninspected in block mode');
      const longText = await fetch(app.url + '/api', json({ a: 'x'.repeat(5000), b: '<script>alert(1)</script>' }));
      assert.equal(longText.status, 413, 'more characters than maxChars: refused uninspected in block mode');
    },
  );
});
