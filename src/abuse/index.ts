/**
 * Abuse defence: an IP/CIDR blocklist with expiry, fail2ban-style adaptive blocking fed by
 * security events, a brute-force login guard, and user-agent heuristics. See the README, "Rate limiting and abuse defence".
 */
export { blocklist, clientBlockKey } from './blocklist.ts';
export type { Blocklist, BlocklistOptions, BlockOptions } from './blocklist.ts';
export { adaptiveBlocking } from './adaptive.ts';
export type { AdaptiveBlocking, AdaptiveBlockingOptions, AdaptiveRule } from './adaptive.ts';
export { loginGuard } from './login-guard.ts';
export type { LoginGuard, LoginGuardOptions, LoginCheck, LoginClient } from './login-guard.ts';
export { botGuard, scoreUserAgent, DEFAULT_UA_POINTS } from './bots.ts';
export type { BotGuardOptions, UserAgentScore, UserAgentPatterns } from './bots.ts';
