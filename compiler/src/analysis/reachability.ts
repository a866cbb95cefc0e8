/**
 * W_UNREACHABLE (LANGUAGE.md §9, §12 "Analyses"): a condition that is never true.
 *
 * Checked: the `when` of every rule and invariant (and each branch of an `or` inside it that
 * can never be true given the rest of the condition), and an `unless` that always holds.
 * A condition is never true when, read as a conjunction of facts about terms (`args.x`,
 * `args.a * args.b`, `tool.name`, ...), it contains:
 *  - a part that folds to `false` (constants, const values);
 *  - an empty numeric interval on one term (`x > 5 and x < 3`; `x > 3 and x < 4` for an integer);
 *  - `==` with two different literals on one term, or `== L` with `!= L`, or a value outside
 *    an `in` list;
 *  - a term required to be absent (`not (args has f)`) or missing/null (`x == null`) that it
 *    then reads (`args.f.length`, `args.f > 1`, ...), or required both present and absent.
 * Reasoning is sound for "never true": a condition that errs is not true either (§5), so
 * every operand may be assumed to evaluate without error. `or` is explored branch by branch
 * (bounded); anything not understood is an opaque fact that constrains nothing.
 *
 * Reported at the condition (or the dead `or` branch), with related spans at the facts that
 * contradict each other.
 */
import { createDiagnostic, type Diagnostic, type RelatedInformation } from "../diagnostics/diagnostic.js";
import { Messages } from "../diagnostics/messages.js";
import type { Type } from "../manifest/types.js";
import { createFolder, type FoldResult } from "../semantic/fold.js";
import type { PolicyModel, Value } from "../semantic/model.js";
import type * as ast from "../syntax/ast.js";

type Scalar = string | number | boolean | null;

/** One fact about one term. `node` is where it was written. */
type Atom =
  | { readonly kind: "false"; readonly node: ast.Expr }
  | { readonly kind: "cmp"; readonly term: Term; readonly op: "<" | "<=" | ">" | ">="; readonly value: number; readonly node: ast.Expr }
  | { readonly kind: "eq"; readonly term: Term; readonly value: Scalar; readonly node: ast.Expr }
  | { readonly kind: "ne"; readonly term: Term; readonly value: Scalar; readonly node: ast.Expr }
  | { readonly kind: "in"; readonly term: Term; readonly values: readonly Scalar[]; readonly node: ast.Expr }
  | { readonly kind: "present"; readonly term: Term; readonly node: ast.Expr }
  | { readonly kind: "absent"; readonly term: Term; readonly node: ast.Expr }
  | { readonly kind: "nullish"; readonly term: Term; readonly node: ast.Expr }
  | { readonly kind: "nonnull"; readonly term: Term; readonly node: ast.Expr }
  /** The term is read where a missing or null value is an error (member access, `<`, arithmetic, a method). */
  | { readonly kind: "reads"; readonly term: Term; readonly node: ast.Expr }
  /** The term is read where a missing value is an error but null is a value (`==`, `!=`, `in`). */
  | { readonly kind: "defined"; readonly term: Term; readonly node: ast.Expr }
  | { readonly kind: "or"; readonly branches: readonly (readonly Atom[])[]; readonly node: ast.Expr };

/** A pure expression, identified structurally; `path` is set for `args.a.b`-like chains. */
interface Term {
  readonly key: string;
  readonly path: string | null;
  readonly expr: ast.Expr;
  readonly integer: boolean;
}

/** Why a conjunction can never hold. */
interface Conflict {
  readonly reason: string;
  readonly nodes: readonly ast.Expr[];
}

/** Bound on `or` exploration (branch combinations visited per condition). */
const MAX_BRANCH_WORK = 256;

/**
 * `fold` folds expressions of this model (`createFolder` over its consts; analyze() shares
 * one between the analyses).
 */
export function findUnreachableConditions(model: PolicyModel, fold: Fold = createFolder((name) => model.consts.get(name)?.value)): Diagnostic[] {
  const a = new Analyzer(model, fold);
  const out: Diagnostic[] = [];
  for (const r of model.rules) {
    if (r.when) out.push(...a.condition(r.when));
    if (r.unless) {
      const f = fold(r.unless);
      if (f.ok && f.value === true)
        out.push(createDiagnostic(Messages.Unreachable, model.file, r.unless.span, ["its `unless` always holds, so the rule never applies"]));
    }
  }
  for (const inv of model.invariants) if (inv.when) out.push(...a.condition(inv.when));
  return out;
}

