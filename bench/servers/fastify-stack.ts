/** Contender: Fastify + @fastify/helmet + @fastify/cors + @fastify/rate-limit + @fastify/compress. */
import Fastify from 'fastify';
import helmet from '@fastify/helmet';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import compress from '@fastify/compress';
import { CONTENT_TYPE, ORIGIN, PAYLOAD, RATE_LIMIT, listenNode } from '../shared.ts';

const app = Fastify({ logger: false });
await app.register(helmet);
await app.register(cors, { origin: ORIGIN });
await app.register(rateLimit, { max: RATE_LIMIT.max, timeWindow: RATE_LIMIT.windowSeconds * 1000 });
await app.register(compress);
app.get('/', (_request, reply) => {
  reply.header('content-type', CONTENT_TYPE).send(PAYLOAD);
});
await app.ready();
listenNode(app.server);
