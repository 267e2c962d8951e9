import { checkKeys, configError, describeValue, numberOption, optionsObject } from '../core/options.ts';
import { trimTrailingSlashes } from '../core/text-scan.ts';
import type { EventSink } from '../core/types.ts';
import { SEVERITIES, type AlertRuleName, type AlertSeverity, type AlertSink } from './alert.ts';

/** Threshold, window and severity of one alert rule; every field optional (the rule's default). */
export interface AlertRuleOptions {
  /** Alert when this many events are counted for one key … */
  threshold?: number;
  /** … within this many seconds (the window starts at the key's first event). */
  window?: number;
  severity?: AlertSeverity;
}

/** Options of {@link monitor}. */
export interface MonitorOptions {
  /** Length in seconds of the counting window of {@link Monitor.snapshot}. Default 60. */
  window?: number;
  /** Distinct canonical paths counted per window; later paths count in the `other` bucket. Default 200. */
  maxPaths?: number;
  /** Clients (or accounts) tracked per window and per rule; the oldest is evicted beyond it. Default 10,000. */
  maxClients?: number;
  /**
   * Estimated bytes the rules may keep for their keys (fingerprints, samples, windows), split
   * evenly between the enabled rules; beyond its share a rule forgets its oldest keys
   * (counted in `stats().evicted`). Default 16 MiB.
   */
  maxStateBytes?: number;
  /** Rule settings by name, or `false` to turn a rule off. Defaults in the README table. */
  rules?: Partial<Record<AlertRuleName, AlertRuleOptions | false>>;
  /** Path prefixes that scanners probe (canonical, lower-case, starting with `/`). Replaces the default list. */
  sensitivePaths?: readonly string[];
  /** Where alerts go besides the ALERT event: {@link alertLines}, {@link alertWebhook}. Default none. */
  sinks?: readonly AlertSink[];
  /**
   * Where ALERT events go. Default: the log the monitor is connected to (the preset connects
   * its own), else the global SecurityLog (`setSecurityLog`). `false`: no ALERT events.
   */
  events?: EventSink | false;
  /**
   * At most `max` alerts per `window` seconds for each rule (`criticalMax` for a rule whose
   * severity is critical); beyond it, and for a second alert of a rule from the same client
   * (an account rule alerting for many accounts from one IP), alerts are counted and
   * summarised in one alert per rule when the window ends. Default 30 (critical: 100) per 60 s.
   */
  alertLimit?: { max?: number; window?: number; criticalMax?: number };
  /** Clock in epoch milliseconds (tests). */
  now?: () => number;
}

/** A rule after validation, times in milliseconds. */
export interface CompiledRule {
  readonly name: AlertRuleName;
  readonly threshold: number;
  readonly windowMs: number;
  readonly severity: AlertSeverity;
}

/** Default rules: a client is one IP (IPv6 /64), an account the `userId` of LOGIN_FAILED events. */
export const DEFAULT_RULES: Readonly<Record<AlertRuleName, Required<AlertRuleOptions>>> = Object.freeze({
  forbidden: { threshold: 20, window: 60, severity: 'medium' },
  notFound: { threshold: 30, window: 60, severity: 'low' },
  serverErrors: { threshold: 10, window: 60, severity: 'high' },
  scanning: { threshold: 20, window: 300, severity: 'high' },
  sensitivePath: { threshold: 1, window: 600, severity: 'high' },
  loginFailedIp: { threshold: 10, window: 300, severity: 'high' },
  loginFailedAccount: { threshold: 5, window: 300, severity: 'high' },
});

/** Paths scanners probe for leaked secrets, admin panels and server internals. */
export const DEFAULT_SENSITIVE_PATHS: readonly string[] = Object.freeze([
  '/.env',
  '/.git',
  '/.svn',
  '/.hg',
  '/.aws',
  '/.ssh',
  '/.htpasswd',
  '/.htaccess',
  '/.ds_store',
  '/wp-admin',
  '/wp-login.php',
  '/xmlrpc.php',
  '/phpmyadmin',
  '/pma',
  '/server-status',
  '/server-info',
  '/actuator',
]);

const KEYS = ['window', 'maxPaths', 'maxClients', 'maxStateBytes', 'rules', 'sensitivePaths', 'sinks', 'events', 'alertLimit', 'now'];
const RULE_NAMES = Object.keys(DEFAULT_RULES) as AlertRuleName[];

/** The validated options of one monitor. */
export interface CompiledMonitorOptions {
  readonly windowMs: number;
  readonly maxPaths: number;
  readonly maxClients: number;
  readonly maxStateBytes: number;
  readonly rules: ReadonlyMap<AlertRuleName, CompiledRule>;
  readonly sensitivePaths: readonly string[];
  readonly sinks: readonly AlertSink[];
  readonly events: EventSink | false | undefined;
  readonly alertLimit: { readonly max: number; readonly windowMs: number; readonly criticalMax: number };
  readonly now: () => number;
}