type Fold = (expr: ast.Expr) => FoldResult;

/**
 * Every fact below is a pure function of its node (and the model), so atoms, reads and
 * terms are computed once per node and shared: a condition's facts are built bottom-up
 * in linear time, and the `or`/`and` exploration reuses them. Shared arrays are never
 * mutated.
 */
class Analyzer {
  private work = 0;
  private readonly atomsOf: [Map<ast.Expr, readonly Atom[]>, Map<ast.Expr, readonly Atom[]>] = [new Map(), new Map()];
  private readonly readsOf = { value: new Map<ast.Expr, readonly Atom[]>(), defined: new Map<ast.Expr, readonly Atom[]>(), none: new Map<ast.Expr, readonly Atom[]>() };
  private readonly terms = new Map<ast.Expr, Term | null>();

  constructor(
    private readonly model: PolicyModel,
    private readonly fold: Fold,
  ) {}

  /** Diagnostics for one condition: the whole when it can never hold, else its dead `or` branches. */
  condition(expr: ast.Expr): Diagnostic[] {
    this.work = 0;
    const atoms = this.atoms(expr, false);
    const whole = this.conflict(atoms);
    if (whole) return [this.report(expr, whole)];
    const out: Diagnostic[] = [];
    this.deadBranches(expr, [], out);
    return out;
  }

  private report(at: ast.Expr, c: Conflict): Diagnostic {
    const related: RelatedInformation[] = [];
    for (const n of c.nodes) {
      if (n.span.start === at.span.start && n.span.end === at.span.end) continue;
      if (related.some((r) => r.span.start === n.span.start && r.span.end === n.span.end)) continue;
      related.push({ file: this.model.file, span: n.span, message: `\`${this.text(n)}\` is required here` });
    }
    return createDiagnostic(Messages.Unreachable, this.model.file, at.span, [c.reason], { related });
  }

  /** Walks `and`/`or` below `expr`; reports an `or` branch that cannot hold with its surroundings. */
  private deadBranches(expr: ast.Expr, context: readonly Atom[], out: Diagnostic[]): void {
    if (expr.kind !== "BinaryExpr" || (expr.op !== "and" && expr.op !== "or")) return;
    if (expr.op === "and") {
      const parts = flatten(expr, "and");
      parts.forEach((p, i) => {
        const others = parts.filter((_, j) => j !== i).flatMap((q) => this.atoms(q, false));
        this.deadBranches(p, [...context, ...others], out);
      });
      return;
    }
    for (const branch of flatten(expr, "or")) {
      const c = this.conflict([...context, ...this.atoms(branch, false)]);
      if (c) out.push(this.report(branch, c));
      else this.deadBranches(branch, context, out);
    }
  }

  // ------------------------------------------------------------------------- facts

  /** The facts `expr` (or its negation) requires when it is true. */
  private atoms(e: ast.Expr, negated: boolean): readonly Atom[] {
    const memo = this.atomsOf[negated ? 1 : 0];
    let atoms = memo.get(e);
    if (atoms === undefined) {
      atoms = this.computeAtoms(e, negated);
      memo.set(e, atoms);
    }
    return atoms;
  }

  private computeAtoms(e: ast.Expr, negated: boolean): readonly Atom[] {
    const folded = this.fold(e);
    if (folded.ok && typeof folded.value === "boolean") return folded.value !== negated ? [] : [{ kind: "false", node: e }];
    switch (e.kind) {
      case "UnaryExpr":
        if (e.op === "not") return this.atoms(e.operand, !negated);
        break;
      case "BinaryExpr": {
        if (e.op === "and" || e.op === "or") {
          const conj = (e.op === "and") !== negated;
          if (conj) return [...this.atoms(e.left, negated), ...this.atoms(e.right, negated)];
          return [{ kind: "or", branches: flatten(e, e.op).map((b) => this.atoms(b, negated)), node: e }];
        }
        const cmp = this.comparison(e, negated);
        if (cmp) return cmp;
        break;
      }
      case "HasExpr": {
        const owner = this.term(e.object);
        const reads = this.reads(e.object, "value");
        const path = owner?.path;
        if (path) {
          const field: Term = { key: `${owner.key}.${e.field.name}`, path: `${path}.${e.field.name}`, expr: e, integer: false };
          return [...reads, negated ? { kind: "absent", term: field, node: e } : { kind: "present", term: field, node: e }];
        }
        return reads;
      }
      default:
        break;
    }
    // a boolean-valued term: `args.flag` / `not args.flag` / `session.has(pii)`
    const t = this.term(e);
    if (t) return [...this.reads(e, "value"), { kind: "eq", term: t, value: !negated, node: e }];
    return this.reads(e, "value");
  }

