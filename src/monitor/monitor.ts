import { nodeCrypto } from '../core/builtin.ts';
import { ipKey } from '../client-ip/index.ts';
import { globalEventSink, safeEmit } from '../core/events.ts';
import { configError } from '../core/options.ts';
import { maskPathSecrets } from '../core/secret-path.ts';
import type { EventSink, Middleware, RequestView, ResponseControl, SecurityEventRecord } from '../core/types.ts';
import type { Alert, AlertRuleName } from './alert.ts';
import { ResponseCounters, type WindowSnapshot } from './counters.ts';
import { compileMonitorOptions, type CompiledRule, type MonitorOptions } from './options.ts';
import { RuleCounter, type Hit } from './rules.ts';
import { detached } from './retained.ts';
import { isSensitiveRequest } from './sensitive.ts';

/** What {@link Monitor.stats} returns. */
export interface MonitorStats {
  /** Alerts that went out to the sinks and the ALERT event. */
  readonly raised: number;
  /** Alerts held back by `alertLimit` (each rule's budget, `criticalMax` for critical rules), coalesced ones included. */
  readonly rateLimited: number;
  /** Of those, alerts held back because the rule already alerted for the same client in the window (one IP, many accounts). */
  readonly coalesced: number;
  /** Summary alerts sent for held-back alerts. */
  readonly summaries: number;
  /** Alerts raised so far, per rule. */
  readonly byRule: Readonly<Partial<Record<AlertRuleName, number>>>;
  /** Keys each rule forgot to stay within `maxClients` or its share of `maxStateBytes` (a flood of clients). */
  readonly evicted: Readonly<Partial<Record<AlertRuleName, number>>>;
  /** Estimated bytes the rules keep now, and the budget `maxStateBytes` they stay within. */
  readonly memory: { readonly ruleBytes: number; readonly maxStateBytes: number };
}

/** Something the monitor can connect to: an event sink, observed when it offers `observe` (a SecurityLog). */
export interface MonitorSource extends EventSink {
  observe?(sink: EventSink): () => void;
}

/** The {@link monitor} middleware: counts responses, raises alerts, and observes security events. */
export interface Monitor extends Middleware, EventSink {
  readonly name: 'monitor';
  /** Response counts of the current window and the previous one. */
  snapshot(): { current: WindowSnapshot; previous: WindowSnapshot | undefined };
  stats(): MonitorStats;
  /**
   * Feed the monitor from `log` (its LOGIN_FAILED events, middleware's and the app's alike,
   * through `log.observe`) and send ALERT events to it unless `events` was given. The
   * `rampart()` preset connects its own log. Returns a function that disconnects.
   */
  connect(log: MonitorSource): () => void;
  /** Wait until the sinks delivered (or gave up on) every alert raised so far. */
  flush(): Promise<void>;
  /** Disconnect, deliver what the sinks hold (bounded) and close them. */
  close(): Promise<void>;
}

