import { checkKeys, configError, numberOption, optionsObject } from '../core/options.ts';
import { problem } from '../core/problem.ts';
import type { Middleware, Reply, RequestView } from '../core/types.ts';

/** A user-agent score: 0 (ordinary browser) and up; reasons name what matched. */
export interface UserAgentScore {
  readonly score: number;
  readonly reasons: readonly string[];
}

/** Score patterns (case-insensitive substrings) → points. */
export type UserAgentPatterns = Readonly<Record<string, number>>;

/** Attack tools and mass scanners: no browser sends these. */
const SCANNERS = [
  'sqlmap',
  'nikto',
  'masscan',
  'nmap',
  'zgrab',
  'nuclei',
  'wpscan',
  'dirbuster',
  'gobuster',
  'acunetix',
  'netsparker',
  'havij',
  'w3af',
  'openvas',
  'ffuf',
  'feroxbuster',
  'jorgee',
  'zmeu',
  'fimap',
  'arachni',
  'skipfish',
  'commix',
  'whatweb',
];
/** HTTP libraries and command-line clients: often legitimate (monitoring, APIs), so a moderate score. */
const AUTOMATION = [
  'curl/',
  'wget/',
  'python-requests',
  'python-urllib',
  'go-http-client',
  'libwww-perl',
  'java/',
  'okhttp',
  'apache-httpclient',
  'scrapy',
  'aiohttp',
  'httpx',
  'node-fetch',
  'undici',
  'php/',
  'headlesschrome',
  'phantomjs',
];
/** Self-declared crawlers (the seed's list): the lowest score; search engines are welcome on most sites. */
const CRAWLER = ['bot', 'crawler', 'spider', 'scraper'];

/** Default points (the seed's heuristics, scored rather than blindly blocked). */
export const DEFAULT_UA_POINTS = Object.freeze({ empty: 40, scanner: 100, automation: 30, crawler: 15, short: 20, long: 20 });

/** Characters of a User-Agent that are scored; a longer one scores `long` on top (no browser sends one). */
export const UA_MAX_LENGTH = 2_048;

/**
 * Score a User-Agent. Empty: 40; known scanner (sqlmap, nikto, masscan, …): 100; HTTP
 * library or CLI (curl, python-requests, …): 30; self-declared bot/crawler/spider: 15;
 * shorter than 10 characters: 20; longer than {@link UA_MAX_LENGTH}: 20 (only its first
 * 2,048 characters are scored); plus any `extra` patterns. Scores add up.
 */
export function scoreUserAgent(userAgent: string | undefined, extra: UserAgentPatterns = {}): UserAgentScore {
  const raw = userAgent ?? '';
  const ua = (raw.length > UA_MAX_LENGTH ? raw.slice(0, UA_MAX_LENGTH) : raw).trim().toLowerCase();
  const reasons: string[] = [];
  let score = 0;
  if (raw.length > UA_MAX_LENGTH) {
    score += DEFAULT_UA_POINTS.long;
    reasons.push('very long user agent');
  }
  if (ua.length === 0) return { score: DEFAULT_UA_POINTS.empty, reasons: ['empty user agent'] };
  const scanner = SCANNERS.find((s) => ua.includes(s));
  if (scanner !== undefined) {
    score += DEFAULT_UA_POINTS.scanner;
    reasons.push(`scanner: ${scanner}`);
  }
  const tool = AUTOMATION.find((s) => ua.includes(s));
  if (tool !== undefined) {
    score += DEFAULT_UA_POINTS.automation;
    reasons.push(`automation: ${tool.replace('/', '')}`);
  }
  const crawler = CRAWLER.find((s) => ua.includes(s));
  if (crawler !== undefined) {
    score += DEFAULT_UA_POINTS.crawler;
    reasons.push(`self-declared ${crawler}`);
  }
  if (ua.length < 10) {
    score += DEFAULT_UA_POINTS.short;
    reasons.push('very short user agent');
  }
  for (const [pattern, points] of Object.entries(extra)) {
    if (ua.includes(pattern.toLowerCase())) {
      score += points;
      reasons.push(`pattern: ${pattern}`);
    }
  }
  return { score, reasons };
}

/** Options of {@link botGuard}. */
export interface BotGuardOptions {
  /** Answer 403 at or above this score (default 100: known scanners). `false`: never block, only flag. */
  blockScore?: number | false;
  /** Emit SUSPICIOUS_USER_AGENT and set `req.locals.botScore` at or above this score (default 40). */
  flagScore?: number;
  /** Extra patterns → points (negative points allow, e.g. your own monitor: { 'my-uptime-check': -100 }). */
  patterns?: UserAgentPatterns;
}

/**
 * User-agent heuristics as a middleware: scanners are refused (403), suspicious clients
 * flagged (event + `req.locals.botScore`) so later middleware or the app can decide.
 */
export function botGuard(options: BotGuardOptions = {}): Middleware {
  const o = optionsObject(options, 'botGuard') as BotGuardOptions;
  checkKeys(o, ['blockScore', 'flagScore', 'patterns'], 'botGuard');
  const blockScore = o.blockScore === false ? Infinity : o.blockScore === undefined ? 100 : numberOption(o.blockScore, 'botGuard.blockScore', 1, 10_000);
  const flagScore = o.flagScore === undefined ? 40 : numberOption(o.flagScore, 'botGuard.flagScore', 1, 10_000);
  const patterns: Record<string, number> = {};
  for (const [k, v] of Object.entries(optionsObject(o.patterns, 'botGuard.patterns'))) {
    if (k.length === 0 || typeof v !== 'number' || !Number.isFinite(v))
      throw configError(`botGuard.patterns[${JSON.stringify(k)}] must be a finite number of points.`);
    patterns[k] = v;
  }
  Object.freeze(patterns);
  const cache = new Map<string, UserAgentScore>();
  const reported = new Map<string, number>();
  return Object.freeze<Middleware>({
    name: 'botGuard',
    handle(req: RequestView): Reply | undefined {
      const ua = req.header('user-agent') ?? '';
      let s = cache.get(ua);
      if (s === undefined) {
        s = scoreUserAgent(ua, patterns);
        if (cache.size >= 5000) cache.clear();
        if (ua.length <= 512) cache.set(ua, s);
      }
      if (s.score < flagScore && s.score < blockScore) return undefined;
      req.locals.botScore = s.score;
      const now = Date.now();
      const last = reported.get(req.ip);
      if (last === undefined || now - last >= 60_000) {
        if (reported.size >= 10_000) reported.clear();
        reported.set(req.ip, now);
        req.emit('SUSPICIOUS_USER_AGENT', `score ${s.score}: ${s.reasons.join(', ')}`);
      }
      return s.score >= blockScore ? problem(403, 'Automated scanning is not allowed.') : undefined;
    },
  });
}
