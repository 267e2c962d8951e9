import { nodeCrypto } from '../core/builtin.ts';
import { checkKeys, configError, numberOption, optionsObject } from '../core/options.ts';
import { checkPeer, lazyPeer, PEERS } from '../core/optional.ts';
import { RampartError } from '../errors.ts';
import { ALGORITHM_CODES, toRateDecision, step } from './algorithms.ts';
import type { BlockEntry, CounterState, Policy, RateDecision, RateLimitStore } from './types.ts';

/**
 * The Redis commands the store uses, as an ioredis `Redis` or `Cluster` client has them
 * (rampart's public types do not depend on ioredis: it is an optional peer).
 */
export interface RedisLike {
  evalsha(sha: string, numKeys: number, ...args: string[]): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: string[]): Promise<unknown>;
  hmget(key: string, ...fields: string[]): Promise<Array<string | null>>;
  hget(key: string, field: string): Promise<string | null>;
  hgetall(key: string): Promise<Record<string, string>>;
  hset(key: string, field: string, value: string): Promise<number>;
  hdel(key: string, ...fields: string[]): Promise<number>;
  del(...keys: string[]): Promise<number>;
}

/** Options of {@link redisStore}: pass a connected ioredis client or a URL. */
export interface RedisStoreOptions {
  /** An ioredis `Redis` or `Cluster` client (not closed by the store). Give it `enableOfflineQueue: false` so an outage fails fast. */
  client?: RedisLike;
  /** `redis://host:port/db`: the store creates (lazily) and owns its client; needs `npm install ioredis`. */
  url?: string;
  /** Key prefix (default `rampart:`). Counter keys look like `rampart:rl:<policy>:{<key>}`. */
  prefix?: string;
  /** Command timeout in seconds for a client the store creates (default 0.5). */
  timeout?: number;
}

/**
 * The counting step both scripts share, written once: advance the state (a, b, c) of
 * algorithm `algo` to `now` and try to take `cost`. Returns the new state, ok (1 admitted,
 * 0 refused) and how long Redis keeps the state in milliseconds (not rounded): how long it
 * matters after `now`, plus {@link EXPIRY_MARGIN_MS}. A refused request leaves a
 * sliding-window or fixed-window state as it was; a cost-0 call (a peek) is never written. `a` is nil for a counter never seen. The
 * arithmetic mirrors src/stores/algorithms.ts `step()` (and `stateTtl()` for the expiry).
 */
/**
 * Redis expires a key by its own clock while the script judges the state at the app's `now`:
 * a command that runs a few ms after the app read its clock (a busy event loop, an app clock
 * behind Redis's) found a counter already forgotten and started it afresh. A state kept a
 * little longer changes no decision (step() ages it by `now`); one dropped early does.
 */
const EXPIRY_MARGIN_MS = 1000;

const STEP_FUNCTION = `
local function step(algo, a, b, c, now, w, limit, cost)
  local ok = 0
  local ttl
  if algo == 's' then
    -- a = last admission, b = count of the window before a's, c = count of a's window.
    -- A refused request changes nothing; the previous window weighs nothing once a whole
    -- window has passed since the last admission.
    if a == nil then a = now - 2 * w; b = 0; c = 0 end
    local t = now
    if a > t then t = a end
    local ws = a - (a % w)
    local cs = t - (t % w)
    local prev = 0
    local cur = 0
    if cs <= ws then prev = b; cur = c
    elseif cs == ws + w then
      if t < a + w then prev = c end
    end
    local used = prev * (w - (t - cs)) / w + cur
    -- A zero-cost step (a peek) admits nothing: the last admission stays where it was.
    if used + cost <= limit + 1e-6 then
      ok = 1
      if cost > 0 then a = t; b = prev; c = cur + cost end
    end
    ttl = a + w - now
  elseif algo == 'f' then
    local start = now - (now % w)
    if a == nil or start > a then a = start; b = 0; c = 0 end
    if c + cost <= limit + 1e-6 then c = c + cost; ok = 1 end
    ttl = a + w - now
  elseif algo == 't' then
    if a == nil then
      a = now; b = limit
    else
      local elapsed = 0
      if now > a then elapsed = now - a end
      b = b + elapsed * limit / w
      if b > limit then b = limit end
      if now > a then a = now end
    end
    if b + 1e-6 >= cost then b = math.max(0, b - cost); ok = 1 end
    ttl = (limit - b) * w / limit
  else
    local tat = a or now
    if tat < now then tat = now end
    local nxt = tat + (w / limit) * cost
    if nxt - now <= w + 1e-3 then a = nxt; ok = 1 else a = tat end
    ttl = a - now
  end
  return a, b, c, ok, ttl + ${EXPIRY_MARGIN_MS}
end
local function fmt(x) return string.format('%.17g', x) end
`;

