/** Calibration (floor): a bare fetch handler on @hono/node-server whose Response's plain header record also holds the preset's response headers. */
import { serve } from '@hono/node-server';
import { CONTENT_TYPE, PAYLOAD, announce } from '../shared.ts';
import { PRESET_HEADER_RECORD } from './preset-headers.ts';

const body = new Uint8Array(PAYLOAD);
const handler = (_request: Request): Response => new Response(body, { status: 200, headers: { 'content-type': CONTENT_TYPE, ...PRESET_HEADER_RECORD } });
const server = serve({ fetch: handler, port: 0, hostname: '127.0.0.1' }, (info) => announce(info.port, '', () => server.close()));
