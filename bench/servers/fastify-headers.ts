/** Calibration (floor): Fastify's bare route plus the preset's response headers, put on the reply by one onRequest hook (reply.headers()). */
import Fastify from 'fastify';
import { CONTENT_TYPE, PAYLOAD, listenNode } from '../shared.ts';
import { PRESET_HEADER_RECORD } from './preset-headers.ts';

const app = Fastify({ logger: false });
app.addHook('onRequest', (_request, reply, done) => {
  reply.headers(PRESET_HEADER_RECORD);
  done();
});
app.get('/', (_request, reply) => {
  reply.header('content-type', CONTENT_TYPE).send(PAYLOAD);
});
await app.ready();
listenNode(app.server);
