/**
 * sensitivePath detection reads the target the way servers that strip path parameters,
 * trailing dots or NTFS streams would, and also inspects targets the stack refuses with 400;
 * look-alikes stay quiet.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { monitor, type Alert, type AlertSink } from './index.ts';
import { stack } from '../stack/index.ts';
import { serve } from '../../test/helpers/adapters.ts';
import { isSensitiveTarget } from './sensitive.ts';
import { DEFAULT_SENSITIVE_PATHS } from './options.ts';

process.env.RAMPART_SILENT = '1';

const EVASIONS = [
  '/.env;x',
  '/actuator;/env',
  '/wp-login.phP;jsessionid=1',
  '/.env%20',
  '/.env.',
  '/.env%2e',
  '/.env~',
  '/.env%09',
  '/.env::$DATA',
  '/%252eenv',
  '/.env%3B',
  '/.ENV%252e%2520',
  '\\.env',
  '/.env#frag',
  '/%C0%AEenv',
  '/.env%E3%80%82',
  '/%EF%BC%8Eenv',
];
const REFUSED = ['/.git%2fconfig', '/.env%00', '/x/..%2f.env', '/static/..%5c.env', '/.env/..'];
const LOOK_ALIKES = ['/.environment', '/envelope', '/.environment;x', '/env.', '/.github/x', '/%2eenvironment', '/docs/dotenv', '/.env-example-page'];

test('isSensitiveTarget: path parameters, trailing dots, spaces, ~ and ::$DATA, repeated encoding and case do not hide a sensitive name; look-alikes do not match', () => {
  for (const t of [...EVASIONS, ...REFUSED]) assert.ok(isSensitiveTarget(t, DEFAULT_SENSITIVE_PATHS), t);
  for (const t of LOOK_ALIKES) assert.ok(!isSensitiveTarget(t, DEFAULT_SENSITIVE_PATHS), t);
});

test('through a real server: every evasion raises a sensitivePath alert, refused (400) targets included; look-alikes raise none', async () => {
  const alerts: Alert[] = [];
  const sink: AlertSink = { name: 'c', send: (a) => void alerts.push(a) };
  const m = monitor({ sinks: [sink], events: false, alertLimit: { max: 1000 }, rules: { notFound: false, scanning: false, forbidden: false } });
  const app = await serve('node', stack([m], { trustProxy: ['127.0.0.1'], events: { emit: () => undefined } }), () => ({ status: 404, body: 'nf' }));
  const port = Number(new URL(app.url).port);
  const raw = (target: string, ip: string) =>
    new Promise<string>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      let d = '';
      s.setEncoding('latin1');
      s.on('data', (c: string) => (d += c));
      s.on('end', () => resolve(d.slice(9, 12)));
      s.on('error', reject);
      s.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nX-Forwarded-For: ${ip}\r\n\r\n`);
    });
  try {
    let n = 0;
    // '#' and '\\' targets are refused by Node's HTTP parser before any code runs
    for (const t of [...EVASIONS.filter((e) => !e.includes('#') && !e.startsWith('\\')), ...REFUSED, ...LOOK_ALIKES]) {
      n++;
      const before = alerts.length;
      const status = await raw(t, `198.51.100.${n}`);
      const fired = alerts.length > before;
      assert.equal(fired, !LOOK_ALIKES.includes(t), `${t} (${status})`);
      if (REFUSED.includes(t)) assert.equal(status, '400', t);
    }
  } finally {
    await app.close();
    await m.close();
  }
});
