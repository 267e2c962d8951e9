/**
 * Ratcliff/Obershelp similarity (what Python's difflib.SequenceMatcher.ratio computes,
 * which Django's UserAttributeSimilarityValidator uses): 2·matches / (|a| + |b|).
 */
export function similarity(a: string, b: string): number {
  const total = a.length + b.length;
  if (total === 0) return 1;
  return (2 * matches(a, 0, a.length, b, 0, b.length)) / total;
}

function matches(a: string, aLo: number, aHi: number, b: string, bLo: number, bHi: number): number {
  if (aLo >= aHi || bLo >= bHi) return 0;
  // Longest common substring by dynamic programming; prev[k] is the common suffix length
  // ending at a[i-1] and b[bLo+k-1]. Ties keep the earliest match, as difflib does.
  let best = 0;
  let bestA = aLo;
  let bestB = bLo;
  let prev = new Uint16Array(bHi - bLo + 1);
  let row = new Uint16Array(bHi - bLo + 1);
  for (let i = aLo; i < aHi; i++) {
    for (let j = bLo; j < bHi; j++) {
      const v = a.charCodeAt(i) === b.charCodeAt(j) ? prev[j - bLo]! + 1 : 0;
      row[j - bLo + 1] = v;
      if (v > best) {
        best = v;
        bestA = i - v + 1;
        bestB = j - v + 1;
      }
    }
    [prev, row] = [row, prev];
    row.fill(0);
  }
  if (best === 0) return 0;
  return best + matches(a, aLo, bestA, b, bLo, bestB) + matches(a, bestA + best, aHi, b, bestB + best, bHi);
}