  /** Facts of `==`, `!=`, `<`, `<=`, `>`, `>=`, `in` between a term and a literal. */
  private comparison(e: ast.BinaryExpr, negated: boolean): readonly Atom[] | null {
    const op = e.op;
    if (op === "in") {
      const t = this.term(e.left);
      const list = this.fold(e.right);
      if (!t || !list.ok || !Array.isArray(list.value) || !list.value.every(isScalar)) return null;
      const values = list.value as Scalar[];
      const base = this.reads(e.left, "defined");
      if (!negated) return [...base, { kind: "in", term: t, values, node: e }];
      return [...base, ...values.map((v): Atom => ({ kind: "ne", term: t, value: v, node: e }))];
    }
    if (op !== "==" && op !== "!=" && op !== "<" && op !== "<=" && op !== ">" && op !== ">=") return null;
    const l = this.fold(e.left);
    const r = this.fold(e.right);
    let term: ast.Expr;
    let lit: Value;
    let flipped = false;
    if (r.ok && !l.ok) {
      term = e.left;
      lit = r.value;
    } else if (l.ok && !r.ok) {
      term = e.right;
      lit = l.value;
      flipped = true;
    } else if (!l.ok && !r.ok) {
      // two terms: only `x op x` is understood
      const a = this.term(e.left);
      const b = this.term(e.right);
      const mode = op === "==" || op === "!=" ? "defined" : "value";
      const reads = [...this.reads(e.left, mode), ...this.reads(e.right, mode)];
      if (a && b && a.key === b.key) {
        const alwaysTrue = op === "==" || op === "<=" || op === ">=";
        return alwaysTrue !== negated ? reads : [...reads, { kind: "false", node: e }];
      }
      return reads;
    } else return null;
    const t = this.term(term);
    if (!t || !isScalar(lit)) return null;
    if (lit === null && (op === "==" || op === "!=")) {
      const isNull = (op === "==") !== negated;
      return [...this.reads(term, "none"), isNull ? { kind: "nullish", term: t, node: e } : { kind: "nonnull", term: t, node: e }];
    }
    if (op === "==" || op === "!=") {
      const eq = (op === "==") !== negated;
      return [...this.reads(term, "defined"), eq ? { kind: "eq", term: t, value: lit, node: e } : { kind: "ne", term: t, value: lit, node: e }];
    }
    const reads = this.reads(term, "value");
    if (typeof lit !== "number") return reads;
    let o: "<" | "<=" | ">" | ">=" = op;
    if (flipped) o = ({ "<": ">", "<=": ">=", ">": "<", ">=": "<=" } as const)[o];
    if (negated) o = ({ "<": ">=", "<=": ">", ">": "<=", ">=": "<" } as const)[o];
    return [...reads, { kind: "cmp", term: t, op: o, value: lit, node: e }];
  }

  /**
   * Terms `e` reads, in positions evaluated whenever `e` is (right sides of `and`/`or`/`??`
   * and lambda bodies are skipped): `value` where missing or null is an error, `defined`
   * where only missing is (`==`, `!=`, `in`). `mode` is what `e` itself must be.
   */
  private reads(e: ast.Expr, mode: "value" | "defined" | "none"): readonly Atom[] {
    const memo = this.readsOf[mode];
    let reads = memo.get(e);
    if (reads === undefined) {
      reads = this.computeReads(e, mode);
      memo.set(e, reads);
    }
    return reads;
  }

