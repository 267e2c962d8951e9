/**
 * Calibration: bare Hono with one empty async middleware (`await next()`). Any middleware
 * moves Hono from its synchronous single-handler dispatch to compose (promises) and
 * @hono/node-server from its synchronous answer to its awaited one: the floor of every
 * Hono middleware, rampart's included.
 */
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import { CONTENT_TYPE, PAYLOAD, announce } from '../shared.ts';

const body = new Uint8Array(PAYLOAD); // Uint8Array<ArrayBuffer>, as Hono's c.body() types want
const app = new Hono();
app.use(async (_c, next) => {
  await next();
});
app.get('/', (c) => c.body(body, 200, { 'content-type': CONTENT_TYPE }));
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => announce(info.port, '', () => server.close()));
