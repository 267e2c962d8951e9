// inputGuard's events must not carry fragments of secret fields: for a field whose name is
// sensitive (the log's redaction rule), the event names the field and the rule, no excerpt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stack } from '../stack/index.ts';
import type { SecurityEventRecord } from '../core/types.ts';
import { forEachAdapter } from '../../test/helpers/adapters.ts';
import { inputGuard } from './guard.ts';

function send(url: string, body: string, contentType: string, headers: Record<string, string> = {}): Promise<void> {
  return fetch(url, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body }).then((r) => void r.arrayBuffer());
}

test('every adapter: attacks in secret fields are reported by field and rule, with no excerpt of the value', async (t) => {
  let events: SecurityEventRecord[] = [];
  const make = () => {
    events = [];
    return stack([inputGuard({ mode: 'monitor', headers: ['authorization', 'user-agent'] })], { events: { emit: (r) => void events.push(r) } });
  };
  await forEachAdapter(t, make, async (app) => {
    const cases: Array<[() => Promise<void>, string, string]> = [
      [
        () => send(`${app.url}/login`, `username=ann&password=${encodeURIComponent("hunter2SECRET' OR '1'='1")}`, 'application/x-www-form-urlencoded'),
        'body.password',
        'hunter2secret',
      ],
      [
        () => send(`${app.url}/login`, JSON.stringify({ user: 'ann', password: '<script>hunter3SECRET</script>' }), 'application/json'),
        'body.password',
        'hunter3secret',
      ],
      [
        () => send(`${app.url}/login`, JSON.stringify({ creds: { pass: '../../../etc/passwd hunter4SECRET' } }), 'application/json'),
        'body.creds.pass',
        'hunter4secret',
      ],
      [() => send(`${app.url}/x?token=${encodeURIComponent("' OR 1=1-- tokSECRET")}`, '', 'text/plain'), 'query.token', 'toksecret'],
      [
        () => send(`${app.url}/x`, `api_key=${encodeURIComponent("sk_live_ABCDEFGH'; DROP TABLE users; --")}`, 'application/x-www-form-urlencoded'),
        'body.api_key',
        'drop table',
      ],
      [
        () => send(`${app.url}/x`, JSON.stringify({ clientSecretKey: ["' OR '1'='1' -- csk5SECRET"] }), 'application/json'),
        'body.clientSecretKey[0]',
        'csk5secret',
      ],
      [() => send(`${app.url}/x`, '', 'text/plain', { authorization: "Token ' OR '1'='1' -- authSECRET" }), 'header.authorization', 'authsecret'],
    ];
    for (const [request, where, fragment] of cases) {
      const before = events.length;
      await request();
      const found = events.slice(before).filter((e) => e.detail?.includes(`in=${where} `));
      assert.equal(found.length, 1, `one event for ${where}: ${JSON.stringify(events.slice(before))}`);
      const detail = found[0]!.detail!;
      assert.match(detail, /^rule=\w+ type=\w+ in=\S+ score=\d+/, detail);
      assert.ok(!detail.includes('excerpt'), detail);
      assert.ok(!detail.toLowerCase().includes(fragment), detail);
    }
    // An ordinary field keeps its excerpt.
    const before = events.length;
    await send(`${app.url}/search`, JSON.stringify({ q: "' OR '1'='1' --" }), 'application/json');
    assert.match(events.at(-1)!.detail!, /in=body\.q .*excerpt="/);
    assert.equal(events.length, before + 1);
  });
});
