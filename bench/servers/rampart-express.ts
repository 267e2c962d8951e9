/** Contender: the rampart preset on Express (`app.use(shield.express())`). */
import http from 'node:http';
import express from 'express';
import { buildPreset } from '../rampart-preset.ts';
import { CONTENT_TYPE, PAYLOAD, listenNode, unavailable } from '../shared.ts';

const { shield, note } = await buildPreset();
if (shield === undefined) unavailable(note);
else {
  const app = express();
  app.use(shield.express());
  app.get('/', (_req, res) => {
    res.set('content-type', CONTENT_TYPE).send(PAYLOAD);
  });
  listenNode(http.createServer(app), note);
}
