/**
 * Globs (LANGUAGE.md §12): a glob matches the whole string; `*` is any run (possibly empty,
 * possibly starting with `.`) of characters other than `/`; `**` is any run including `/`;
 * `?` is one code point other than `/`; every other character is literal; case-sensitive.
 * `***` reads as `**` followed by `*` (which matches what `**` alone matches).
 *
 * Matching simulates the pattern's automaton over the input's code points: O(input × pattern)
 * time whatever the pattern, with no backtracking.
 */

const ONE = 0;
const STAR = 1;
const GLOBSTAR = 2;
/** A literal code point, or one of ONE / STAR / GLOBSTAR. */
type GlobToken = string | typeof ONE | typeof STAR | typeof GLOBSTAR;

export function compileGlob(pattern: string): (s: string) => boolean {
  const tokens = tokenize(String(pattern));
  if (tokens.every((token) => typeof token === "string")) {
    const literal = tokens.join("");
    return (s) => s === literal;
  }
  return (s) => matches(tokens, s);
}

function tokenize(pattern: string): GlobToken[] {
  const tokens: GlobToken[] = [];
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (c === "*") {
      if (chars[i + 1] === "*") {
        tokens.push(GLOBSTAR);
        i++;
      } else tokens.push(STAR);
    } else if (c === "?") tokens.push(ONE);
    else tokens.push(c);
  }
  return tokens;
}

function matches(tokens: readonly GlobToken[], s: string): boolean {
  const n = tokens.length;
  let current = new Uint8Array(n + 1);
  let next = new Uint8Array(n + 1);
  current[0] = 1;
  close(tokens, current);
  for (const c of String(s)) {
    next.fill(0);
    let any = false;
    for (let i = 0; i < n; i++) {
      if (current[i] === 0) continue;
      const token = tokens[i];
      if (token === GLOBSTAR || (token === STAR && c !== "/")) {
        next[i] = 1;
        any = true;
      } else if ((token === ONE && c !== "/") || token === c) {
        next[i + 1] = 1;
        any = true;
      }
    }
    if (!any) return false;
    close(tokens, next);
    [current, next] = [next, current];
  }
  return current[n] === 1;
}

/** Adds the states reachable by letting `*` / `**` match the empty run. */
function close(tokens: readonly GlobToken[], states: Uint8Array): void {
  for (let i = 0; i < tokens.length; i++) {
    if (states[i] === 1 && (tokens[i] === STAR || tokens[i] === GLOBSTAR)) states[i + 1] = 1;
  }
}
