/** Calibration (floor): bare node:http plus the preset's response headers in its one writeHead list (bench/servers/preset-headers.ts). */
import http from 'node:http';
import { CONTENT_TYPE, PAYLOAD, listenNode } from '../shared.ts';
import { PRESET_HEADERS } from './preset-headers.ts';

const headers = ['content-type', CONTENT_TYPE, 'content-length', String(PAYLOAD.byteLength), ...PRESET_HEADERS];

listenNode(
  http.createServer((_req, res) => {
    res.writeHead(200, headers);
    res.end(PAYLOAD);
  }),
);
