/** Calibration (floor): Hono on @hono/node-server, the route answering a Response whose plain header record also holds the preset's response headers. */
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import { CONTENT_TYPE, PAYLOAD, announce } from '../shared.ts';
import { PRESET_HEADER_RECORD } from './preset-headers.ts';

const body = new Uint8Array(PAYLOAD);
const app = new Hono();
// A plain record in a Response keeps @hono/node-server's direct writeHead (c.body() with headers builds a Headers object).
app.get('/', () => new Response(body, { status: 200, headers: { 'content-type': CONTENT_TYPE, ...PRESET_HEADER_RECORD } }));
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => announce(info.port, '', () => server.close()));
