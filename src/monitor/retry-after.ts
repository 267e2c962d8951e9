/** Longest Retry-After read, in ms: anything longer is clamped by the caller's own bound anyway. */
const MAX_MS = 86_400_000;

/**
 * The wait a `Retry-After` header value asks for, in ms (RFC 9110 §10.2.3): delay-seconds
 * (digits only) or an HTTP-date measured against `now`. `undefined` for a missing or unreadable
 * value; 0 for a date already past. Capped at a day.
 */
export function retryAfterMs(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d{1,10}$/.test(text)) return Math.min(MAX_MS, Number(text) * 1000);
  // IMF-fixdate ('Sun, 06 Nov 1994 08:49:37 GMT') or the obsolete RFC 850 form ('Sunday,
  // 06-Nov-94 08:49:37 GMT'); Date.parse alone would also read bare numbers and ISO forms.
  if (!/^[A-Za-z]{3,9}, [0-9A-Za-z -]{9,11} \d{2}:\d{2}:\d{2} GMT$/.test(text)) return undefined;
  const at = Date.parse(text);
  if (!Number.isFinite(at)) return undefined;
  return Math.min(MAX_MS, Math.max(0, at - now));
}
