import { nodeCrypto } from '../core/builtin.ts';
import { ipKey } from '../client-ip/index.ts';
import { globalEventSink, safeEmit } from '../core/events.ts';
import { configError } from '../core/options.ts';
import type { EventSink, Middleware, RequestView, ResponseControl, SecurityEventRecord } from '../core/types.ts';
import type { Alert, AlertRuleName } from './alert.ts';
import { ResponseCounters, type WindowSnapshot } from './counters.ts';
import { compileMonitorOptions, type CompiledRule, type MonitorOptions } from './options.ts';
import { isSensitivePath, RuleCounter, type Hit } from './rules.ts';

/** What {@link Monitor.stats} returns. */
export interface MonitorStats {
  /** Alerts that went out to the sinks and the ALERT event. */
  readonly raised: number;
  /** Alerts held back by `alertLimit`. */
  readonly rateLimited: number;
  /** Alerts raised so far, per rule. */
  readonly byRule: Readonly<Partial<Record<AlertRuleName, number>>>;
  /** Keys each rule forgot to stay within `maxClients` (a flood of clients). */
  readonly evicted: Readonly<Partial<Record<AlertRuleName, number>>>;
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
  for (const [name, rule] of o.rules) rules.set(name, new RuleCounter(rule, o.maxClients));
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
  let held = 0;
  const byRule: Partial<Record<AlertRuleName, number>> = {};
  let limitStart = -Infinity;
  let limitCount = 0;

  const raise = (rule: CompiledRule, subject: 'ip' | 'account', key: string, ip: string | undefined, hit: Hit, at: number): void => {
    if (at - limitStart >= o.alertLimit.windowMs || at < limitStart) {
      limitStart = at;
      limitCount = 0;
    }
    if (limitCount >= o.alertLimit.max) {
      rateLimited++;
      held++;
      return;
    }
    limitCount++;
    raised++;
    byRule[rule.name] = (byRule[rule.name] ?? 0) + 1;
    const seconds = rule.windowMs / 1000;
    const alert: Alert = Object.freeze({
      id: `alert_${nodeCrypto().randomBytes(16).toString('base64url')}`,
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
      ...(hit.paths.length > 0 ? { paths: Object.freeze([...hit.paths]) } : {}),
      ...(held > 0 ? { suppressed: held } : {}),
    });
    held = 0;
    const events = o.events === false ? undefined : (alertSink ?? globalEventSink);
    if (events !== undefined) {
      safeEmit(events, {
        event: 'ALERT',
        ...(ip !== undefined && ip !== '' ? { ip } : {}),
        ...(subject === 'account' ? { userId: key } : {}),
        ...(hit.paths[0] !== undefined ? { path: hit.paths[0] } : {}),
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

  const count = (
    counter: RuleCounter | undefined,
    subject: 'ip' | 'account',
    key: string,
    ip: string | undefined,
    path: string | undefined,
    at: number,
    distinct?: string,
  ): void => {
    if (counter === undefined) return;
    const hit = counter.hit(key, at, path, distinct);
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
      if (ip !== undefined) count(loginIp, 'ip', ipKey(ip), ip, record.path, at);
      if (record.userId !== undefined && record.userId !== null && record.userId !== '')
        count(loginAccount, 'account', String(record.userId).slice(0, 200), ip, record.path, at);
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
      if (sensitive !== undefined && ip !== '' && isSensitivePath(path, o.sensitivePaths)) count(sensitive, 'ip', ipKey(ip), ip, path, now());
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
      return Object.freeze({ raised, rateLimited, byRule: { ...byRule }, evicted });
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
      for (const disconnect of [...disconnects]) disconnect();
      await Promise.all(o.sinks.map((s) => s.close?.()));
    },
  });
  return self;
}
