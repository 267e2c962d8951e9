/**
 * The rampart contender's configuration, shared by the four rampart server modules and
 * bench/micro.ts: the full preset (headers + CSP, host guard, CORS with one origin, a rate
 * limit that never triggers, compression, no security log).
 *
 * While the preset is still being built the harness adapts instead of faking a row:
 * when `rampart()` is not exported yet it composes `stack([...])` from whichever
 * middleware factories exist, and a section that throws ERR_RAMPART_NOT_IMPLEMENTED is
 * dropped. Either way the returned `note` says exactly what was measured.
 */
import type { Middleware } from '../src/core/types.ts';
import type { Shield } from '../src/stack/index.ts';
import { ALLOWED_HOST, ORIGIN, RATE_LIMIT } from './shared.ts';

/** The preset options the benchmark measures (DESIGN §8). */
export const PRESET_OPTIONS: Record<string, unknown> = {
  cors: { origins: [ORIGIN] },
  allowedHosts: [ALLOWED_HOST],
  httpsRedirect: false,
  rateLimit: { maxRequests: RATE_LIMIT.max, window: RATE_LIMIT.windowSeconds },
  compression: true,
  log: false,
};

/** One preset section as a stand-alone middleware factory call (for the stack() fallback). */
interface Section {
  readonly option: string;
  readonly factories: readonly string[];
  readonly modules: readonly string[];
  readonly args: unknown;
}

/** The preset's order: headers → host guard → CORS → rate limit → compression. */
const SECTIONS: readonly Section[] = [
  { option: 'headers', factories: ['securityHeaders'], modules: ['../src/headers/index.ts'], args: undefined },
  { option: 'allowedHosts', factories: ['hostGuard'], modules: ['../src/guards/index.ts', '../src/host/index.ts'], args: { allowedHosts: [ALLOWED_HOST] } },
  { option: 'cors', factories: ['cors'], modules: ['../src/cors/index.ts'], args: { origins: [ORIGIN] } },
  { option: 'rateLimit', factories: ['rateLimit'], modules: ['../src/ratelimit/index.ts'], args: { maxRequests: RATE_LIMIT.max, window: RATE_LIMIT.windowSeconds } },
  { option: 'compression', factories: ['compression'], modules: ['../src/compression/index.ts'], args: {} },
];

async function tryImport(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    return (await import(path)) as Record<string, unknown>;
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}

function isNotImplemented(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === 'ERR_RAMPART_NOT_IMPLEMENTED';
}

/** The shield the benchmark measures, and a note on how it was built. Undefined shield: nothing to measure yet. */
export async function buildPreset(): Promise<{ shield: Shield | undefined; note: string }> {
  const root = await tryImport('../src/index.ts');
  if (root !== undefined && typeof root.rampart === 'function') {
    const rampart = root.rampart as (options: Record<string, unknown>) => Shield;
    const options = { ...PRESET_OPTIONS };
    const dropped: string[] = [];
    for (;;) {
      try {
        const shield = rampart(options);
        return { shield, note: dropped.length === 0 ? 'rampart() full preset' : `rampart() preset WITHOUT ${dropped.join(', ')} (not implemented yet)` };
      } catch (error) {
        // Drop the section the error names, if any; otherwise the failure is real.
        const message = String((error as Error).message);
        const section = isNotImplemented(error) ? Object.keys(options).find((k) => options[k] !== false && message.includes(k)) : undefined;
        if (section === undefined) throw error;
        options[section] = false;
        dropped.push(section);
      }
    }
  }

  // Fallback: rampart() not exported yet — compose what exists with stack().
  const { stack } = await import('../src/stack/index.ts');
  const middleware: Middleware[] = [];
  const used: string[] = [];
  const missing: string[] = [];
  for (const section of SECTIONS) {
    let factory: ((args?: unknown) => unknown) | undefined;
    for (const mod of [root, ...(await Promise.all(section.modules.map(tryImport)))]) {
      const found = section.factories.map((name) => mod?.[name]).find((f) => typeof f === 'function');
      if (found !== undefined) {
        factory = found as (args?: unknown) => unknown;
        break;
      }
    }
    if (factory === undefined) {
      missing.push(section.option);
      continue;
    }
    try {
      middleware.push(factory(section.args) as Middleware);
      used.push(section.option);
    } catch (error) {
      if (!isNotImplemented(error)) throw error;
      missing.push(section.option);
    }
  }
  if (middleware.length === 0) return { shield: undefined, note: 'no rampart middleware in the tree yet' };
  return {
    shield: stack(middleware),
    note: `stack([${used.join(', ')}]) — rampart() not exported yet${missing.length > 0 ? `; missing: ${missing.join(', ')}` : ''}`,
  };
}
