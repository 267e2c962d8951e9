/**
 * Raw HTTP/1.1 over a socket, for requests fetch() will not send as written (forged Host,
 * both framing headers, chunked bodies, unnormalised paths).
 */
import net from 'node:net';

/** Send `request` verbatim and collect everything the server answers until it closes (or 1.5 s). */
export function rawRequest(url: string, request: string): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.write(request));
    let data = '';
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => {
      data += c;
    });
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
    setTimeout(() => socket.end(), 1500).unref();
  });
}

/** Send a request head only and resolve with the status the server answers, without waiting for the close. */
export function rawStatus(url: string, head: string): Promise<number> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.write(head));
    let data = '';
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => {
      data += c;
      const status = statusOf(data);
      if (status !== 0) {
        socket.destroy();
        resolve(status);
      }
    });
    socket.on('error', reject);
  });
}

/** The status code of a raw response, 0 when there is no status line yet. */
export function statusOf(response: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);
}
