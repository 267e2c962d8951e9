/** Contender: Express with its defaults, one route. */
import http from 'node:http';
import express from 'express';
import { CONTENT_TYPE, PAYLOAD, listenNode } from '../shared.ts';

const app = express();
app.get('/', (_req, res) => {
  res.set('content-type', CONTENT_TYPE).send(PAYLOAD);
});
listenNode(http.createServer(app));
