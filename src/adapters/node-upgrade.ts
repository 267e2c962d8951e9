import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { builtin } from '../core/builtin.ts';
import { bindView } from '../core/registry.ts';
import type { Reply, ReplyHeaders } from '../core/types.ts';
import { compileUpgradeOriginCheck, type UpgradeOptions } from '../core/upgrade-origin.ts';
import { RampartError } from '../errors.ts';
import type { ShieldCore } from '../stack/shield.ts';
import { failureReply } from '../stack/run.ts';
import { NodeExchange } from './node-exchange.ts';

/** A node:http 'upgrade' listener: `server.on('upgrade', (req, socket, head) => …)`. */
export type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => unknown;

export type { UpgradeOptions } from '../core/upgrade-origin.ts';

// Framing is rampart's: the reply's own length and connection headers are replaced.
const FRAMING = new Set(['connection', 'content-length', 'transfer-encoding', 'keep-alive', 'upgrade']);

function headerPairs(headers: ReplyHeaders | undefined): ReadonlyArray<readonly [string, string]> {
  if (headers === undefined) return [];
  return Array.isArray(headers) ? (headers as ReadonlyArray<readonly [string, string]>) : Object.entries(headers as Record<string, string>);
}

function ignoreSocketError(): void {}

/**
 * Answer a refused handshake on the raw socket (there is no ServerResponse on an upgrade):
 * status line, the reply's headers, `Connection: close`, the body; then the socket is destroyed.
 */
function refuse(socket: Duplex, reply: Reply): void {
  socket.on('error', ignoreSocketError); // a client that resets must not become an uncaught 'error'
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = reply.body === undefined ? Buffer.alloc(0) : typeof reply.body === 'string' ? Buffer.from(reply.body) : Buffer.from(reply.body);
  const reason = builtin<typeof import('node:http')>('node:http').STATUS_CODES[reply.status] ?? '';
  let head = `HTTP/1.1 ${reply.status} ${reason}\r\n`;
  for (const [name, value] of headerPairs(reply.headers)) {
    if (FRAMING.has(name.toLowerCase()) || /[\r\n]/.test(name) || /[\r\n]/.test(value)) continue;
    head += `${name}: ${value}\r\n`;
  }
  head += `connection: close\r\ncontent-length: ${body.length}\r\n\r\n`;
  socket.end(Buffer.concat([Buffer.from(head, 'latin1'), body]), () => socket.destroy());
}

/**
 * Guard a node:http 'upgrade' listener (WebSocket handshakes never reach the request
 * handler): the shield's request checks run first (target, host guard, blocklist, client
 * address, rate limit, …), then the Cross-Site WebSocket Hijacking check (an `Origin` that is
 * neither the handshake's host nor in `options.origins` gets 403). A refused handshake gets
 * a raw HTTP answer and its socket is destroyed; the listener runs only for the others, with
 * `clientIp(req)` and the other per-request helpers working on `req`. Response-side
 * features (headers, CSP, compression, cookies) do not apply: a 101 carries no page.
 *
 * @example
 * server.on('upgrade', shield.upgrade((req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req))));
 */
export function upgradeAdapter(shield: ShieldCore, listener: UpgradeListener, options?: UpgradeOptions): UpgradeListener {
  if (typeof listener !== 'function') {
    throw new RampartError('ERR_RAMPART_ADAPTER', "shield.upgrade(listener) needs a (req, socket, head) listener function, as server.on('upgrade') takes.");
  }
  const crossSite = compileUpgradeOriginCheck(options, 'shield.upgrade');
  return function rampartUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): unknown {
    // The stack writes its headers on a response; this one is never sent.
    const res = new (builtin<typeof import('node:http')>('node:http').ServerResponse)(req);
    const exchange = new NodeExchange(shield.context, req, res);
    bindView(exchange, req, res);
    const settle = (answer: Reply | undefined): unknown => {
      const refusal = answer ?? crossSite(exchange);
      if (refusal !== undefined) {
        refuse(socket, refusal);
        return undefined;
      }
      return listener(req, socket, head);
    };
    let decision: Reply | undefined | Promise<Reply | undefined>;
    try {
      decision = shield.run(exchange, exchange);
    } catch (error) {
      decision = failureReply(error);
    }
    if (decision === undefined || typeof (decision as Promise<unknown>).then !== 'function') return settle(decision as Reply | undefined);
    return (decision as Promise<Reply | undefined>).then(settle, (error: unknown) => settle(failureReply(error)));
  };
}

/** `rampart/node`: guard a node:http 'upgrade' listener with a shield (same as `shield.upgrade(listener, options)`). */
export function upgrade(shield: ShieldCore, listener: UpgradeListener, options?: UpgradeOptions): UpgradeListener {
  return upgradeAdapter(shield, listener, options);
}
