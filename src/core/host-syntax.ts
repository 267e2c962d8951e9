const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/**
 * `host[:port]` in lower case: a DNS name or IPv4 address (dot-separated labels of 1–63
 * letters, digits and hyphens, no label starting or ending with a hyphen, one optional
 * trailing dot) or a bracketed IPv6 literal, then an optional port (0–65535, no leading zero). A scanner,
 * one pass, not a regular expression: the pattern's bounded repetitions are beyond what
 * recheck can prove linear in reasonable time.
 */
export function isHostPort(s: string): boolean {
  const n = s.length;
  let i = 0;
  if (s.charCodeAt(0) === 91 /* [ */) {
    const end = s.indexOf(']');
    if (end < 2) return false;
    for (let j = 1; j < end; j++) {
      const c = s.charCodeAt(j);
      if (!(isDigit(c) || (c >= 97 && c <= 102) || c === 58 || c === 46)) return false;
    }
    i = end + 1;
  } else {
    let label = 0;
    let prev = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c === 58 /* : */) break;
      if (c === 46 /* . */) {
        if (label === 0 || prev === 45) return false;
        label = 0;
      } else if (c === 45 /* - */) {
        if (label === 0) return false;
        label++;
      } else if (isDigit(c) || (c >= 97 && c <= 122)) {
        label++;
      } else {
        return false;
      }
      if (label > 63) return false;
      prev = c;
    }
    if (i === 0 || prev === 45) return false;
  }
  if (i === n) return true;
  if (s.charCodeAt(i) !== 58) return false;
  const digits = n - i - 1;
  if (digits < 1 || digits > 5) return false;
  // A port as a URL serialises it: no leading zero (WHATWG URL turns ':080' into ':80', so a
  // runtime that builds its URL would see another authority), at most 65535.
  if (digits > 1 && s.charCodeAt(i + 1) === 48) return false;
  let port = 0;
  for (let j = i + 1; j < n; j++) {
    const c = s.charCodeAt(j);
    if (!isDigit(c)) return false;
    port = port * 10 + (c - 48);
  }
  return port <= 65535;
}
