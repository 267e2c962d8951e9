/**
 * The rampart contender's configuration, shared by the four rampart server modules and
 * bench/micro.ts: the full preset (headers + CSP, host guard, body limit, CORS with one
 * origin, a rate limit that never triggers, origin-mode CSRF, compression, no security log).
 */
import { rampart } from '../src/index.ts';
import type { Shield } from '../src/stack/index.ts';
import { ALLOWED_HOST, ORIGIN, RATE_LIMIT } from './shared.ts';

/** The preset options the benchmark measures (DESIGN §8). */
export const PRESET_OPTIONS = {
  cors: { origins: [ORIGIN] },
  allowedHosts: [ALLOWED_HOST],
  httpsRedirect: false,
  rateLimit: { maxRequests: RATE_LIMIT.max, window: RATE_LIMIT.windowSeconds },
  compression: true,
  log: false,
} as const;

/** The shield the benchmark measures, and a note on how it was built. */
export async function buildPreset(): Promise<{ shield: Shield | undefined; note: string }> {
  return { shield: rampart(PRESET_OPTIONS), note: 'rampart() full preset' };
}