  private computeReads(e: ast.Expr, mode: "value" | "defined" | "none"): Atom[] {
    const out: Atom[] = [];
    const visit = (x: ast.Expr, need: "value" | "defined" | "none", depth: number): void => {
      if (depth > 64) return;
      const t = need === "none" ? null : this.term(x);
      if (t && t.path !== null) out.push({ kind: need === "value" ? "reads" : "defined", term: t, node: x });
      switch (x.kind) {
        case "MemberExpr":
          visit(x.object, "value", depth + 1);
          break;
        case "HasExpr":
          visit(x.object, "value", depth + 1);
          break;
        case "CallExpr":
          if (x.callee.kind === "MemberExpr") visit(x.callee.object, "value", depth + 1);
          for (const a of x.args) if (a.kind !== "LambdaExpr") visit(a, "value", depth + 1);
          break;
        case "UnaryExpr":
          visit(x.operand, "value", depth + 1);
          break;
        case "BinaryExpr":
          if (x.op === "and" || x.op === "or") visit(x.left, "value", depth + 1);
          else if (x.op === "??") visit(x.left, "none", depth + 1);
          else if (x.op === "==" || x.op === "!=") {
            const nullSide = x.left.kind === "NullLiteral" || x.right.kind === "NullLiteral";
            visit(x.left, nullSide ? "none" : "defined", depth + 1);
            visit(x.right, nullSide ? "none" : "defined", depth + 1);
          } else if (x.op === "in") {
            visit(x.left, "defined", depth + 1);
            visit(x.right, "value", depth + 1);
          } else {
            visit(x.left, "value", depth + 1);
            visit(x.right, "value", depth + 1);
          }
          break;
        case "ListLiteral":
          for (const el of x.elements) visit(el, "defined", depth + 1);
          break;
        case "RecordLiteral":
          for (const en of x.entries) visit(en.value, "defined", depth + 1);
          break;
        default:
          break;
      }
    };
    visit(e, mode, 0);
    return out;
  }

  /** The term of an expression that reads the request (null for constants and lambda parameters). */
  private term(e: ast.Expr): Term | null {
    let t = this.terms.get(e);
    if (t === undefined) {
      const key = termKey(e, this.model, 0);
      t = key === null ? null : { key, path: pathOf(e), expr: e, integer: isIntegerType(this.model.types.get(e)) };
      this.terms.set(e, t);
    }
    return t;
  }

  private text(n: ast.Expr): string {
    return this.model.document.text.slice(n.span.start, n.span.end).replace(/\s+/g, " ").trim();
  }

  // ------------------------------------------------------------------------- conflicts

  /** Why the conjunction of `atoms` can never hold, or null. */
  private conflict(atoms: readonly Atom[]): Conflict | null {
    if (++this.work > MAX_BRANCH_WORK) return null;
    const simple = atoms.filter((a) => a.kind !== "or");
    const found = this.simpleConflict(simple);
    if (found) return found;
    const ors = atoms.filter((a): a is Extract<Atom, { kind: "or" }> => a.kind === "or");
    if (ors.length === 0) return null;
    const [first, ...rest] = ors;
    const reasons: Conflict[] = [];
    for (const branch of first.branches) {
      const c = this.conflict([...simple, ...rest, ...branch]);
      if (!c) return null;
      reasons.push(c);
    }
    return { reason: `no branch of \`${this.text(first.node)}\` can hold: ${reasons[0].reason}`, nodes: reasons.flatMap((r) => r.nodes) };
  }

  private simpleConflict(atoms: readonly Atom[]): Conflict | null {
    const f = atoms.find((a) => a.kind === "false");
    if (f) return { reason: `\`${this.text(f.node)}\` is always false`, nodes: [f.node] };
    const byTerm = new Map<string, Atom[]>();
    for (const a of atoms) {
      if (a.kind === "false" || a.kind === "or") continue;
      const list = byTerm.get(a.term.key) ?? [];
      list.push(a);
      byTerm.set(a.term.key, list);
    }
    for (const list of byTerm.values()) {
      const c = this.termConflict(list);
      if (c) return c;
    }
    return null;
  }