/** Validate {@link MonitorOptions}; throws RampartError (ERR_RAMPART_CONFIG / _UNKNOWN_OPTION) naming the fix. */
export function compileMonitorOptions(options: MonitorOptions | undefined): CompiledMonitorOptions {
  const o = optionsObject(options, 'monitor') as MonitorOptions;
  checkKeys(o, KEYS, 'monitor');
  const rulesIn = optionsObject(o.rules, 'monitor.rules');
  checkKeys(rulesIn, RULE_NAMES, 'monitor.rules');
  const rules = new Map<AlertRuleName, CompiledRule>();
  for (const name of RULE_NAMES) {
    const given = rulesIn[name];
    if (given === false) continue;
    const where = `monitor.rules.${name}`;
    const r = optionsObject(given === true ? undefined : given, where) as AlertRuleOptions;
    checkKeys(r, ['threshold', 'window', 'severity'], where);
    const d = DEFAULT_RULES[name];
    const severity = r.severity ?? d.severity;
    if (!SEVERITIES.includes(severity)) throw configError(`${where}.severity must be one of ${SEVERITIES.join(', ')} (got ${describeValue(severity)}).`);
    rules.set(
      name,
      Object.freeze({
        name,
        threshold: numberOption(r.threshold ?? d.threshold, `${where}.threshold`, 1, 1_000_000),
        windowMs: numberOption(r.window ?? d.window, `${where}.window`, 1, 86_400, false) * 1000,
        severity,
      }),
    );
  }
  let sensitivePaths = DEFAULT_SENSITIVE_PATHS;
  if (o.sensitivePaths !== undefined) {
    if (!Array.isArray(o.sensitivePaths))
      throw configError(`monitor.sensitivePaths must be a list of paths such as '/.env' (got ${describeValue(o.sensitivePaths)}).`);
    sensitivePaths = Object.freeze(
      o.sensitivePaths.map((p: unknown, i) => {
        if (typeof p !== 'string' || !/^\/[^\s?#]{1,199}$/.test(p))
          throw configError(`monitor.sensitivePaths[${i}] must be a path starting with '/' without spaces, '?' or '#' (got ${describeValue(p)}).`);
        return trimTrailingSlashes(p.toLowerCase()) || '/';
      }),
    );
  }
  const sinks = o.sinks ?? [];
  if (!Array.isArray(sinks)) throw configError('monitor.sinks must be a list of alert sinks, e.g. [alertLines(), alertWebhook({ url, secret })].');
  sinks.forEach((s: unknown, i) => {
    if (s === null || typeof s !== 'object' || typeof (s as AlertSink).send !== 'function')
      throw configError(`monitor.sinks[${i}] is not an alert sink (an object with send(alert)); use alertLines() or alertWebhook({ url, secret }).`);
  });
  const events = o.events;
  if (events !== undefined && events !== false && (events === null || typeof events !== 'object' || typeof events.emit !== 'function'))
    throw configError('monitor.events must be an event sink such as a SecurityLog, or false.');
  const limit = optionsObject(o.alertLimit, 'monitor.alertLimit') as { max?: number; window?: number; criticalMax?: number };
  checkKeys(limit, ['max', 'window', 'criticalMax'], 'monitor.alertLimit');
  if (o.now !== undefined && typeof o.now !== 'function') throw configError('monitor.now must be a function returning epoch milliseconds.');
  return Object.freeze({
    windowMs: numberOption(o.window ?? 60, 'monitor.window', 1, 86_400, false) * 1000,
    maxPaths: numberOption(o.maxPaths ?? 200, 'monitor.maxPaths', 1, 100_000),
    maxClients: numberOption(o.maxClients ?? 10_000, 'monitor.maxClients', 1, 10_000_000),
    maxStateBytes: numberOption(o.maxStateBytes ?? 16 * 1024 * 1024, 'monitor.maxStateBytes', 65_536, 2 ** 40),
    rules,
    sensitivePaths,
    sinks: Object.freeze([...sinks]),
    events,
    alertLimit: Object.freeze({
      max: numberOption(limit.max ?? 30, 'monitor.alertLimit.max', 1, 1_000_000),
      windowMs: numberOption(limit.window ?? 60, 'monitor.alertLimit.window', 1, 86_400, false) * 1000,
      criticalMax: numberOption(limit.criticalMax ?? 100, 'monitor.alertLimit.criticalMax', 1, 1_000_000),
    }),
    now: o.now ?? Date.now,
  });
}
