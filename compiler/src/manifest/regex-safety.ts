/**
 * Regex safety (LANGUAGE.md §8 and §12). A pattern is an ECMAScript pattern compiled with the
 * `u` flag. It is
 *  - `invalid` when `new RegExp(pattern, "u")` throws;
 *  - `unsafe` when it can backtrack catastrophically by the structural rule of §12: a quantifier
 *    applied to a group that itself contains a quantifier (`(a+)+`, `(a*b?)*`, `(x{1,3})+`,
 *    also through nested groups: `((a+))*`), a backreference (`\1`, `\k<name>`), or a
 *    lookaround (`(?=`, `(?!`, `(?<=`, `(?<!`).
 * `(https?://|www\.)` is fine: its quantifier is inside the group and nothing quantifies the group.
 * The rule is literal: any quantifier (`?` and `{0,1}` included) counts, outside as inside.
 *
 * The scanner reads the pattern once, left to right, with a stack of open groups; it relies on the
 * pattern having compiled first, so it never has to diagnose syntax.
 */

export type RegexCheck = { readonly ok: true } | { readonly ok: false; readonly kind: "invalid" | "unsafe"; readonly reason: string };

/** Checks a pattern for syntax (`u` flag) and for the structural safety rule. Never throws. */
export function checkRegex(pattern: string): RegexCheck {
  try {
    new RegExp(pattern, "u");
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, kind: "invalid", reason: message.replace(/^Invalid regular expression: /, "") };
  }
  try {
    const reason = scanForUnsafeConstructs(pattern);
    return reason === null ? { ok: true } : { ok: false, kind: "unsafe", reason };
  } catch {
    return { ok: false, kind: "unsafe", reason: "the pattern could not be analysed" };
  }
}

/**
 * Does a pattern that compiles with the `u` flag apply a quantifier to a group containing a
 * quantifier (the structural part of the rule, backreferences and lookarounds aside)? Never throws;
 * true when the pattern cannot be analysed.
 */
export function hasNestedQuantifier(pattern: string): boolean {
  try {
    return scanForUnsafeConstructs(pattern, true) !== null;
  } catch {
    return true;
  }
}

interface GroupFrame {
  /** Some quantifier occurs inside this group (directly or in a nested group). */
  hasQuantifier: boolean;
}

/** What the last complete atom was, for the quantifier that may follow it. */
type LastAtom = { readonly group: false } | { readonly group: true; readonly hasQuantifier: boolean } | null;

/**
 * The first unsafe construct of a pattern that compiles with the `u` flag, or null. With
 * `nestingOnly`, backreferences and lookarounds are read as ordinary atoms and groups.
 */
function scanForUnsafeConstructs(p: string, nestingOnly = false): string | null {
  const stack: GroupFrame[] = [{ hasQuantifier: false }];
  let last: LastAtom = null;
  let i = 0;
  const n = p.length;
  while (i < n) {
    const c = p[i];
    if (c === "\\") {
      const next = p[i + 1] ?? "";
      if (!nestingOnly && next >= "1" && next <= "9") return "it uses a backreference (`\\" + next + "`)";
      if (!nestingOnly && next === "k") return "it uses a backreference (`\\k<...>`)";
      i = skipEscape(p, i);
      // \b \B are assertions; with the u flag they cannot be quantified, so treating them as atoms is harmless.
      last = { group: false };
      continue;
    }
    if (c === "[") {
      i = skipClass(p, i);
      last = { group: false };
      continue;
    }
    if (c === "(") {
      const lookahead = p.startsWith("(?=", i) || p.startsWith("(?!", i);
      const lookbehind = p.startsWith("(?<=", i) || p.startsWith("(?<!", i);
      if (!nestingOnly && lookahead) return "it uses a lookahead (`" + p.slice(i, i + 3) + "`)";
      if (!nestingOnly && lookbehind) return "it uses a lookbehind (`" + p.slice(i, i + 4) + "`)";
      if (lookahead || lookbehind) {
        i += lookahead ? 3 : 4;
      } else if (p.startsWith("(?<", i)) {
        const close = p.indexOf(">", i + 3);
        i = close < 0 ? n : close + 1;
      } else if (p.startsWith("(?:", i)) {
        i += 3;
      } else if (p[i + 1] === "?") {
        // Any other `(?...:` form (modifiers on newer engines): skip to its colon.
        const colon = p.indexOf(":", i + 2);
        i = colon < 0 ? i + 2 : colon + 1;
      } else {
        i += 1;
      }
      stack.push({ hasQuantifier: false });
      last = null;
      continue;
    }
    if (c === ")") {
      const frame = stack.length > 1 ? stack.pop()! : stack[0];
      const top = stack[stack.length - 1];
      if (frame.hasQuantifier) top.hasQuantifier = true;
      last = { group: true, hasQuantifier: frame.hasQuantifier };
      i += 1;
      continue;
    }
    const quantifierEnd = quantifierAt(p, i);
    if (quantifierEnd > i) {
      if (last !== null && last.group && last.hasQuantifier) {
        return "it applies a quantifier (`" + p.slice(i, quantifierEnd) + "`) to a group that contains a quantifier";
      }
      stack[stack.length - 1].hasQuantifier = true;
      i = quantifierEnd;
      if (p[i] === "?") i += 1; // lazy modifier
      last = null;
      continue;
    }
    if (c === "|") {
      last = null;
      i += 1;
      continue;
    }
    // `^`, `$`, `.` and ordinary characters (a surrogate pair is two units; both are plain atoms).
    last = { group: false };
    i += 1;
  }
  return null;
}

/** The index after a quantifier starting at i (`*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`), or i when there is none. */
function quantifierAt(p: string, i: number): number {
  const c = p[i];
  if (c === "*" || c === "+" || c === "?") return i + 1;
  if (c !== "{") return i;
  let j = i + 1;
  const digitsStart = j;
  while (j < p.length && p[j] >= "0" && p[j] <= "9") j++;
  if (j === digitsStart) return i;
  if (p[j] === ",") {
    j++;
    while (j < p.length && p[j] >= "0" && p[j] <= "9") j++;
  }
  return p[j] === "}" ? j + 1 : i;
}

/** The index after the escape starting at i (`\` at i). */
function skipEscape(p: string, i: number): number {
  const next = p[i + 1];
  if (next === undefined) return i + 1;
  if ((next === "p" || next === "P") && p[i + 2] === "{") {
    const close = p.indexOf("}", i + 3);
    return close < 0 ? p.length : close + 1;
  }
  if (next === "u" && p[i + 2] === "{") {
    const close = p.indexOf("}", i + 3);
    return close < 0 ? p.length : close + 1;
  }
  if (next === "u") return Math.min(p.length, i + 6);
  if (next === "x") return Math.min(p.length, i + 4);
  if (next === "c") return Math.min(p.length, i + 3);
  // One escaped code point (a surrogate pair counts as one).
  const code = p.charCodeAt(i + 1);
  return code >= 0xd800 && code <= 0xdbff && i + 2 < p.length ? i + 3 : i + 2;
}

/** The index after the character class starting at i (`[` at i). With the `u` flag classes do not nest. */
function skipClass(p: string, i: number): number {
  let j = i + 1;
  if (p[j] === "^") j++;
  while (j < p.length) {
    const c = p[j];
    if (c === "\\") {
      j = skipEscape(p, j);
      continue;
    }
    if (c === "]") return j + 1;
    j++;
  }
  return p.length;
}