  private termConflict(list: readonly Atom[]): Conflict | null {
    type A<K extends Atom["kind"]> = Extract<Atom, { kind: K }>;
    const of = <K extends Atom["kind"]>(k: K) => list.filter((a): a is A<K> => a.kind === k);
    const name = (a: Atom) => (a.kind === "false" || a.kind === "or" ? "" : this.text(a.term.expr));
    const absent = of("absent")[0];
    const nullish = of("nullish")[0];
    const needsValue = list.find((a) => a.kind === "reads" || a.kind === "nonnull" || a.kind === "cmp");
    const needsDefined = needsValue ?? list.find((a) => a.kind === "defined" || a.kind === "eq" || a.kind === "ne" || a.kind === "in");
    if (absent) {
      const present = of("present")[0];
      if (present) return { reason: `\`${name(absent)}\` cannot be both present and absent`, nodes: [present.node, absent.node] };
      if (needsDefined) return { reason: `it requires \`${name(absent)}\` to be absent and then reads it`, nodes: [absent.node, needsDefined.node] };
    }
    if (nullish) {
      // null == "a" is false and `null in [...]` is false unless the list holds null: missing errs, so both fail
      const clash =
        needsValue ??
        of("eq").find((a) => a.value !== null) ??
        of("in").find((a) => !a.values.includes(null));
      if (clash) return { reason: `it requires \`${name(nullish)}\` to be missing or null and then reads it`, nodes: [nullish.node, clash.node] };
    }

    const eqs = of("eq");
    const nes = of("ne");
    for (const e of eqs) {
      const other = eqs.find((x) => !sameScalar(x.value, e.value));
      if (other) return { reason: `\`${name(e)}\` cannot equal both ${show(e.value)} and ${show(other.value)}`, nodes: [e.node, other.node] };
      const ne = nes.find((x) => sameScalar(x.value, e.value));
      if (ne) return { reason: `\`${name(e)}\` cannot be both == and != ${show(e.value)}`, nodes: [e.node, ne.node] };
      for (const i of of("in"))
        if (!i.values.some((v) => sameScalar(v, e.value))) return { reason: `\`${name(e)}\` == ${show(e.value)} is not in the list it must be in`, nodes: [e.node, i.node] };
    }
    const ins = of("in");
    if (ins.length > 0) {
      let allowed: Scalar[] = [...ins[0].values];
      for (const i of ins.slice(1)) allowed = allowed.filter((v) => i.values.some((w) => sameScalar(v, w)));
      allowed = allowed.filter((v) => !nes.some((n) => sameScalar(n.value, v)));
      if (allowed.length === 0) {
        const reason = ins[0].values.length === 0 ? `\`${name(ins[0])}\` cannot be in an empty list` : `no value of \`${name(ins[0])}\` satisfies every list and \`!=\` it must`;
        return { reason, nodes: [...ins.map((i) => i.node), ...nes.map((n) => n.node)] };
      }
    }
    const fraction = eqs.find((e) => e.term.integer && typeof e.value === "number" && !Number.isInteger(e.value));
    if (fraction) return { reason: `\`${name(fraction)}\` is an integer and cannot equal ${show(fraction.value)}`, nodes: [fraction.node] };
    return this.intervalConflict(of("cmp"), eqs);
  }

  /** An empty numeric interval: the tightest lower bound is above the tightest upper bound. */
  private intervalConflict(cmps: readonly Extract<Atom, { kind: "cmp" }>[], eqs: readonly Extract<Atom, { kind: "eq" }>[]): Conflict | null {
    if (cmps.length === 0) return null;
    const integer = cmps.some((c) => c.term.integer);
    type Bound = { value: number; strict: boolean; atom: Extract<Atom, { kind: "cmp" }> };
    let lo: Bound | null = null;
    let hi: Bound | null = null;
    for (const c of cmps) {
      let value = c.value;
      let strict = c.op === ">" || c.op === "<";
      if (integer) {
        // for an integer: x > 3 is x >= 4, x > 3.5 is x >= 4, x < 3 is x <= 2
        if (c.op === ">" || c.op === ">=") value = strict ? Math.floor(value) + 1 : Math.ceil(value);
        else value = strict ? Math.ceil(value) - 1 : Math.floor(value);
        strict = false;
      }
      if (c.op === ">" || c.op === ">=") {
        if (!lo || value > lo.value || (value === lo.value && strict && !lo.strict)) lo = { value, strict, atom: c };
      } else if (!hi || value < hi.value || (value === hi.value && strict && !hi.strict)) hi = { value, strict, atom: c };
    }
    const name = this.text(cmps[0].term.expr);
    const fact = (a: Extract<Atom, { kind: "cmp" }>) => `${a.op} ${a.value}`;
    if (lo && hi && (lo.value > hi.value || (lo.value === hi.value && (lo.strict || hi.strict)))) {
      const kind = integer ? "an integer " : "";
      return { reason: `\`${name}\` cannot be ${kind}${fact(lo.atom)} and ${fact(hi.atom)} at once`, nodes: [lo.atom.node, hi.atom.node] };
    }
    for (const e of eqs) {
      if (typeof e.value !== "number") continue;
      const v = e.value;
      const below = lo !== null && (v < lo.value || (v === lo.value && lo.strict));
      const above = hi !== null && (v > hi.value || (v === hi.value && hi.strict));
      const bound = below ? lo : above ? hi : null;
      if (bound) return { reason: `\`${name}\` cannot be == ${v} and ${fact(bound.atom)} at once`, nodes: [e.node, bound.atom.node] };
    }
    return null;
  }
}

