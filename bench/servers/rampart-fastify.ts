/** Contender: the rampart preset on Fastify (`await app.register(shield.fastify())`). */
import Fastify from 'fastify';
import { buildPreset } from '../rampart-preset.ts';
import { CONTENT_TYPE, PAYLOAD, listenNode, unavailable } from '../shared.ts';

const { shield, note } = await buildPreset();
if (shield === undefined) unavailable(note);
else {
  const app = Fastify({ logger: false });
  await app.register(shield.fastify());
  app.get('/', (_request, reply) => {
    reply.header('content-type', CONTENT_TYPE).send(PAYLOAD);
  });
  await app.ready();
  listenNode(app.server, note);
}