/**
 * One script per decision (one round trip): advance the counter state to `now`, try to
 * take `cost` ({@link STEP_FUNCTION}), store the state with an expiry and return it.
 */
const CONSUME_SCRIPT = `${STEP_FUNCTION}
local key = KEYS[1]
local algo = ARGV[1]
local now = tonumber(ARGV[2])
local w = tonumber(ARGV[3])
local limit = tonumber(ARGV[4])
local cost = tonumber(ARGV[5])
local s = redis.call('HMGET', key, 'a', 'b', 'c')
local a0 = tonumber(s[1])
local a, b, c, ok, ttl = step(algo, a0, tonumber(s[2]) or 0, tonumber(s[3]) or 0, now, w, limit, cost)
if cost == 0 then
  -- A peek writes nothing: no key for a client never seen, no counter moved, no expiry refreshed.
  return {fmt(a), fmt(b), fmt(c), ok}
end
if algo == 's' then
  -- A refused request writes nothing.
  if ok == 1 then
    redis.call('HSET', key, 'a', fmt(a), 'b', fmt(b), 'c', fmt(c))
    redis.call('PEXPIRE', key, math.max(1, math.ceil(ttl)))
  end
elseif algo == 'f' then
  -- Window counters are integers: plain replies, and the expiry only moves with the window.
  if ok == 1 then redis.call('HINCRBY', key, 'c', cost) end
  if a ~= a0 then
    redis.call('HSET', key, 'a', fmt(a), 'b', fmt(b), 'c', fmt(c))
    redis.call('PEXPIRE', key, math.ceil(ttl))
  end
  return {a, b, c, ok}
else
  ttl = math.ceil(ttl)
  if ttl < 1 then ttl = 1 end
  redis.call('HSET', key, 'a', fmt(a), 'b', fmt(b), 'c', fmt(c))
  redis.call('PEXPIRE', key, math.ceil(ttl))
end
return {fmt(a), fmt(b), fmt(c), ok}
`;

/**
 * Several policies of one request in one script (one round trip), all or nothing: each
 * counter is advanced and tried in memory first ({@link STEP_FUNCTION} with cost 1); only
 * when every policy admits are the new states written. KEYS: the counters; ARGV: now, then
 * (algorithm, window, limit) per key. Returns {1, a1, b1, c1, …} (admitted, the new states)
 * or {0, a1, b1, c1, …} (refused, nothing written: the stored states, '' for a counter
 * never seen).
 */
const CONSUME_ALL_SCRIPT = `${STEP_FUNCTION}
local now = tonumber(ARGV[1])
local n = #KEYS
local raw = {}
local new = {}
local all = 1
for i = 1, n do
  local algo = ARGV[3 * i - 1]
  local w = tonumber(ARGV[3 * i])
  local limit = tonumber(ARGV[3 * i + 1])
  local s = redis.call('HMGET', KEYS[i], 'a', 'b', 'c')
  raw[i] = s
  local a, b, c, ok, ttl = step(algo, tonumber(s[1]), tonumber(s[2]) or 0, tonumber(s[3]) or 0, now, w, limit, 1)
  if ok == 0 then all = 0 end
  new[i] = {a, b, c, ttl}
end
local out = {all}
if all == 1 then
  for i = 1, n do
    local st = new[i]
    redis.call('HSET', KEYS[i], 'a', fmt(st[1]), 'b', fmt(st[2]), 'c', fmt(st[3]))
    redis.call('PEXPIRE', KEYS[i], math.max(1, math.ceil(st[4])))
    out[#out + 1] = fmt(st[1]); out[#out + 1] = fmt(st[2]); out[#out + 1] = fmt(st[3])
  end
else
  for i = 1, n do
    local s = raw[i]
    out[#out + 1] = s[1] or ''; out[#out + 1] = s[2] or ''; out[#out + 1] = s[3] or ''
  end
end
return out
`;

/** A client the store creates from `url` (ioredis `Redis`), with what closing it needs. */
interface OwnedRedis extends RedisLike {
  readonly status: string;
  quit(): Promise<unknown>;
  disconnect(): void;
}

const loadIoredis = lazyPeer(PEERS.redisStore, () => import('ioredis'));

/**
 * A Redis store (ioredis): one Lua script round trip per decision, atomic across every
 * process sharing the server. Keys carry a hash tag around the client key
 * (`rampart:rl:g:{1.2.3.4}`), so all of one client's counters live in one Redis Cluster slot.
 *
 * @example
 * const limiter = rateLimit({ maxRequests: 100, window: 60, store: redisStore({ url: 'redis://127.0.0.1:6379' }) });
 */
