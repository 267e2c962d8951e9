/** Contender: the rampart preset on Hono (`app.use(shield.hono())`) over @hono/node-server. */
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import { buildPreset } from '../rampart-preset.ts';
import { CONTENT_TYPE, PAYLOAD, announce, unavailable } from '../shared.ts';

const { shield, note } = await buildPreset();
if (shield === undefined) unavailable(note);
else {
  const body = new Uint8Array(PAYLOAD); // Uint8Array<ArrayBuffer>, as Hono's c.body() types want
  const app = new Hono();
  app.use(shield.hono());
  app.get('/', (c) => c.body(body, 200, { 'content-type': CONTENT_TYPE }));
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => announce(info.port, note, () => server.close()));
}
