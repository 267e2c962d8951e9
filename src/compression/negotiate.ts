/** Content codings rampart can produce. */
export type Encoding = 'zstd' | 'br' | 'gzip';

/**
 * Pick the best coding from an Accept-Encoding header (RFC 9110 §12.5.3): the highest
 * q-value wins, ties go to the server's preference order; `q=0` refuses a coding, `*`
 * covers codings not named; undefined means identity.
 */
export function negotiate(header: string, preference: readonly Encoding[]): Encoding | undefined {
  let star: number | undefined;
  const q = new Map<string, number>();
  const text = header.length > 1024 ? header.slice(0, 1024) : header;
  for (const part of text.split(',')) {
    const semi = part.indexOf(';');
    const name = (semi === -1 ? part : part.slice(0, semi)).trim().toLowerCase();
    if (name === '') continue;
    let weight = 1;
    if (semi !== -1) {
      const m = /(?:^|;)\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*(?:;|$)/i.exec(part.slice(semi));
      weight = m === null ? 0 : Number(m[1]);
    }
    if (name === '*') star = weight;
    else if (name === 'x-gzip') q.set('gzip', Math.max(q.get('gzip') ?? 0, weight));
    else q.set(name, weight);
  }
  let best: Encoding | undefined;
  let bestQ = 0;
  for (const coding of preference) {
    const weight = q.get(coding) ?? star ?? 0;
    if (weight > bestQ) {
      best = coding;
      bestQ = weight;
    }
  }
  return best;
}
