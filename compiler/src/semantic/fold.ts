/**
 * Compile-time evaluation of expressions that read no request: const values and the
 * records of `test` blocks. Semantics are LANGUAGE.md §8/§12, through the same runtime
 * built-ins the interpreter and generated guards use.
 *
 * Contract: never throws; an expression that reads a root, an unknown name, or fails
 * (an unparsable url, a type mismatch) yields `{ ok: false }` with the failing node.
 *
 * Folding every subexpression of a tree (what the analyses do) stays linear: the common
 * failure — the evaluation starts at a name without a value (`args.x ...`) — is found by
 * walking down the first-evaluated chain, without evaluating or throwing; and
 * `createFolder` remembers each expression's answer and the value of every constant
 * subexpression, so nothing is folded twice. The answers are exactly those of a plain
 * evaluation; the values `createFolder` returns are shared between calls and must not be
 * mutated.
 */
import {
  codePointLength,
  compileGlob,
  compileRegex,
  deepEqual,
  parseUrl,
  pathExt,
  pathName,
  pathNormalize,
  pathUnder,
  type UrlParts,
} from "@agentpolicy/runtime";
import type * as ast from "../syntax/ast.js";
import type { Value } from "./model.js";

export type FoldResult = { readonly ok: true; readonly value: Value } | { readonly ok: false; readonly message: string; readonly span: ast.Span };

/** The value of a const by name; undefined when it has none (unknown, cyclic or failed). */
export type ConstLookup = (name: string) => Value | undefined;

class UrlBox {
  constructor(readonly parts: UrlParts) {}
}
class PathBox {
  constructor(readonly raw: string) {}
}
type Internal = Value | UrlBox | PathBox;

class FoldError {
  constructor(
    readonly message: string,
    readonly span: ast.Span,
  ) {}
}

/** A remembered value of one node (evaluated without lambda parameters in scope). */
interface Memo {
  readonly value: Internal;
  /** How much deeper than the node the evaluation went (reusable while `depth + height <= MAX_DEPTH`). */
  readonly height: number;
}

interface Scope {
  readonly name: string;
  readonly value: Internal;
  readonly parent: Scope | null;
}

const MAX_DEPTH = 400;

/** Evaluates `expr` at compile time. */
export function foldExpr(expr: ast.Expr, consts: ConstLookup): FoldResult {
  return foldWith(new Folder(consts, null), expr);
}

/**
 * A memoizing `foldExpr` for expressions of one document under one `consts` (which must
 * answer the same for a name on every call): the same results, each expression's answer
 * computed once and the values of constant subexpressions reused.
 */
export function createFolder(consts: ConstLookup): (expr: ast.Expr) => FoldResult {
  const folder = new Folder(consts, new Map());
  const results = new Map<ast.Expr, FoldResult>();
  return (expr) => {
    let r = results.get(expr);
    if (r === undefined) {
      r = foldWith(folder, expr);
      results.set(expr, r);
    }
    return r;
  };
}

function foldWith(folder: Folder, expr: ast.Expr): FoldResult {
  const early = folder.firstFailure(expr);
  if (early !== null) return early;
  try {
    const v = folder.eval(expr, null, 0);
    if (v instanceof UrlBox || v instanceof PathBox) return { ok: false, message: "a `url(...)` or `path(...)` value is not a constant value", span: expr.span };
    return { ok: true, value: v };
  } catch (e) {
    if (e instanceof FoldError) return { ok: false, message: e.message, span: e.span };
    return { ok: false, message: e instanceof Error ? e.message : String(e), span: expr.span };
  }
}

const isRecord = (v: Internal): v is { readonly [k: string]: Value } =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof UrlBox) && !(v instanceof PathBox);

class Folder {
  private regexes = new Map<string, RegExp>();
  private globs = new Map<string, (s: string) => boolean>();
  /** The deepest `depth` any evaluation has reached (for the heights of memos). */
  private reached = 0;

  constructor(
    private readonly consts: ConstLookup,
    private readonly memo: Map<ast.Expr, Memo> | null,
  ) {}

  private fail(node: { span: ast.Span }, message: string): never {
    throw new FoldError(message, node.span);
  }

  /**
   * The failure an evaluation of `expr` (from the top, no lambda parameters in scope) starts
   * with when the first leaf it evaluates is a name without a compile-time value — by far
   * the most common failure (`args.x ...`) — found without evaluating anything; null when
   * the evaluation may go otherwise (then `eval` decides). Every step down follows what
   * `compute` evaluates first, at the depth it would, so the answer is exactly its failure.
   */
  firstFailure(expr: ast.Expr): FoldResult | null {
    let e = expr;
    for (let depth = 0; depth <= MAX_DEPTH; depth++) {
      switch (e.kind) {
        case "NameRef":
          return this.consts(e.name) === undefined ? { ok: false, message: `\`${e.name}\` has no value at compile time`, span: e.span } : null;
        case "MemberExpr":
        case "HasExpr":
          e = e.object;
          break;
        case "UnaryExpr":
          e = e.operand;
          break;
        case "BinaryExpr":
          e = e.left;
          break;
        case "CallExpr": {
          const callee = e.callee;
          if (callee.kind === "MemberExpr") e = callee.object;
          else if (callee.kind === "NameRef" && (callee.name === "url" || callee.name === "path") && e.args.length === 1) e = e.args[0];
          else return null;
          break;
        }
        case "ListLiteral":
          if (e.elements.length === 0) return null;
          e = e.elements[0];
          break;
        case "RecordLiteral":
          if (e.entries.length === 0) return null;
          e = e.entries[0].value;
          break;
        default:
          return null;
      }
    }
    return null;
  }

