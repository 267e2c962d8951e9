/** Contender: the rampart preset around a fetch handler (`shield.fetch(handler)`) served by @hono/node-server. */
import { serve } from '@hono/node-server';
import { buildPreset } from '../rampart-preset.ts';
import { CONTENT_TYPE, PAYLOAD, announce, unavailable } from '../shared.ts';

const { shield, note } = await buildPreset();
if (shield === undefined) unavailable(note);
else {
  const body = new Uint8Array(PAYLOAD);
  const handler = shield.fetch((_request: Request): Response => new Response(body, { status: 200, headers: { 'content-type': CONTENT_TYPE } }));
  const server = serve({ fetch: handler, port: 0, hostname: '127.0.0.1' }, (info) => announce(info.port, note, () => server.close()));
}