/** One rule's `alertLimit` window: alerts sent, and those held back for the summary. */
interface RuleLimit {
  start: number;
  count: number;
  held: number;
  /** The first keys held back by the budget (at most SUMMARY_KEYS; the summary counts the rest). */
  keys: string[];
  /** The first keys coalesced into a client's alert, named after `keys` (at most SUMMARY_KEYS). */
  coalescedKeys: string[];
  /**
   * Clients (ipKey) this rule alerted for in the window, with the alerts coalesced into that
   * one since. At most one entry per alert sent, so bounded by the rule's budget.
   */
  sources: Map<string, number>;
  /** Sends the summary when the window ends even if no later alert comes. */
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** Keys and sources a summary names; beyond them it gives an exact count, never a silent cut. */
const SUMMARY_KEYS = 100;

const SUBJECTS: Readonly<Record<AlertRuleName, 'ip' | 'account'>> = {
  forbidden: 'ip',
  notFound: 'ip',
  serverErrors: 'ip',
  scanning: 'ip',
  sensitivePath: 'ip',
  loginFailedIp: 'ip',
  loginFailedAccount: 'account',
};

const alertId = (): string => `alert_${nodeCrypto().randomBytes(16).toString('base64url')}`;

const MESSAGES: Readonly<Record<AlertRuleName, (n: number, key: string, s: number) => string>> = {
  forbidden: (n, key, s) => `${n} responses 403 to ${key} within ${s} s`,
  notFound: (n, key, s) => `${n} responses 404 to ${key} within ${s} s`,
  serverErrors: (n, key, s) => `${n} responses 5xx to ${key} within ${s} s`,
  scanning: (n, key, s) => `${n} different paths answered 404 to ${key} within ${s} s (scanning)`,
  sensitivePath: (_n, key) => `${key} requested a path scanners probe (secrets, admin panels, server internals)`,
  loginFailedIp: (n, key, s) => `${n} failed logins from ${key} within ${s} s`,
  loginFailedAccount: (n, key, s) => `${n} failed logins for account ${key} within ${s} s`,
};

/**
 * Monitoring and alerts. As middleware it counts every response by status, canonical path and
 * client in bounded memory ({@link Monitor.snapshot}); as an event sink it counts
 * LOGIN_FAILED. Rules raise alerts on spikes of 403, 404 and 5xx from one client, scanning
 * (many different 404 paths), sensitive paths (`/.env`, `/.git/`, `/wp-admin` …) and bursts
 * of failed logins per client and per account, each at most once per key per window, with a
 * rate limit on alerts themselves. Each alert becomes an ALERT event in the SecurityLog and is
 * handed to the sinks ({@link alertLines}, {@link alertWebhook}). Put it first in a stack so
 * it sees every answer, rampart's own rejections included.
 *
 * @example
 * const shield = rampart({ log: { database: './data/security' }, monitor: { sinks: [alertWebhook({ url, secret })] } });
 * // or: const m = monitor({ sinks: [alertLines()] }); m.connect(log); stack([m, securityHeaders(), rateLimit()], { events: log });
 */
export function monitor(options: MonitorOptions = {}): Monitor {
  const o = compileMonitorOptions(options);
  const now = o.now;
  const counters = new ResponseCounters(o.windowMs, o.maxPaths, o.maxClients, now());
  const rules = new Map<AlertRuleName, RuleCounter>();
  const share = Math.floor(o.maxStateBytes / Math.max(1, o.rules.size));
  for (const [name, rule] of o.rules) rules.set(name, new RuleCounter(rule, o.maxClients, share));
  const forbidden = rules.get('forbidden');
  const notFound = rules.get('notFound');
  const serverErrors = rules.get('serverErrors');
  const scanning = rules.get('scanning');
  const sensitive = rules.get('sensitivePath');
  const loginIp = rules.get('loginFailedIp');
  const loginAccount = rules.get('loginFailedAccount');

  let alertSink: EventSink | undefined = o.events === false ? undefined : o.events;
  const disconnects = new Set<() => void>();
  let raised = 0;
  let rateLimited = 0;
  let summaries = 0;
  let coalesced = 0;
  const byRule: Partial<Record<AlertRuleName, number>> = {};
  // alertLimit is per rule, so cheap alerts of one rule never use up another rule's budget.
  const limits = new Map<AlertRuleName, RuleLimit>();

  const deliver = (alert: Alert, ip: string | undefined, path: string | undefined): void => {
    const events = o.events === false ? undefined : (alertSink ?? globalEventSink);
    if (events !== undefined) {
      safeEmit(events, {
        event: 'ALERT',
        ...(ip !== undefined && ip !== '' ? { ip } : {}),
        ...(alert.subject === 'account' && alert.summary !== true ? { userId: alert.key } : {}),
        ...(path !== undefined ? { path } : {}),
        detail: `${alert.severity} ${alert.rule}: ${alert.message} [${alert.id}]`,
      });
    }
    for (const sink of o.sinks) {
      try {
        sink.send(alert);
      } catch {
        // a sink never breaks the request path
      }
    }
  };

  /** One alert for the alerts `limit` held back for `rule`, then an empty tally. */
  const summarise = (rule: CompiledRule, limit: RuleLimit): void => {
    if (limit.timer !== undefined) clearTimeout(limit.timer);
    limit.timer = undefined;
    const sources: Array<{ ip: string; count: number }> = [];
    let moreSources = 0;
    for (const [ip, n] of limit.sources) {
      if (n === 0) continue;
      if (sources.length < SUMMARY_KEYS) sources.push(Object.freeze({ ip, count: n }));
      else moreSources++;
    }
    limit.sources.clear();
    if (limit.held === 0) return;
    const held = limit.held;
    // Alerts held by the budget first: a spray from one client cannot push them out of the list.
    const keys = Object.freeze([...limit.keys, ...limit.coalescedKeys].slice(0, SUMMARY_KEYS));
    limit.held = 0;
    limit.keys = [];
    limit.coalescedKeys = [];
    const more = (n: number, what: string) => (n > 0 ? `, and ${n} more${what}` : '');
    const from =
      sources.length === 0
        ? ''
        : `; ${sources.map((x) => `${x.count} from ${x.ip}`).join(', ')}${more(moreSources, ' clients')} (one alert per client per window)`;
    summaries++;
    const at = now();
    const alert: Alert = Object.freeze({
      id: alertId(),
      rule: rule.name,
      severity: rule.severity,
      subject: SUBJECTS[rule.name],
      key: '*',
      count: held,
      threshold: rule.threshold,
      window: rule.windowMs / 1000,
      time: new Date(at).toISOString(),
      message: `${held} more ${rule.name} alerts held back by alertLimit within ${o.alertLimit.windowMs / 1000} s (${keys.join(', ')}${more(held - keys.length, '')})${from}`,
      suppressed: held,
      summary: true,
      keys,
      ...(sources.length > 0 ? { sources: Object.freeze(sources) } : {}),
    });
    deliver(alert, undefined, undefined);
  };

  /**
   * False when the alert is held back for the summary: the rule's budget of this window is
   * spent (`max`, or `criticalMax` for a critical rule), or the rule already alerted for
   * `source` (the client) in this window under another key — one IP spraying many accounts
   * is one alert and a count, so it cannot crowd out alerts about other clients or rules.
   * `source` is given only when every event counted toward this alert came from that client,
   * so an alert other clients contributed to is never folded into one client's count.
   */
  const withinLimit = (rule: CompiledRule, key: string, source: string | undefined, at: number): boolean => {
    let limit = limits.get(rule.name);
    if (limit === undefined) {
      limit = { start: at, count: 0, held: 0, keys: [], coalescedKeys: [], sources: new Map(), timer: undefined };
      limits.set(rule.name, limit);
    }
    if (at - limit.start >= o.alertLimit.windowMs || at < limit.start) {
      summarise(rule, limit);
      limit.start = at;
      limit.count = 0;
    }
    const coalescedBefore = source === undefined ? undefined : limit.sources.get(source);
    let names = limit.keys;
    if (source !== undefined && coalescedBefore !== undefined) {
      limit.sources.set(source, coalescedBefore + 1);
      coalesced++;
      names = limit.coalescedKeys;
    } else if (limit.count < (rule.severity === 'critical' ? o.alertLimit.criticalMax : o.alertLimit.max)) {
      limit.count++;
      if (source !== undefined) limit.sources.set(detached(source, 200), 0);
      return true;
    }
    rateLimited++;
    limit.held++;
    if (names.length < SUMMARY_KEYS) names.push(detached(key, 200));
    if (limit.timer === undefined) {
      const l = limit;
      l.timer = setTimeout(() => summarise(rule, l), Math.max(0, l.start + o.alertLimit.windowMs - at));
      (l.timer as { unref?: () => void }).unref?.();
    }
    return false;
  };

  const raise = (rule: CompiledRule, subject: 'ip' | 'account', key: string, ip: string | undefined, hit: Hit, at: number): void => {
    // Rules keyed by client are already once per client per window; an account rule coalesces
    // by client only an alert that client alone caused.
    const source = subject === 'account' ? hit.soleSource : undefined;
    if (!withinLimit(rule, key, source, at)) return;
    raised++;
    byRule[rule.name] = (byRule[rule.name] ?? 0) + 1;
    const seconds = rule.windowMs / 1000;
    // Alert sinks (webhooks, lines) are log sinks too: a token in a path never leaves in an alert.
    const paths = hit.paths.map((p) => maskPathSecrets(p, '***'));
    const alert: Alert = Object.freeze({
      id: alertId(),
      rule: rule.name,
      severity: rule.severity,
      subject,
      key,
      ...(ip !== undefined && ip !== '' ? { ip } : {}),
      count: hit.count,
      threshold: rule.threshold,
      window: seconds,
      time: new Date(at).toISOString(),
      message: MESSAGES[rule.name](hit.count, key, seconds),
      ...(paths.length > 0 ? { paths: Object.freeze(paths) } : {}),
    });
    deliver(alert, ip, paths[0]);
  };

  const count = (
    counter: RuleCounter | undefined,
    subject: 'ip' | 'account',
    key: string,
    ip: string | undefined,
    path: string | undefined,
    at: number,
    distinct?: string,
    source?: string,
  ): void => {
    if (counter === undefined) return;
    const hit = counter.hit(key, at, path, distinct, source);
    if (hit.fired) raise(counter.rule, subject, key, ip, hit, at);
  };

  const onResponse = (status: number, path: string, ip: string): void => {
    const at = now();
    const client = ip === '' ? 'unknown' : ipKey(ip);
    counters.record(status, path === '' ? '(invalid)' : path, client, at);
    if (ip === '') return;
    if (status === 403) count(forbidden, 'ip', client, ip, path, at);
    else if (status === 404) {
      count(notFound, 'ip', client, ip, path, at);
      count(scanning, 'ip', client, ip, path, at, path);
    } else if (status >= 500) count(serverErrors, 'ip', client, ip, path, at);
  };

  const observe = (record: SecurityEventRecord): void => {
    // Only LOGIN_FAILED counts; ALERT events (our own, echoed by an observed log) never do.
    if (record.event !== 'LOGIN_FAILED') return;
    try {
      const at = now();
      const ip = typeof record.ip === 'string' && record.ip !== '' ? record.ip : undefined;
      const client = ip === undefined ? undefined : ipKey(ip);
      if (client !== undefined) count(loginIp, 'ip', client, ip, record.path, at);
      if (record.userId !== undefined && record.userId !== null && record.userId !== '')
        count(loginAccount, 'account', String(record.userId).slice(0, 200), ip, record.path, at, undefined, client);
    } catch {
      // an event sink never throws
    }
  };

  const flush = async (): Promise<void> => {
    await Promise.all(o.sinks.map((s) => s.flush?.()));
  };

  const self: Monitor = Object.freeze<Monitor>({
    name: 'monitor',
    handle(req: RequestView, res: ResponseControl) {
      const path = req.canonicalPath;
      const ip = req.ip;
      if (sensitive !== undefined && ip !== '' && isSensitiveRequest(req, o.sensitivePaths))
        count(sensitive, 'ip', ipKey(ip), ip, path === '' ? req.path : path, now());
      res.onHead((head) => {
        onResponse(head.status, path, ip);
        return undefined;
      });
      return undefined;
    },
    emit: observe,
    snapshot: () => counters.snapshot(now()),
    stats() {
      const evicted: Partial<Record<AlertRuleName, number>> = {};
      for (const [name, counter] of rules) if (counter.evicted > 0) evicted[name] = counter.evicted;
      let ruleBytes = 0;
      for (const counter of rules.values()) ruleBytes += counter.bytes;
      return Object.freeze({
        raised,
        rateLimited,
        coalesced,
        summaries,
        byRule: { ...byRule },
        evicted,
        memory: { ruleBytes, maxStateBytes: o.maxStateBytes },
      });
    },
    connect(log: MonitorSource) {
      if (log === null || typeof log !== 'object' || typeof log.emit !== 'function')
        throw configError('monitor.connect needs a SecurityLog or an event sink (an object with emit(record)).');
      if (alertSink === undefined && o.events !== false) alertSink = log;
      const stop = typeof log.observe === 'function' ? log.observe(self) : () => undefined;
      const disconnect = () => {
        stop();
        disconnects.delete(disconnect);
        if (alertSink === log && o.events === undefined) alertSink = undefined;
      };
      disconnects.add(disconnect);
      return disconnect;
    },
    flush,
    async close() {
      for (const [name, limit] of limits) summarise(o.rules.get(name)!, limit);
      for (const disconnect of [...disconnects]) disconnect();
      await Promise.all(o.sinks.map((s) => s.close?.()));
    },
  });
  return self;
}