  /**
   * The value of `e`. With a memo, the value of a node evaluated without lambda parameters
   * in scope is kept and reused at any depth where the depth bound cannot be reached (where
   * evaluating it again would take exactly the same steps). Failures are not kept: they
   * unwind the whole evaluation.
   */
  eval(e: ast.Expr, scope: Scope | null, depth: number): Internal {
    if (depth > this.reached) this.reached = depth;
    const memo = this.memo;
    if (memo === null || scope !== null) return this.compute(e, scope, depth);
    const known = memo.get(e);
    if (known !== undefined && depth + known.height <= MAX_DEPTH) {
      if (depth + known.height > this.reached) this.reached = depth + known.height;
      return known.value;
    }
    const outer = this.reached;
    this.reached = depth;
    const value = this.compute(e, scope, depth);
    memo.set(e, { value, height: this.reached - depth });
    if (outer > this.reached) this.reached = outer;
    return value;
  }

  private compute(e: ast.Expr, scope: Scope | null, depth: number): Internal {
    if (depth > MAX_DEPTH) this.fail(e, "expression is nested too deeply");
    switch (e.kind) {
      case "StringLiteral":
      case "NumberLiteral":
      case "BooleanLiteral":
        return e.value;
      case "MoneyLiteral":
        return e.micros / 1_000_000;
      case "NullLiteral":
        return null;
      case "ListLiteral":
        return e.elements.map((el) => this.value(el, scope, depth + 1));
      case "RecordLiteral": {
        const out: { [k: string]: Value } = {};
        for (const entry of e.entries)
          Object.defineProperty(out, entry.key, { value: this.value(entry.value, scope, depth + 1), enumerable: true, writable: true, configurable: true });
        return out;
      }
      case "NameRef": {
        for (let s = scope; s; s = s.parent) if (s.name === e.name) return s.value;
        const v = this.consts(e.name);
        if (v === undefined) this.fail(e, `\`${e.name}\` has no value at compile time`);
        return v;
      }
      case "MemberExpr":
        return this.member(e, this.eval(e.object, scope, depth + 1));
      case "CallExpr":
        return this.call(e, scope, depth);
      case "UnaryExpr": {
        const v = this.eval(e.operand, scope, depth + 1);
        if (e.op === "not") {
          if (typeof v !== "boolean") this.fail(e.operand, "expected a boolean");
          return !v;
        }
        if (typeof v !== "number") this.fail(e.operand, "expected a number");
        return this.finite(e, -v);
      }
      case "BinaryExpr":
        return this.binary(e, scope, depth);
      case "HasExpr": {
        const v = this.eval(e.object, scope, depth + 1);
        if (!isRecord(v)) this.fail(e.object, "`has` needs a record");
        return Object.hasOwn(v, e.field.name);
      }
      case "LambdaExpr":
        return this.fail(e, "a lambda is not a value");
      default:
        return this.fail(e, "this expression has no value at compile time");
    }
  }

  private value(e: ast.Expr, scope: Scope | null, depth: number): Value {
    const v = this.eval(e, scope, depth);
    if (v instanceof UrlBox || v instanceof PathBox) this.fail(e, "a `url(...)` or `path(...)` value cannot be stored");
    return v;
  }

  private finite(node: { span: ast.Span }, n: number): number {
    if (!Number.isFinite(n)) this.fail(node, "the result is not a finite number");
    return n;
  }

  private member(e: ast.MemberExpr, obj: Internal): Internal {
    const name = e.property.name;
    if (obj instanceof UrlBox) {
      switch (name) {
        case "scheme":
          return obj.parts.scheme;
        case "host":
          return obj.parts.host;
        case "port":
          return obj.parts.port;
        case "path":
          return obj.parts.path;
        case "query":
          return obj.parts.query;
      }
      return this.fail(e.property, `a url has no member \`${name}\``);
    }
    if (obj instanceof PathBox) {
      switch (name) {
        case "normalized":
          return pathNormalize(obj.raw);
        case "name":
          return pathName(obj.raw);
        case "ext":
          return pathExt(obj.raw);
      }
      return this.fail(e.property, `a path has no member \`${name}\``);
    }
    if (typeof obj === "string" && name === "length") return codePointLength(obj);
    if (Array.isArray(obj) && name === "length") return obj.length;
    if (isRecord(obj)) {
      if (!Object.hasOwn(obj, name)) this.fail(e.property, `no field \`${name}\``);
      return obj[name];
    }
    return this.fail(e, `no member \`${name}\` here`);
  }

