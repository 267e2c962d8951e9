/**
 * Calibration (floor): Express's bare route plus the preset's response headers, set by one
 * middleware with res.setHeader (Express middleware read headers back from node's map, so
 * they must be there before the route; node validates and stores each one).
 */
import http from 'node:http';
import express from 'express';
import { CONTENT_TYPE, PAYLOAD, listenNode } from '../shared.ts';
import { PRESET_HEADERS } from './preset-headers.ts';

const app = express();
app.use((_req, res, next) => {
  for (let i = 0; i < PRESET_HEADERS.length; i += 2) res.setHeader(PRESET_HEADERS[i]!, PRESET_HEADERS[i + 1]!);
  next();
});
app.get('/', (_req, res) => {
  res.set('content-type', CONTENT_TYPE).send(PAYLOAD);
});
listenNode(http.createServer(app));
