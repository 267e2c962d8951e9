import { ipKey, normalizeIp, parseIp } from '../client-ip/index.ts';
import { safeEmit } from '../core/events.ts';
import { checkKeys, numberOption, optionsObject } from '../core/options.ts';
import { problem } from '../core/problem.ts';
import type { Middleware, Reply, RequestView } from '../core/types.ts';
import type { BlockEntry } from '../stores/types.ts';
import { compileBlocklistOptions, type BlocklistOptions } from './blocklist-options.ts';
import { accountKey, parseTarget } from './targets.ts';
import type ipaddr from 'ipaddr.js';

export type { BlocklistOptions } from './blocklist-options.ts';

/** How long and why. */
export interface BlockOptions {
  /** Seconds until the block expires (default: `defaultSeconds`, 3600). */
  seconds?: number;
  /** Shown in events and `list()`; never sent to the client. */
  reason?: string;
}

/**
 * An IP / CIDR blocklist with expiry that is also a middleware: blocked clients get 403
 * before any other work (put it first in the stack).
 */
export interface Blocklist extends Middleware {
  readonly name: 'blocklist';
  /** Block an IP or a CIDR (`'192.0.2.7'`, `'10.0.0.0/8'`, `'2001:db8::/64'`). */
  block(target: string, options?: BlockOptions): Promise<void>;
  /** Lift a block (same spelling as given to block()). */
  unblock(target: string): Promise<void>;
  /** True when this address is blocked now (synchronous: the local copy). */
  isBlocked(ip: string): boolean;
  /** Block an account name (stored as a digest). */
  blockAccount(account: string, options?: BlockOptions): Promise<void>;
  unblockAccount(account: string): Promise<void>;
  isAccountBlocked(account: string): boolean;
  /** Active blocks of the local copy. */
  list(): BlockEntry[];
  /** Refresh the local copy from the shared store now. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

const ACCOUNT_PREFIX = 'account:';

/**
 * Create a blocklist.
 *
 * @example
 * const blocked = blocklist();
 * const shield = stack([blocked, rateLimit()]);
 * await blocked.block('203.0.113.0/24', { seconds: 900, reason: 'scanner' });
 */
export function blocklist(options: BlocklistOptions = {}): Blocklist {
  const { store, remote, syncMs, defaultSeconds, secret, clock, sink } = compileBlocklistOptions(options);

  // Local copy: exact targets (addresses, account digests) and CIDR ranges.
  let exact = new Map<string, BlockEntry>();
  let ranges: Array<{ range: [ipaddr.IPv4 | ipaddr.IPv6, number]; entry: BlockEntry }> = [];
  const reported = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;
  let syncing: Promise<void> | undefined;

  const addLocal = (entry: BlockEntry): void => {
    if (entry.target.startsWith(ACCOUNT_PREFIX)) {
      exact.set(entry.target, entry);
      return;
    }
    const t = parseTarget(entry.target);
    if (t.range === undefined) exact.set(t.text, entry);
    else {
      ranges = ranges.filter((r) => r.entry.target !== t.text);
      ranges.push({ range: t.range, entry });
    }
  };

  const removeLocal = (target: string): void => {
    exact.delete(target);
    ranges = ranges.filter((r) => r.entry.target !== target);
  };

  const sync = (): Promise<void> => {
    syncing ??= (async () => {
      try {
        const entries = await store.blocks(clock());
        const nextExact = new Map<string, BlockEntry>();
        const nextRanges: typeof ranges = [];
        for (const entry of entries) {
          if (entry.target.startsWith(ACCOUNT_PREFIX)) nextExact.set(entry.target, entry);
          else {
            try {
              const t = parseTarget(entry.target);
              if (t.range === undefined) nextExact.set(t.text, entry);
              else nextRanges.push({ range: t.range, entry });
            } catch {
              // A foreign entry in the shared store (login-guard lock, typo): not an IP block.
            }
          }
        }
        exact = nextExact;
        ranges = nextRanges;
      } finally {
        syncing = undefined;
      }
    })();
    return syncing;
  };

  const startSync = (): void => {
    if (!remote || timer !== undefined) return;
    timer = setInterval(() => void sync().catch(() => undefined), syncMs);
    timer.unref();
    void sync().catch(() => undefined);
  };

  const activeExact = (key: string, now: number): BlockEntry | undefined => {
    const entry = exact.get(key);
    if (entry === undefined) return undefined;
    if (entry.until > now) return entry;
    exact.delete(key);
    return undefined;
  };

  const find = (ip: string, now: number): BlockEntry | undefined => {
    const norm = normalizeIp(ip);
    const hit = activeExact(norm, now);
    if (hit !== undefined) return hit;
    if (ranges.length === 0) return undefined;
    const parsed = parseIp(norm);
    if (parsed === undefined) return undefined;
    for (const r of ranges) {
      if (r.entry.until <= now) continue;
      if (r.range[0].kind() === parsed.kind() && parsed.match(r.range)) return r.entry;
    }
    return undefined;
  };

  const until = (opts: BlockOptions | undefined, now: number): { until: number; reason: string } => {
    const b = opts === undefined ? {} : (optionsObject(opts, 'blocklist.block options') as BlockOptions);
    checkKeys(b, ['seconds', 'reason'], 'blocklist.block options');
    const seconds = b.seconds === undefined ? defaultSeconds : numberOption(b.seconds, 'block seconds', 0.001, 31_536_000, false);
    const reason = b.reason === undefined ? 'blocked' : String(b.reason).slice(0, 200);
    return { until: now + seconds * 1000, reason };
  };

  return Object.freeze({
    name: 'blocklist',
    clientKeyed: true,
    handle(req: RequestView): Reply | undefined {
      if (timer === undefined && remote) startSync();
      if (exact.size === 0 && ranges.length === 0) return undefined;
      const now = clock();
      const entry = find(req.ip, now);
      if (entry === undefined) return undefined;
      // One event per block per minute, so a blocked flood cannot flood the log.
      const last = reported.get(entry.target);
      if (last === undefined || now - last >= 60_000) {
        if (reported.size >= 10_000) reported.clear();
        reported.set(entry.target, now);
        req.emit('BLOCKED_IP_REQUEST', `blocked (${entry.reason}) until ${new Date(entry.until).toISOString()}`);
      }
      return problem(403, 'Access from this address is blocked.');
    },
    async block(target, opts) {
      const t = parseTarget(target);
      const now = clock();
      const { until: end, reason } = until(opts, now);
      const entry = { target: t.text, until: end, reason };
      addLocal(entry);
      safeEmit(sink, { event: 'IP_BLOCKED', ip: t.text, detail: `${reason}; until ${new Date(end).toISOString()}` });
      await store.block(t.text, end, reason);
    },
    async unblock(target) {
      const t = parseTarget(target);
      removeLocal(t.text);
      reported.delete(t.text);
      await store.unblock(t.text);
    },
    isBlocked(ip) {
      return find(ip, clock()) !== undefined;
    },
    async blockAccount(account, opts) {
      const key = ACCOUNT_PREFIX + accountKey(account, secret);
      const now = clock();
      const { until: end, reason } = until(opts, now);
      addLocal({ target: key, until: end, reason });
      safeEmit(sink, { event: 'ACCOUNT_BLOCKED', detail: `${reason}; until ${new Date(end).toISOString()}` });
      await store.block(key, end, reason);
    },
    async unblockAccount(account) {
      const key = ACCOUNT_PREFIX + accountKey(account, secret);
      removeLocal(key);
      await store.unblock(key);
    },
    isAccountBlocked(account) {
      return activeExact(ACCOUNT_PREFIX + accountKey(account, secret), clock()) !== undefined;
    },
    list() {
      const now = clock();
      return [...exact.values(), ...ranges.map((r) => r.entry)].filter((e) => e.until > now);
    },
    sync,
    async close() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      await store.close();
    },
  } satisfies Blocklist);
}

/** The blocklist key of a client address: IPv4 as is, IPv6 as its /64 (adaptive blocking blocks the allocation). */
export function clientBlockKey(ip: string, ipv6Prefix = 64): string {
  return ipKey(ip, ipv6Prefix);
}
