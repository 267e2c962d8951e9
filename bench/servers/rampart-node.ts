/** Contender: the rampart preset on node:http (`http.createServer(shield.node(handler))`). */
import http from 'node:http';
import { buildPreset } from '../rampart-preset.ts';
import { CONTENT_TYPE, PAYLOAD, listenNode, unavailable } from '../shared.ts';

const { shield, note } = await buildPreset();
if (shield === undefined) unavailable(note);
else {
  const headers = { 'content-type': CONTENT_TYPE, 'content-length': String(PAYLOAD.byteLength) };
  listenNode(
    http.createServer(
      shield.node((_req, res) => {
        res.writeHead(200, headers);
        res.end(PAYLOAD);
      }),
    ),
    note,
  );
}
