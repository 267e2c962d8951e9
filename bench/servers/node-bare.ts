/** Contender: bare node:http answering the shared JSON body (the yardstick). */
import http from 'node:http';
import { CONTENT_TYPE, PAYLOAD, listenNode } from '../shared.ts';

const headers = { 'content-type': CONTENT_TYPE, 'content-length': String(PAYLOAD.byteLength) };

listenNode(
  http.createServer((_req, res) => {
    res.writeHead(200, headers);
    res.end(PAYLOAD);
  }),
);
