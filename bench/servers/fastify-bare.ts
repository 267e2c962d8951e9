/** Contender: Fastify with its defaults, one route. */
import Fastify from 'fastify';
import { CONTENT_TYPE, PAYLOAD, listenNode } from '../shared.ts';

const app = Fastify({ logger: false });
app.get('/', (_request, reply) => {
  reply.header('content-type', CONTENT_TYPE).send(PAYLOAD);
});
await app.ready();
listenNode(app.server);
