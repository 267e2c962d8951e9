/** Contender: Hono + secureHeaders + cors + compress on @hono/node-server (compress uses CompressionStream). */
import { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { cors } from 'hono/cors';
import { compress } from 'hono/compress';
import { serve } from '@hono/node-server';
import { CONTENT_TYPE, ORIGIN, PAYLOAD, announce } from '../shared.ts';

const body = new Uint8Array(PAYLOAD); // Uint8Array<ArrayBuffer>, as Hono's c.body() types want
const app = new Hono();
app.use(secureHeaders());
app.use(cors({ origin: ORIGIN }));
app.use(compress());
app.get('/', (c) => c.body(body, 200, { 'content-type': CONTENT_TYPE }));
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => announce(info.port, '', () => server.close()));
