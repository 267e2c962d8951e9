/**
 * Helpers that keep the monitor's retained state small and independent of what clients send:
 * fixed-size fingerprints instead of paths, detached short copies instead of slices of a
 * request's (possibly huge) target or header, and the byte estimates `maxStateBytes` is checked against.
 */

/** Longest canonical path counted on its own in {@link Monitor.snapshot}; longer ones count in `otherPaths`. */
export const MAX_COUNTED_PATH = 256;

/** Estimated bytes of one tracked key besides its text: map entry, window object, arrays. */
export const KEY_OVERHEAD_BYTES = 160;
/** Estimated bytes of one fingerprint in a Set (entry and boxed number). */
export const FINGERPRINT_BYTES = 24;
/** Estimated bytes of one stored string besides its characters. */
export const STRING_OVERHEAD_BYTES = 32;

/** Estimated bytes of a stored string of `length` UTF-16 units (two bytes each, the worst case). */
export function stringBytes(length: number): number {
  return STRING_OVERHEAD_BYTES + 2 * length;
}

/**
 * A 53-bit fingerprint of `text` (two FNV-1a hashes over its UTF-16 units). Twenty distinct
 * paths collide with a probability below 10⁻¹³, and it costs a number whatever the length.
 */
export function fingerprint(text: string): number {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return (a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff);
}

/**
 * The first `max` characters of `text` as a string of their own. A plain `slice` may keep the
 * whole source string alive (V8 slices point into it): a 200-character sample of a
 * 60,000-character target would retain all 60,000.
 */
export function detached(text: string, max = text.length): string {
  const part = text.length > max ? text.slice(0, max) : text;
  return part.length < 13 ? part : (JSON.parse(JSON.stringify(part)) as string);
}
