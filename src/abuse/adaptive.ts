import { checkKeys, configError, numberOption, optionsObject } from '../core/options.ts';
import type { EventSink, SecurityEventRecord } from '../core/types.ts';
import { memoryStore } from '../stores/memory.ts';
import type { Policy, RateDecision, RateLimitStore } from '../stores/types.ts';
import type { Blocklist } from './blocklist.ts';
import { clientBlockKey } from './blocklist.ts';
import { accountKey } from './targets.ts';

/** One fail2ban-style rule. */
export interface AdaptiveRule {
  /** Event name to count, e.g. 'LOGIN_FAILED'. */
  event: string;
  /** Block when this many events arrive … */
  threshold: number;
  /** … within this many seconds. */
  withinSeconds: number;
  /** For this long. */
  blockSeconds: number;
  /** Count per client IP (default; IPv6 per /64) or per account (`userId` of the event). */
  by?: 'ip' | 'account';
}

/** Options of {@link adaptiveBlocking}. */
export interface AdaptiveBlockingOptions {
  /** The blocklist that receives the blocks. */
  blocklist: Blocklist;
  rules: readonly AdaptiveRule[];
  /** Where events are counted (default: in memory; a shared store counts across servers). */
  store?: RateLimitStore;
  /** Clock in epoch milliseconds (tests). */
  now?: () => number;
}

/** An event sink that counts matching events and blocks offenders; chain it with the SecurityLog. */
export interface AdaptiveBlocking extends EventSink {
  /** Count one event (same as emit; never throws, never waits). */
  observe(record: SecurityEventRecord): void;
  /** Wait until every count in flight has been applied (tests, shutdown). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Fail2ban-style blocking fed by security events: e.g. 10 LOGIN_FAILED from one IP within
 * an hour blocks that IP (IPv6: its /64) for 15 minutes.
 *
 * @example
 * const blocked = blocklist();
 * const adaptive = adaptiveBlocking({ blocklist: blocked, rules: [{ event: 'LOGIN_FAILED', threshold: 10, withinSeconds: 3600, blockSeconds: 900 }] });
 * const shield = stack([blocked, rateLimit()], { events: { emit: (r) => { log.emit(r); adaptive.observe(r); } } });
 */
export function adaptiveBlocking(options: AdaptiveBlockingOptions): AdaptiveBlocking {
  const o = optionsObject(options, 'adaptiveBlocking') as unknown as AdaptiveBlockingOptions;
  checkKeys(o, ['blocklist', 'rules', 'store', 'now'], 'adaptiveBlocking');
  if (o.blocklist === undefined || typeof o.blocklist.block !== 'function') throw configError('adaptiveBlocking.blocklist must be a blocklist() instance.');
  if (!Array.isArray(o.rules) || o.rules.length === 0)
    throw configError('adaptiveBlocking.rules must be a non-empty list of { event, threshold, withinSeconds, blockSeconds }.');
  const compiled = o.rules.map((raw, i) => {
    const where = `adaptiveBlocking.rules[${i}]`;
    const r = optionsObject(raw, where) as unknown as AdaptiveRule;
    checkKeys(r, ['event', 'threshold', 'withinSeconds', 'blockSeconds', 'by'], where);
    if (typeof r.event !== 'string' || !/^[A-Z][A-Z0-9_]{0,63}$/.test(r.event))
      throw configError(`${where}.event must be an event name such as 'LOGIN_FAILED'.`);
    if (r.by !== undefined && r.by !== 'ip' && r.by !== 'account') throw configError(`${where}.by must be 'ip' or 'account'.`);
    const threshold = numberOption(r.threshold, `${where}.threshold`, 1, 1_000_000);
    const policy: Policy = Object.freeze({
      id: `ab:${i}`,
      algorithm: 'sliding-window',
      limit: threshold,
      windowMs: numberOption(r.withinSeconds, `${where}.withinSeconds`, 1, 31_536_000, false) * 1000,
    });
    return {
      event: r.event,
      by: r.by ?? 'ip',
      policy,
      blockSeconds: numberOption(r.blockSeconds, `${where}.blockSeconds`, 1, 31_536_000, false),
      threshold,
      within: policy.windowMs / 1000,
    };
  });
  const store = o.store ?? memoryStore();
  const clock = o.now ?? Date.now;
  const pending = new Set<Promise<void>>();

  const apply = async (rule: (typeof compiled)[number], subject: string, target: string, decision: RateDecision | Promise<RateDecision>): Promise<void> => {
    const d = await decision;
    // The threshold-th event uses the last slot (remaining 0) or finds none left.
    if (d.allowed && d.remaining > 0) return;
    const reason = `${rule.event} x${rule.threshold} within ${rule.within}s`;
    if (rule.by === 'ip') await o.blocklist.block(target, { seconds: rule.blockSeconds, reason });
    else await o.blocklist.blockAccount(subject, { seconds: rule.blockSeconds, reason });
    await store.reset(rule.by === 'ip' ? target : `a:${accountKey(subject)}`, rule.policy);
  };

  const observe = (record: SecurityEventRecord): void => {
    for (const rule of compiled) {
      if (record.event !== rule.event) continue;
      let subject: string | undefined;
      let key: string;
      if (rule.by === 'ip') {
        if (record.ip === undefined || record.ip === '') continue;
        subject = record.ip;
        key = clientBlockKey(record.ip);
      } else {
        if (record.userId === undefined || record.userId === '') continue;
        subject = String(record.userId);
        key = `a:${accountKey(subject)}`;
      }
      const now = clock();
      try {
        const p = apply(rule, subject, key, store.consume(key, rule.policy, now)).catch(() => undefined);
        pending.add(p);
        void p.finally(() => pending.delete(p));
      } catch {
        // A sink never throws: a failing store only means this event is not counted.
      }
    }
  };

  return Object.freeze<AdaptiveBlocking>({
    emit: observe,
    observe,
    async settle() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    async close() {
      await this.settle();
      if (o.store === undefined) await store.close();
    },
  });
}
