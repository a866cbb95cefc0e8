/**
 * The expression built-ins shared by the reference interpreter and generated guard modules
 * (LANGUAGE.md §8, §12; /work/notes/builtins.md). Run-time values are JSON values as `JSON.parse`
 * produces them; a missing field is `undefined`, distinct from `null`.
 */

import { canonicalJson } from "./canonical-json.js";
import { EvaluationError } from "./errors.js";
import type { SessionView } from "./types.js";

export { EvaluationError } from "./errors.js";
export { canonicalJson } from "./canonical-json.js";
export { compileGlob } from "./glob.js";
export { parseUrl, pathNormalize, pathUnder, pathName, pathExt } from "./url-path.js";
export type { UrlParts } from "./url-path.js";

/**
 * Deep equality of run-time values (`==`, `in`, `.contains`): numbers by `===` (so `-0 == 0` and
 * `NaN != NaN`), lists element-wise, records by equal key sets (members whose value is `undefined`
 * are absent) and equal members. A list never equals a record.
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  const aList = Array.isArray(a);
  if (aList !== Array.isArray(b)) return false;
  if (aList) {
    const x = a as readonly unknown[];
    const y = b as readonly unknown[];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!deepEqual(x[i], y[i])) return false;
    return true;
  }
  const x = a as Readonly<Record<string, unknown>>;
  const y = b as Readonly<Record<string, unknown>>;
  const xKeys = Object.keys(x).filter((k) => x[k] !== undefined);
  const yCount = Object.keys(y).filter((k) => y[k] !== undefined).length;
  if (xKeys.length !== yCount) return false;
  for (const key of xKeys) {
    if (!Object.hasOwn(y, key) || !deepEqual(x[key], y[key])) return false;
  }
  return true;
}

/** String `.length` in the language: the number of code points (a lone surrogate counts as one). */
export function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

const REGEX_CACHE_SIZE = 256;
const regexCache = new Map<string, RegExp>();

/**
 * `new RegExp(pattern, "u")`, for `.matches` (unanchored, `RegExp.prototype.test`). The result has
 * no `g`/`y` flag, so it is stateless and may be shared. Throws `EvaluationError` on an invalid pattern.
 */
export function compileRegex(pattern: string): RegExp {
  const cached = regexCache.get(pattern);
  if (cached !== undefined) return cached;
  let regex: RegExp;
  try {
    regex = new RegExp(pattern, "u");
  } catch (error) {
    throw new EvaluationError(`invalid regex ${JSON.stringify(pattern)}: ${(error as Error).message}`);
  }
  if (regexCache.size >= REGEX_CACHE_SIZE) regexCache.delete(regexCache.keys().next().value as string);
  regexCache.set(pattern, regex);
  return regex;
}

/** `session.has(LABEL)`: the session carries the label. An absent session carries none. */
export function sessionHas(session: SessionView | undefined, label: string): boolean {
  if (session === undefined || session === null) return false;
  const labels = session.labels;
  return labels instanceof Set ? labels.has(label) : Array.isArray(labels) ? labels.includes(label) : false;
}

/**
 * `session.count(TOOLSEL)`: allowed calls in this session to the given qualified tools (the
 * selector already expanded), each tool counted once however often it is listed.
 */
export function sessionCount(session: SessionView | undefined, tools: readonly string[]): number {
  if (session === undefined || session === null) return 0;
  const counts = session.counts;
  let total = 0;
  for (const tool of new Set(tools)) {
    const n =
      counts instanceof Map
        ? counts.get(tool)
        : Object.hasOwn(counts, tool)
          ? (counts as Readonly<Record<string, number>>)[tool]
          : undefined;
    if (typeof n === "number" && Number.isFinite(n)) total += n;
  }
  return total;
}

/**
 * A limit's counter key (LANGUAGE.md §12 "Limits"): `"agent:" + agent` by default, `"by:" +
 * canonicalJson(value)` for `by EXPR`; a per-session window or a `repeats` limit (window `null`)
 * appends `"|session:" + session`. Throws `EvaluationError` when the `by` value has no JSON form
 * (e.g. it is missing).
 */
export function limitKey(base: { agent: string } | { by: unknown }, window: number | "session" | null, session: string): string {
  const key = "by" in base ? `by:${canonicalJson(base.by)}` : `agent:${base.agent}`;
  return window === "session" || window === null ? `${key}|session:${session}` : key;
}

/**
 * The `repeats` fingerprint of a call: `canonicalJson([tool, args])`, or `canonicalJson([tool])`
 * when the call has no arguments at all (`args` undefined).
 */
export function repeatFingerprint(tool: string, args: unknown): string {
  return args === undefined ? canonicalJson([tool]) : canonicalJson([tool, args]);
}