function flatten(e: ast.Expr, op: "and" | "or"): ast.Expr[] {
  const out: ast.Expr[] = [];
  const stack = [e];
  while (stack.length > 0) {
    const x = stack.pop()!;
    if (x.kind === "BinaryExpr" && x.op === op) stack.push(x.right, x.left);
    else out.push(x);
  }
  return out;
}

const ROOTS = new Set(["args", "ctx", "tool", "session", "agent"]);

/** `args.a.b` → "args.a.b"; null for anything else. */
function pathOf(e: ast.Expr): string | null {
  if (e.kind === "NameRef") return ROOTS.has(e.name) ? e.name : null;
  if (e.kind === "MemberExpr") {
    const p = pathOf(e.object);
    return p === null ? null : `${p}.${e.property.name}`;
  }
  return null;
}

/**
 * A structural key for a pure expression that reads the request; null when the expression
 * reads nothing of the request (a constant) or involves a lambda parameter.
 */
function termKey(e: ast.Expr, model: PolicyModel, depth: number): string | null {
  if (depth > 64) return null;
  let readsRequest = false;
  const key = (x: ast.Expr, d: number): string | null => {
    if (d > 64) return null;
    switch (x.kind) {
      case "StringLiteral":
        return JSON.stringify(x.value);
      case "NumberLiteral":
        return String(x.value);
      case "MoneyLiteral":
        return String(x.micros / 1_000_000);
      case "BooleanLiteral":
        return String(x.value);
      case "NullLiteral":
        return "null";
      case "NameRef":
        if (ROOTS.has(x.name)) {
          readsRequest = true;
          return x.name;
        }
        if (model.consts.has(x.name)) return `const:${x.name}`;
        if (model.labels.has(x.name)) return `label:${x.name}`;
        // a lambda parameter or a selector alias (`session.count(inv.*)`)
        return model.aliases.has(x.name) ? `alias:${x.name}` : null;
      case "MemberExpr": {
        const o = key(x.object, d + 1);
        return o === null ? null : `${o}.${x.property.name}`;
      }
      case "CallExpr": {
        const c = key(x.callee, d + 1);
        if (c === null) return null;
        const args: string[] = [];
        for (const a of x.args) {
          const k = a.kind === "LambdaExpr" ? null : key(a, d + 1);
          if (k === null) return null;
          args.push(k);
        }
        return `${c}(${args.join(",")})`;
      }
      case "UnaryExpr": {
        const o = key(x.operand, d + 1);
        return o === null ? null : `(${x.op} ${o})`;
      }
      case "BinaryExpr": {
        const l = key(x.left, d + 1);
        const r = key(x.right, d + 1);
        return l === null || r === null ? null : `(${l} ${x.op} ${r})`;
      }
      case "HasExpr": {
        const o = key(x.object, d + 1);
        return o === null ? null : `(${o} has ${x.field.name})`;
      }
      case "ListLiteral": {
        const els: string[] = [];
        for (const el of x.elements) {
          const k = key(el, d + 1);
          if (k === null) return null;
          els.push(k);
        }
        return `[${els.join(",")}]`;
      }
      default:
        return null;
    }
  };
  const k = key(e, depth);
  return k !== null && readsRequest ? k : null;
}

function isIntegerType(t: Type | undefined): boolean {
  if (!t) return false;
  if (t.kind === "integer") return true;
  if (t.kind === "union") return t.members.every((m) => m.kind === "integer" || m.kind === "null");
  return false;
}

function isScalar(v: unknown): v is Scalar {
  return v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean";
}

function sameScalar(a: Scalar, b: Scalar): boolean {
  return a === b;
}

function show(v: Scalar): string {
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}
