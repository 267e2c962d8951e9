/** Contender: Express + helmet + cors + express-rate-limit + compression (the usual stack, preset order). */
import http from 'node:http';
import express from 'express';
import helmet from 'helmet';
import cors from 'cors';
import { rateLimit } from 'express-rate-limit';
import compression from 'compression';
import { CONTENT_TYPE, ORIGIN, PAYLOAD, RATE_LIMIT, listenNode } from '../shared.ts';

const app = express();
app.use(helmet());
app.use(cors({ origin: ORIGIN }));
app.use(rateLimit({ windowMs: RATE_LIMIT.windowSeconds * 1000, limit: RATE_LIMIT.max }));
app.use(compression());
app.get('/', (_req, res) => {
  res.set('content-type', CONTENT_TYPE).send(PAYLOAD);
});
listenNode(http.createServer(app));