  private call(e: ast.CallExpr, scope: Scope | null, depth: number): Internal {
    const callee = e.callee;
    if (callee.kind === "NameRef" && (callee.name === "url" || callee.name === "path") && !this.inScope(scope, callee.name)) {
      if (e.args.length !== 1) this.fail(e, `\`${callee.name}()\` takes 1 argument`);
      const s = this.eval(e.args[0], scope, depth + 1);
      if (typeof s !== "string") this.fail(e.args[0], "expected a string");
      if (callee.name === "path") return new PathBox(s);
      try {
        return new UrlBox(parseUrl(s));
      } catch (err) {
        return this.fail(e.args[0], err instanceof Error ? err.message : "not a URL");
      }
    }
    if (callee.kind !== "MemberExpr") return this.fail(e, "only methods, `url()` and `path()` can be called");
    const method = callee.property.name;
    const recv = this.eval(callee.object, scope, depth + 1);
    const arg = (i: number): Internal => {
      if (e.args.length <= i) this.fail(e, `\`.${method}()\` is missing an argument`);
      return this.eval(e.args[i], scope, depth + 1);
    };
    const str = (i: number): string => {
      const v = arg(i);
      if (typeof v !== "string") this.fail(e.args[i], "expected a string");
      return v;
    };
    if (typeof recv === "string") {
      switch (method) {
        case "lower":
          return recv.toLowerCase();
        case "upper":
          return recv.toUpperCase();
        case "startsWith":
          return recv.startsWith(str(0));
        case "endsWith":
          return recv.endsWith(str(0));
        case "contains":
          return recv.includes(str(0));
        case "matches": {
          const p = str(0);
          let re = this.regexes.get(p);
          if (!re) {
            try {
              re = compileRegex(p);
            } catch {
              return this.fail(e.args[0], "invalid regular expression");
            }
            this.regexes.set(p, re);
          }
          re.lastIndex = 0;
          return re.test(recv);
        }
        case "glob": {
          const p = str(0);
          let g = this.globs.get(p);
          if (!g) {
            g = compileGlob(p);
            this.globs.set(p, g);
          }
          return g(recv);
        }
      }
    }
    if (Array.isArray(recv)) {
      switch (method) {
        case "contains": {
          const x = arg(0);
          return recv.some((el) => deepEqual(el, x));
        }
        case "any":
        case "all": {
          const lambda = e.args[0];
          if (!lambda || lambda.kind !== "LambdaExpr") return this.fail(e, `\`.${method}()\` takes a lambda`);
          for (const el of recv) {
            const r = this.eval(lambda.body, { name: lambda.param.name, value: el, parent: scope }, depth + 1);
            if (typeof r !== "boolean") this.fail(lambda.body, "expected a boolean");
            if (method === "any" && r) return true;
            if (method === "all" && !r) return false;
          }
          return method === "all";
        }
      }
    }
    if (recv instanceof PathBox && method === "under") return pathUnder(recv.raw, str(0));
    return this.fail(callee.property, `no method \`${method}\` here`);
  }

  private inScope(scope: Scope | null, name: string): boolean {
    for (let s = scope; s; s = s.parent) if (s.name === name) return true;
    return false;
  }

  private binary(e: ast.BinaryExpr, scope: Scope | null, depth: number): Internal {
    const left = () => this.eval(e.left, scope, depth + 1);
    const right = () => this.eval(e.right, scope, depth + 1);
    switch (e.op) {
      case "and":
      case "or": {
        const l = left();
        if (typeof l !== "boolean") this.fail(e.left, "expected a boolean");
        if (e.op === "and" ? !l : l) return l;
        const r = right();
        if (typeof r !== "boolean") this.fail(e.right, "expected a boolean");
        return r;
      }
      case "??": {
        const l = left();
        return l === null ? right() : l;
      }
      case "==":
      case "!=": {
        const eq = deepEqual(left(), right());
        return e.op === "==" ? eq : !eq;
      }
      case "in": {
        const l = left();
        const r = right();
        if (!Array.isArray(r)) this.fail(e.right, "the right side of `in` must be a list");
        return r.some((el) => deepEqual(el, l));
      }
      default: {
        const l = left();
        const r = right();
        if (typeof l !== "number") this.fail(e.left, "expected a number");
        if (typeof r !== "number") this.fail(e.right, "expected a number");
        switch (e.op) {
          case "<":
            return l < r;
          case "<=":
            return l <= r;
          case ">":
            return l > r;
          case ">=":
            return l >= r;
          case "+":
            return this.finite(e, l + r);
          case "-":
            return this.finite(e, l - r);
          case "*":
            return this.finite(e, l * r);
        }
        return this.fail(e, "unknown operator");
      }
    }
  }
}
