/**
 * Header names rampart writes go out in lower case on every adapter, whichever case the
 * middleware that set them used (the rate limiter's `X-RateLimit-Limit`, CORS's
 * `Access-Control-Allow-Origin`): as HTTP/2 and fetch runtimes send them, and what node
 * stores without making a lower-case copy of each name per response.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { rampart } from '../preset.ts';
import { forEachAdapter } from '../../test/helpers/adapters.ts';
import { lowerName } from './header-name.ts';

process.env.RAMPART_SILENT = '1';
const ORIGIN = 'https://app.example.com';

function rawNames(url: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    request(url, { headers: { origin: ORIGIN } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.rawHeaders.filter((_, i) => i % 2 === 0)));
    })
      .on('error', reject)
      .end();
  });
}

test('every header name the preset sets goes out in lower case on every adapter', async (t) => {
  await forEachAdapter(
    t,
    () => rampart({ cors: { origins: [ORIGIN] }, rateLimit: { maxRequests: 1000, window: 60 }, log: false }),
    async (app) => {
      const names = await rawNames(app.url);
      for (const name of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'ratelimit-policy', 'access-control-allow-origin', 'x-frame-options', 'vary']) {
        assert.ok(names.includes(name), `${app.adapter}: ${name} in ${names.join(' ')}`);
      }
    },
  );
});

test('lowerName: lower case, the same string for a name seen before, any name (prototype names too)', () => {
  assert.equal(lowerName('X-RateLimit-Limit'), 'x-ratelimit-limit');
  assert.equal(lowerName('X-RateLimit-Limit'), lowerName('x-ratelimit-LIMIT'));
  assert.equal(lowerName('__proto__'), '__proto__');
  assert.equal(lowerName('Constructor'), 'constructor');
  for (let i = 0; i < 1000; i++) assert.equal(lowerName(`X-Name-${i}`), `x-name-${i}`);
});
