/**
 * What a compiled policy lets through, judged by the CSP Level 3 rules: the runtime
 * warnings of compileCsp and the rules of `rampart check` share these answers.
 */
import { isPublicSuffix } from '../core/public-suffix.ts';

type Directives = ReadonlyMap<string, readonly string[]>;

/** One directive whose `'unsafe-inline'` takes effect in CSP3 browsers, and what it lets run. */
export interface OpenInlineScript {
  /** The directive that governs it, or undefined when the policy has no script-src nor default-src (nothing restricts scripts). */
  directive: string | undefined;
  /** `elements`: injected `<script>` blocks; `handlers`: `on*` attributes and `javascript:` URLs. */
  runs: 'elements' | 'handlers';
}

/** How far a policy lets inline script run. */
export interface InlineScriptExposure {
  /** Inline script that CSP3 browsers run. */
  open: OpenInlineScript[];
  /**
   * Directives holding `'unsafe-inline'` that CSP3 browsers ignore (a nonce, hash or
   * `'strict-dynamic'` beside it, or a script-src-elem/-attr that takes precedence); older
   * browsers may still honour it.
   */
  ignored: string[];
  /** `'unsafe-hashes'` with hashes in the handler list: the listed handler code runs from any injected attribute. */
  hashedHandlers: boolean;
}

// CSP3 §6.7.3.3: a nonce or hash source cancels 'unsafe-inline'; so does 'strict-dynamic' for scripts.
function cancelsUnsafeInline(sources: readonly string[]): boolean {
  return sources.some((s) => s.startsWith("'nonce-") || /^'sha(256|384|512)-/.test(s) || s === "'strict-dynamic'");
}

// The directive a script type falls back to (CSP3 §6.8.1 "effective directive" fallback lists).
function governing(directives: Directives, own: string): string | undefined {
  return [own, 'script-src', 'default-src'].find((name) => directives.has(name));
}

/**
 * Judge inline script: `<script>` elements are governed by script-src-elem, then
 * script-src, then default-src; event-handler attributes by script-src-attr, then
 * script-src, then default-src.
 *
 * @example
 * inlineScriptExposure(new Map([['script-src-attr', ["'unsafe-inline'"]]])).open; // handlers run
 */
export function inlineScriptExposure(directives: Directives): InlineScriptExposure {
  const open: OpenInlineScript[] = [];
  const seen = new Set<string>();
  for (const [own, runs] of [
    ['script-src-elem', 'elements'],
    ['script-src-attr', 'handlers'],
  ] as const) {
    const name = governing(directives, own);
    if (name === undefined) {
      open.push({ directive: undefined, runs });
      continue;
    }
    const sources = directives.get(name) ?? [];
    if (sources.includes("'unsafe-inline'") && !cancelsUnsafeInline(sources)) {
      open.push({ directive: name, runs });
      seen.add(name);
    }
  }
  const ignored = ['script-src-elem', 'script-src-attr', 'script-src', 'default-src'].filter(
    (name) => !seen.has(name) && (directives.get(name) ?? []).includes("'unsafe-inline'") && (name !== 'default-src' || !directives.has('script-src')),
  );
  const handlerName = governing(directives, 'script-src-attr');
  const handlerSources = handlerName === undefined ? [] : (directives.get(handlerName) ?? []);
  const hashedHandlers = handlerSources.includes("'unsafe-hashes'") && handlerSources.some((s) => /^'sha(256|384|512)-/.test(s));
  return { open, ignored, hashedHandlers };
}

const SCHEME_ONLY = /^[a-z][a-z0-9+.-]*:$/i;
const ANY_HOST = /^(?:[a-z][a-z0-9+.-]*:\/\/)?\*(?::(?:\d+|\*))?(?:\/.*)?$/i;
const WILDCARD_HOST = /^(?:[a-z][a-z0-9+.-]*:\/\/)?\*\.([^:/]+)(?::(?:\d+|\*))?(?:\/.*)?$/i;

/**
 * The frame-ancestors sources that let every site (or every site under a public suffix)
 * frame the page: `*`, a bare scheme (`https:`), `https://*`, `*.com`. Empty when the
 * policy has no frame-ancestors or lists specific origins.
 */
export function openFrameAncestors(directives: Directives): string[] {
  return (directives.get('frame-ancestors') ?? []).filter((source) => {
    if (source === '*' || SCHEME_ONLY.test(source) || ANY_HOST.test(source)) return true;
    const suffix = WILDCARD_HOST.exec(source)?.[1];
    return suffix !== undefined && isPublicSuffix(suffix.toLowerCase());
  });
}
