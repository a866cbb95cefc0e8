/**
 * The literals of a policy, and their near-misses, for the generators (LANGUAGE.md §12
 * "Invariants and tests"): every string literal and const, each followed by `/../x`, `/x`
 * and `.evil.io`, with case changes and `..` segments; every numeric literal ±1, and the
 * products and quotients of literal pairs. `.matches` and `.glob` patterns are kept apart
 * so that strings can be generated that match them.
 *
 * Contract: pure, never throws; the pools are de-duplicated, in a stable order (source order
 * of the first policy first), so generation is deterministic under a seed.
 */
import type { Value } from "../semantic/model.js";
import type { PolicyModel } from "../semantic/model.js";
import * as ast from "../syntax/ast.js";

export interface LiteralPool {
  /** Strings to mix into every generated string (literals and their near-misses). */
  readonly strings: readonly string[];
  /** Numbers to mix into every generated number (literals, ±1, products, quotients). */
  readonly numbers: readonly number[];
  /** `.matches(...)` patterns of the policy (ECMAScript sources, `u` flag). */
  readonly regexes: readonly string[];
  /** Strings built from the policy's `.glob(...)` patterns that match them (and near-misses). */
  readonly globInstances: readonly string[];
  /** List values of consts (e.g. a list of allowed domains), for list-typed fields. */
  readonly lists: readonly (readonly unknown[])[];
}

/** At most this many base literals take part in pair products/quotients. */
const MAX_PAIR_LITERALS = 40;
/** At most this many strings / numbers in a pool. */
const MAX_POOL = 2000;

/** The literal pool of one or more policies (diff mixes the literals of both sides). */
export function collectLiterals(models: readonly PolicyModel[]): LiteralPool {
  const strings: string[] = [];
  const numbers: number[] = [];
  const regexes: string[] = [];
  const globs: string[] = [];
  const lists: unknown[][] = [];

  const addValue = (v: Value | undefined, depth: number): void => {
    if (v === undefined || v === null || depth > 20) return;
    if (typeof v === "string") strings.push(v);
    else if (typeof v === "number") numbers.push(v);
    else if (Array.isArray(v)) {
      lists.push([...(v as readonly Value[])]);
      for (const x of v as readonly Value[]) addValue(x, depth + 1);
    } else if (typeof v === "object") for (const x of Object.values(v as Record<string, Value>)) addValue(x, depth + 1);
  };

  for (const model of models) {
    const constValue = (name: string): Value | undefined => model.consts.get(name)?.value;
    const roots: ast.Node[] = [];
    for (const r of model.rules) {
      if (r.when) roots.push(r.when);
      if (r.unless) roots.push(r.unless);
    }
    for (const l of model.limits) if (l.by) roots.push(l.by);
    for (const inv of model.invariants) if (inv.when) roots.push(inv.when);
    for (const c of model.consts.values()) if (c.decl?.value) roots.push(c.decl.value);
    for (const t of model.tests)
      for (const x of t.expects ?? []) {
        if (x?.args) roots.push(x.args);
        if (x?.context) roots.push(x.context);
      }
    const seen = new Set<ast.Node>();
    const stack = [...roots].reverse();
    while (stack.length > 0) {
      const n = stack.pop() as ast.Node;
      if (!n || seen.has(n)) continue;
      seen.add(n);
      switch (n.kind) {
        case "StringLiteral":
          strings.push(n.value);
          break;
        case "NumberLiteral":
          numbers.push(n.value);
          break;
        case "MoneyLiteral":
          numbers.push(n.micros / 1_000_000);
          break;
        case "CallExpr": {
          const pattern = patternOf(n, constValue);
          if (pattern) (pattern.method === "matches" ? regexes : globs).push(pattern.source);
          break;
        }
        default:
          break;
      }
      const kids = ast.childrenOf(n);
      for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
    }
    for (const c of model.consts.values()) addValue(c.value, 0);
  }

  const baseStrings = dedupe(strings);
  const baseNumbers = dedupe(numbers.filter((n) => Number.isFinite(n)).map((n) => (Object.is(n, -0) ? 0 : n)));
  return {
    strings: dedupe([...baseStrings, ...baseStrings.flatMap(stringNearMisses), ...dedupe(globs).flatMap(globInstances)]).slice(0, MAX_POOL),
    numbers: numberPool(baseNumbers).slice(0, MAX_POOL),
    regexes: dedupe(regexes),
    globInstances: dedupe(dedupe(globs).flatMap(globInstances)),
    lists: dedupeLists(lists),
  };
}

