import http from 'node:http';
import { getRequestListener } from '@hono/node-server';
import type { AddressInfo } from 'node:net';

/** A node:http server on a free loopback port; `close()` drops open connections first. */
export interface Listening {
  readonly url: string;
  close(): Promise<void>;
}

/** Serve `listener` (a node request handler, an Express app, @hono/node-server's getRequestListener(…)) on 127.0.0.1. */
export async function listenLoopback(listener: http.RequestListener): Promise<Listening> {
  const server = http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Serve a fetch-style handler `(Request) => Response` on 127.0.0.1 through @hono/node-server, as `serve({ fetch })` does. */
export function listenFetch(handler: (request: Request) => Response | Promise<Response>): Promise<Listening> {
  return listenLoopback(getRequestListener(handler));
}
