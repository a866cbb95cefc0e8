/**
 * Narrowing (LANGUAGE.md §8 "Missing and null", §12): what a condition proves about
 * reference paths (`args.cc`, `ctx.user.id`, a lambda parameter's fields) when it is
 * true and when it is false. `x has f` proves `x.f` present; `x != null` (and a false
 * `x == null`) proves `x` present and non-null, and every prefix of `x` non-null; facts
 * flow through `and`, `or` and `not` the way TypeScript's do.
 *
 * INVARIANT: linear work. Facts of a node are computed once (memoized) from its
 * operands' facts, and `and`/`or` chains are flattened iteratively, so deep chains
 * neither recurse per operand nor re-walk subtrees.
 */
import type * as ast from "../syntax/ast.js";

/** The path is present (not missing). */
export const PRESENT = 1;
/** The path is present and not null. */
export const NON_NULL = 3;

/** Path key → PRESENT | NON_NULL. */
export type Facts = ReadonlyMap<string, number>;

export const NO_FACTS: Facts = new Map();

export interface CondFacts {
  readonly whenTrue: Facts;
  readonly whenFalse: Facts;
}

const NONE: CondFacts = { whenTrue: NO_FACTS, whenFalse: NO_FACTS };

/** Separates the segments of a path key (field names may contain any character but NUL is never a useful one). */
export const SEP = "\u0000";

/** Both facts hold. */
export function conjoin(a: Facts, b: Facts): Facts {
  if (b.size === 0) return a;
  if (a.size === 0) return b;
  const out = new Map(a);
  for (const [k, v] of b) out.set(k, (out.get(k) ?? 0) | v);
  return out;
}

/** What holds in either case. */
export function disjoin(a: Facts, b: Facts): Facts {
  if (a.size === 0 || b.size === 0) return NO_FACTS;
  const out = new Map<string, number>();
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const [k, v] of small) {
    const w = large.get(k);
    if (w !== undefined && (v & w) !== 0) out.set(k, v & w);
  }
  return out;
}

/** The operands of a chain of one operator (`a and b and c`, any grouping), left to right, without recursion. */
export function flattenChain(e: ast.Expr, op: "and" | "or"): ast.Expr[] {
  const out: ast.Expr[] = [];
  const stack: ast.Expr[] = [e];
  while (stack.length) {
    const x = stack.pop()!;
    if (x.kind === "BinaryExpr" && x.op === op) {
      stack.push(x.right, x.left);
    } else out.push(x);
  }
  return out;
}

/**
 * The facts that hold when operand `i` of a chain is evaluated: for `and`, every earlier
 * operand was true; for `or`, every earlier operand was false.
 */
export function chainPrefixFacts(operands: readonly CondFacts[], op: "and" | "or"): Facts[] {
  const out: Facts[] = [];
  let acc: Facts = NO_FACTS;
  for (const f of operands) {
    out.push(acc);
    acc = conjoin(acc, op === "and" ? f.whenTrue : f.whenFalse);
  }
  return out;
}

/** The facts of a whole chain from its operands' facts. */
export function chainFacts(operands: readonly CondFacts[], op: "and" | "or"): CondFacts {
  // and: true ⇒ every operand true; false ⇒ some operand false after the earlier ones were true.
  // or is the dual.
  let all: Facts = NO_FACTS;
  let some: Facts | null = null;
  let prefix: Facts = NO_FACTS;
  for (const f of operands) {
    const hold = op === "and" ? f.whenTrue : f.whenFalse;
    const fail = op === "and" ? f.whenFalse : f.whenTrue;
    all = conjoin(all, hold);
    const here = conjoin(fail, prefix);
    some = some === null ? here : disjoin(some, here);
    prefix = conjoin(prefix, hold);
  }
  const s = some ?? NO_FACTS;
  return op === "and" ? { whenTrue: all, whenFalse: s } : { whenTrue: s, whenFalse: all };
}

/**
 * Computes condition facts. `pathOf` maps an expression to its reference path key (or
 * null); it must be stable for a node (the scope of a node never changes).
 */
export class Narrower {
  private readonly memo = new Map<ast.Expr, CondFacts>();

  factsOf(e: ast.Expr | null, pathOf: (e: ast.Expr) => string | null): CondFacts {
    if (!e) return NONE;
    const cached = this.memo.get(e);
    if (cached) return cached;
    const r = this.compute(e, pathOf);
    this.memo.set(e, r);
    return r;
  }

  private compute(e: ast.Expr, pathOf: (e: ast.Expr) => string | null): CondFacts {
    switch (e.kind) {
      case "HasExpr": {
        const p = pathOf(e.object);
        if (p === null) return NONE;
        // Either way the object itself was read without error: present and non-null.
        const base = withPrefixes(p, NON_NULL);
        base.set(p, NON_NULL);
        const t = new Map(base);
        t.set(p + SEP + e.field.name, PRESENT);
        return { whenTrue: t, whenFalse: base };
      }
      case "UnaryExpr": {
        if (e.op !== "not") return NONE;
        const f = this.factsOf(e.operand, pathOf);
        return { whenTrue: f.whenFalse, whenFalse: f.whenTrue };
      }
      case "BinaryExpr": {
        if (e.op === "and" || e.op === "or") {
          const ops = flattenChain(e, e.op);
          return chainFacts(
            ops.map((o) => this.factsOf(o, pathOf)),
            e.op,
          );
        }
        if (e.op === "==" || e.op === "!=") {
          let other: ast.Expr | null = null;
          if (e.right.kind === "NullLiteral") other = e.left;
          else if (e.left.kind === "NullLiteral") other = e.right;
          if (!other) return NONE;
          const p = pathOf(other);
          if (p === null) return NONE;
          const nonNull = withPrefixes(p, NON_NULL);
          nonNull.set(p, NON_NULL);
          return e.op === "!=" ? { whenTrue: nonNull, whenFalse: NO_FACTS } : { whenTrue: NO_FACTS, whenFalse: nonNull };
        }
        return NONE;
      }
      default:
        return NONE;
    }
  }
}

/** A fresh fact map marking every proper prefix of `path` (below its root) with `flag`. */
function withPrefixes(path: string, flag: number): Map<string, number> {
  const out = new Map<string, number>();
  let i = path.indexOf(SEP);
  while (i !== -1) {
    const j = path.indexOf(SEP, i + 1);
    if (j === -1) break;
    out.set(path.slice(0, j), flag);
    i = j;
  }
  // the whole object path of a `has` / the compared path itself are set by the caller
  return out;
}