export function redisStore(options: RedisStoreOptions): RateLimitStore {
  checkKeys(optionsObject(options, 'redisStore'), ['client', 'url', 'prefix', 'timeout'], 'redisStore');
  if ((options.client === undefined) === (options.url === undefined)) {
    throw configError('redisStore needs exactly one of `client` (an ioredis client) or `url` (redis://host:port).');
  }
  if (options.url !== undefined && (typeof options.url !== 'string' || !/^rediss?:\/\//.test(options.url))) {
    throw configError('redisStore.url must be a redis:// or rediss:// URL.');
  }
  if (options.client !== undefined && (typeof options.client !== 'object' || typeof (options.client as { evalsha?: unknown }).evalsha !== 'function')) {
    throw configError('redisStore.client must be an ioredis Redis or Cluster client.');
  }
  const prefix = options.prefix ?? 'rampart:';
  if (typeof prefix !== 'string' || /[{}\s]/.test(prefix)) throw configError('redisStore.prefix must be a string without braces or spaces.');
  const timeoutMs = (options.timeout === undefined ? 0.5 : numberOption(options.timeout, 'redisStore.timeout', 0.001, 60, false)) * 1000;
  // ioredis is an optional peer: a store built from a URL checks for it now (no I/O) and
  // imports it with its first command.
  if (options.url !== undefined) checkPeer(PEERS.redisStore);
  const owned = options.client === undefined;
  let client: RedisLike | undefined = options.client;
  let ownedClient: OwnedRedis | undefined;
  let creating: Promise<RedisLike> | undefined;
  let closed = false;
  // The first commands wait for the initial connection; later outages fail fast (no offline queue).
  let firstConnect: Promise<void> | undefined;
  const blocksKey = `${prefix}blocks`;

  const create = async (): Promise<RedisLike> => {
    const { Redis } = await loadIoredis();
    if (closed) throw storeError(new Error('the store is closed'));
    const created = new Redis(options.url!, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: timeoutMs,
      connectTimeout: Math.max(1000, timeoutMs * 4),
      retryStrategy: (attempt) => Math.min(50 * attempt, 1000),
    });
    // Connection errors surface as rejected commands; the limiter logs them once.
    created.on('error', () => {});
    firstConnect = created.connect().then(
      () => undefined,
      () => undefined,
    );
    void firstConnect.then(() => (firstConnect = undefined));
    client = created;
    ownedClient = created;
    return created;
  };
  const ready = async (): Promise<RedisLike> => {
    let r = client;
    if (r === undefined) {
      if (creating === undefined) {
        // close() while a client is being created stops that one; a later command opens anew.
        closed = false;
        creating = create().finally(() => (creating = undefined));
      }
      r = await creating;
    }
    if (firstConnect !== undefined) await firstConnect;
    return r;
  };

  const counterKey = (policy: Policy, key: string): string => `${prefix}rl:${policy.id}:{${safeKey(key)}}`;

  const run = async (key: string, policy: Policy, now: number, cost: number): Promise<[CounterState, boolean]> => {
    const args = [ALGORITHM_CODES[policy.algorithm], String(now), String(policy.windowMs), String(policy.limit), String(cost)];
    const r = client !== undefined && firstConnect === undefined ? client : await ready();
    let out: unknown;
    try {
      out = await r.evalsha(scriptSha(CONSUME_SCRIPT), 1, counterKey(policy, key), ...args);
    } catch (error) {
      if (!String((error as Error).message).includes('NOSCRIPT')) throw storeError(error);
      try {
        out = await r.eval(CONSUME_SCRIPT, 1, counterKey(policy, key), ...args);
      } catch (second) {
        throw storeError(second);
      }
    }
    const [a, b, c, ok] = out as [string | number, string | number, string | number, number];
    return [{ a: Number(a), b: Number(b), c: Number(c) }, ok === 1];
  };

  /** EVALSHA, or EVAL after a Redis restart forgot the script. */
  const script = async (sha: string, source: string, keys: string[], args: string[]): Promise<unknown> => {
    const r = client !== undefined && firstConnect === undefined ? client : await ready();
    try {
      return await r.evalsha(sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!String((error as Error).message).includes('NOSCRIPT')) throw storeError(error);
      try {
        return await r.eval(source, keys.length, ...keys, ...args);
      } catch (second) {
        throw storeError(second);
      }
    }
  };

  return {
    kind: 'remote',
    async consume(key, policy, now, cost = 1): Promise<RateDecision> {
      const [state, allowed] = await run(key, policy, now, cost);
      return toRateDecision(policy, state, now, allowed);
    },
    async consumeAll(key, policies, now, out): Promise<number> {
      const keys: string[] = [];
      const args: string[] = [String(now)];
      for (const p of policies) {
        keys.push(counterKey(p, key));
        args.push(ALGORITHM_CODES[p.algorithm], String(p.windowMs), String(p.limit));
      }
      const reply = (await script(scriptSha(CONSUME_ALL_SCRIPT), CONSUME_ALL_SCRIPT, keys, args)) as Array<string | number>;
      const admitted = Number(reply[0]) === 1;
      let refused = -1;
      for (let i = 0; i < policies.length; i++) {
        const policy = policies[i]!;
        const a = reply[1 + 3 * i];
        if (a === '' || a === undefined) {
          out[i] = undefined;
          continue;
        }
        const state: CounterState = { a: Number(a), b: Number(reply[2 + 3 * i] || 0), c: Number(reply[3 + 3 * i] || 0) };
        if (admitted) {
          out[i] = toRateDecision(policy, state, now, true);
          continue;
        }
        // The stored state, read only (as get()): advance a copy to now without counting.
        step(policy, state, now, 0);
        const d = toRateDecision(policy, state, now, true);
        out[i] = d.remaining >= 1 ? d : toRateDecision(policy, state, now, false);
        if (refused === -1 && d.remaining < 1) refused = i;
      }
      // (Refused with every counter admitting can only be a rounding edge: name the first.)
      return admitted ? -1 : refused === -1 ? 0 : refused;
    },
    async get(key, policy, now) {
      let fields: Array<string | null>;
      try {
        fields = await (await ready()).hmget(counterKey(policy, key), 'a', 'b', 'c');
      } catch (error) {
        throw storeError(error);
      }
      if (fields[0] === null) return undefined;
      // Read-only view: advance a copy locally rather than writing.
      const state = { a: Number(fields[0]), b: Number(fields[1] ?? 0), c: Number(fields[2] ?? 0) };
      step(policy, state, now, 0);
      const d = toRateDecision(policy, state, now, true);
      return d.remaining >= 1 ? d : toRateDecision(policy, state, now, false);
    },
    async reset(key, policy) {
      if (policy === undefined) throw configError('redisStore.reset(key, policy) needs the policy whose counter to delete.');
      try {
        await (await ready()).del(counterKey(policy, key));
      } catch (error) {
        throw storeError(error);
      }
    },
    async block(target, until, reason) {
      try {
        await (await ready()).hset(blocksKey, target, `${until}|${reason}`);
      } catch (error) {
        throw storeError(error);
      }
    },
    async unblock(target) {
      try {
        await (await ready()).hdel(blocksKey, target);
      } catch (error) {
        throw storeError(error);
      }
    },
    async blocked(target, now) {
      let value: string | null;
      try {
        value = await (await ready()).hget(blocksKey, target);
      } catch (error) {
        throw storeError(error);
      }
      const entry = value === null ? undefined : parseBlock(target, value);
      return entry !== undefined && entry.until > now ? entry : undefined;
    },
    async blocks(now) {
      let all: Record<string, string>;
      try {
        all = await (await ready()).hgetall(blocksKey);
      } catch (error) {
        throw storeError(error);
      }
      const out: BlockEntry[] = [];
      const expired: string[] = [];
      for (const [target, value] of Object.entries(all)) {
        const entry = parseBlock(target, value);
        if (entry !== undefined && entry.until > now) out.push(entry);
        else expired.push(target);
      }
      if (expired.length > 0) await (await ready()).hdel(blocksKey, ...expired).catch(() => undefined);
      return out;
    },
    async close() {
      closed = true;
      if (owned && ownedClient !== undefined) {
        const c = ownedClient;
        client = undefined;
        ownedClient = undefined;
        if (c.status !== 'ready') c.disconnect();
        else await Promise.race([c.quit().catch(() => undefined), new Promise((r) => setTimeout(r, 1000).unref())]).finally(() => c.disconnect());
      }
    },
  };
}

/** SHA-1 of each Lua script (EVALSHA's name for it), computed on first use rather than at import. */
const SCRIPT_SHAS = new Map<string, string>();
function scriptSha(script: string): string {
  let sha = SCRIPT_SHAS.get(script);
  if (sha === undefined) {
    sha = nodeCrypto().createHash('sha1').update(script).digest('hex');
    SCRIPT_SHAS.set(script, sha);
  }
  return sha;
}

/** Keys longer than 200 characters (custom key functions) are hashed to bound Redis memory. */
function safeKey(key: string): string {
  return key.length <= 200 ? key : `h:${nodeCrypto().createHash('sha256').update(key).digest('base64url')}`;
}

function parseBlock(target: string, value: string): BlockEntry | undefined {
  const bar = value.indexOf('|');
  const until = Number(bar === -1 ? value : value.slice(0, bar));
  if (!Number.isFinite(until)) return undefined;
  return { target, until, reason: bar === -1 ? '' : value.slice(bar + 1) };
}

function storeError(error: unknown): RampartError {
  return new RampartError('ERR_RAMPART_RATE_LIMIT_STORE', `rate-limit store (Redis) failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
}