/** `x.matches(P)` / `x.glob(P)` with P a string literal or a string const. */
function patternOf(call: ast.CallExpr, constValue: (name: string) => Value | undefined): { method: "matches" | "glob"; source: string } | null {
  if (call.callee?.kind !== "MemberExpr") return null;
  const method = call.callee.property?.name;
  if (method !== "matches" && method !== "glob") return null;
  const arg = call.args[0];
  if (arg?.kind === "StringLiteral") return { method, source: arg.value };
  if (arg?.kind === "NameRef") {
    const v = constValue(arg.name);
    if (typeof v === "string") return { method, source: v };
  }
  return null;
}

/** Near-misses of one string literal: escapes, suffixes, case changes. */
export function stringNearMisses(s: string): string[] {
  const out = [
    `${s}/../x`,
    `${s}/x`,
    `${s}.evil.io`,
    s.toUpperCase(),
    s.toLowerCase(),
    flipFirstLetter(s),
    `x${s}`,
    `${s}x`,
    `../${s}`,
    `${s}/..`,
    `https://${s}/`,
    `https://${s}.evil.io/`,
  ];
  if (s.endsWith("/")) out.push(`${s}../x`, s.slice(0, -1), `${s}x/../../y`);
  if (s.length > 1) out.push(s.slice(0, -1));
  return out.filter((x) => x !== s);
}

function flipFirstLetter(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    const lower = c.toLowerCase();
    const upper = c.toUpperCase();
    if (lower !== upper) return s.slice(0, i) + (c === lower ? upper : lower) + s.slice(i + 1);
  }
  return s;
}

/** Strings that match a glob (and near-misses that escape it with `..`). */
export function globInstances(glob: string): string[] {
  const fill = (star2: string, star: string, q: string) =>
    glob.replace(/\*\*|\*|\?/g, (m) => (m === "**" ? star2 : m === "*" ? star : q));
  return [fill("a/b", "x", "q"), fill("", "", "q"), fill("../x", "x", "q"), fill("a/../../x", "..", "q"), fill("x", "x.evil.io", "Q")];
}

/** Numbers: literals, ±1, negations, products and quotients of pairs, and a few anchors. */
function numberPool(base: readonly number[]): number[] {
  const out: number[] = [0, 1, -1];
  // ±0.5 finds a bound moved by less than 1 on a non-integer field (`< 5001` for `<= 5000`)
  for (const n of base) out.push(n, n - 1, n + 1, -n, n + 0.5, n - 0.5);
  const pairs = base.slice(0, MAX_PAIR_LITERALS);
  for (let i = 0; i < pairs.length; i++)
    for (let j = 0; j < pairs.length; j++) {
      const a = pairs[i];
      const b = pairs[j];
      if (i <= j) out.push(a * b);
      if (i !== j && b !== 0) out.push(a / b);
    }
  // the integers next to a fractional quotient (e.g. 1000 / 3 → 333, 334)
  const extra: number[] = [];
  for (const n of out) if (!Number.isInteger(n)) extra.push(Math.floor(n), Math.ceil(n));
  return dedupe([...out, ...extra].filter((n) => Number.isFinite(n)).map((n) => (Object.is(n, -0) ? 0 : n)));
}

function dedupe<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

function dedupeLists(lists: readonly unknown[][]): unknown[][] {
  const seen = new Set<string>();
  const out: unknown[][] = [];
  for (const l of lists) {
    const k = JSON.stringify(l);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(l);
    }
  }
  return out;
}
