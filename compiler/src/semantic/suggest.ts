/**
 * "Did you mean": the closest candidate by edit distance (insert, delete, substitute,
 * transpose), when it is close enough to be a likely typo.
 */

/** Optimal-string-alignment distance, or `limit + 1` as soon as it must exceed `limit`. */
export function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  const n = b.length;
  let prev2: number[] = [];
  let prev: number[] = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur: number[] = [i];
    let rowMin = i;
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2] + 1);
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > limit) return limit + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[n];
}

/**
 * The candidate closest to `name`: a case-insensitive match first, else the smallest
 * edit distance within max(1, ⌊length/3⌋) (ties: the earlier candidate). Undefined when
 * none is close, or when `name` itself is a candidate.
 */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  const lower = name.toLowerCase();
  const limit = Math.max(1, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const c of candidates) {
    if (c === name) return undefined;
    if (c.toLowerCase() === lower) {
      if (bestDistance > 0) {
        best = c;
        bestDistance = 0;
      }
      continue;
    }
    if (c.length < 1) continue;
    const d = editDistance(name, c, Math.min(limit, bestDistance));
    if (d < bestDistance && d <= limit) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A name as it must be written in policy text: bare when identifier-shaped, else in backticks. */
export function writeName(name: string): string {
  return IDENTIFIER.test(name) ? name : `\`${name.replace(/`/g, "")}\``;
}

export function isIdentifierShaped(name: string): boolean {
  return IDENTIFIER.test(name);
}
