/** Contender: a bare fetch handler (`Request → Response`) served by @hono/node-server, one answer. */
import { serve } from '@hono/node-server';
import { CONTENT_TYPE, PAYLOAD, announce } from '../shared.ts';

const body = new Uint8Array(PAYLOAD);
const handler = (_request: Request): Response => new Response(body, { status: 200, headers: { 'content-type': CONTENT_TYPE } });
const server = serve({ fetch: handler, port: 0, hostname: '127.0.0.1' }, (info) => announce(info.port, '', () => server.close()));
