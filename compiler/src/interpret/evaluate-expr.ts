/**
 * The meaning of expressions (LANGUAGE.md §8 and §12 "Evaluation", "Missing and null",
 * "Values", "Strings, regexes, globs", "`url()` and `path()`"), written to be read.
 *
 * Contract: `evaluateExpr` and `evaluateCondition` never throw. An expression either
 * yields a value or is an *error* (a message); the caller decides what an error means
 * for its rule (§5 "Errors while evaluating") or limit key.
 *
 * Decisions this file fixes (the compiled guards follow the same rules):
 * - An arithmetic result (`+`, `-`, `*`, unary `-`) that is not a finite number (NaN or
 *   ±Infinity) is an evaluation error, so no non-JSON number ever flows on.
 * - A list or record literal with a missing element or field value is an error.
 * - `x has f` is an error when `x` is missing or null (or not a record).
 * - `a == b` / `a != b` / `a in b` err when a side is missing (`undefined`), unless one
 *   side is the literal `null` (then the result is "the other side is missing or null").
 * - A `when`, `unless`, `and`/`or`/`not` operand or lambda body that is not a boolean
 *   (a missing value included) is an error.
 * - `.matches` / `.glob` patterns must be a string literal or a const (§12), so a
 *   pattern never comes from a request.
 *
 * The same evaluator computes, at compile time, the values of consts and of the expressions
 * the checker and the analyses fold (`ConstantEvaluator`, used by `semantic/fold.ts`): there a
 * name has the value of the const it names or none, so the language has one meaning however
 * early an expression is evaluated.
 */
import {
  EvaluationError,
  codePointLength,
  compileGlob,
  compileRegex,
  deepEqual,
  parseUrl,
  pathExt,
  pathName,
  pathNormalize,
  pathUnder,
  sessionCount,
  sessionHas,
  type SessionView,
} from "@agentpolicy/runtime";
import type { ToolInfo } from "../manifest/types.js";
import type { PolicyModel } from "../semantic/model.js";
import type * as ast from "../syntax/ast.js";
import {
  AgentRoot,
  LabelRef,
  PathValue,
  SessionRoot,
  ToolRoot,
  UrlValue,
  describe,
  fieldOf,
  isAbsent,
  isList,
  isOpaque,
  isRecord,
  makeRecord,
} from "./values.js";

/** What a request puts in scope: `args`, `ctx` and `tool`. Absent for usage reports. */
export interface RequestScope {
  readonly args: unknown;
  readonly ctx: unknown;
  readonly tool: ToolInfo;
}

/** Everything an expression can read. */
export interface EvalEnv {
  readonly model: PolicyModel;
  /** null when evaluating outside a tool request (a `by` key of a usage charge). */
  readonly request: RequestScope | null;
  readonly agent: string;
  /** `session.id`: the request's `session`, `""` when absent. */
  readonly sessionId: string;
  readonly session: SessionView | undefined;
  readonly memo: EvalMemo;
}

export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

/**
 * What an interpreter computes once and keeps: compiled regexes and globs by pattern text
 * (patterns come only from the policy) and the values of consts (they read no request).
 */
export class EvalMemo {
  private readonly regexes = new Map<string, RegExp>();
  private readonly globs = new Map<string, (s: string) => boolean>();
  readonly consts = new Map<string, unknown>();

  regex(pattern: string): RegExp {
    let re = this.regexes.get(pattern);
    if (re === undefined) {
      re = compileRegex(pattern);
      this.regexes.set(pattern, re);
    }
    return re;
  }

  glob(pattern: string): (s: string) => boolean {
    let g = this.globs.get(pattern);
    if (g === undefined) {
      g = compileGlob(pattern);
      this.globs.set(pattern, g);
    }
    return g;
  }
}

/** Evaluates `expr`; any failure (including an unexpected exception) is an error outcome. */
export function evaluateExpr(expr: ast.Expr, env: EvalEnv): Outcome<unknown> {
  try {
    return { ok: true, value: new Evaluator(new RequestNames(env), env.memo).eval(expr, null) };
  } catch (e) {
    return { ok: false, message: errorMessage(e) };
  }
}

/** Evaluates a `when` / `unless` condition: a boolean, or an error (a non-boolean result is one). */
export function evaluateCondition(expr: ast.Expr, env: EvalEnv): Outcome<boolean> {
  try {
    const ev = new Evaluator(new RequestNames(env), env.memo);
    return { ok: true, value: ev.boolean(expr, ev.eval(expr, null)) };
  } catch (e) {
    return { ok: false, message: errorMessage(e) };
  }
}

function errorMessage(e: unknown): string {
  if (e instanceof EvaluationError) return e.message;
  if (e instanceof Error) return `evaluation failed: ${e.message}`;
  return "evaluation failed";
}

/** The value of a const by name at compile time; undefined when it has none (unknown, cyclic or failed). */
export type ConstLookup = (name: string) => unknown;

/** The detail of a compile-time failure at a name without a value (`args`, a label, an unknown name). */
export const noCompileTimeValue = (name: string): string => `\`${name}\` has no value at compile time`;

/**
 * An evaluation at compile time, before any request: names are consts (`consts`) or lambda
 * parameters, nothing else has a value. A failure names the node that failed, and its message
 * does not quote the expression (the caller points at the node instead).
 */
export class ConstantEvaluator {
  private readonly evaluator: Evaluator;

  /**
   * `consts` must answer the same for a name on every call. With `remember`, the value of every
   * subexpression evaluated outside a lambda is kept and reused (the values are shared and must
   * not be mutated), so evaluating every subexpression of a tree stays linear.
   */
  constructor(consts: ConstLookup, remember: boolean) {
    this.evaluator = new Evaluator(constNames(consts), new EvalMemo(), remember ? new Map() : null);
  }

  /** The value of `expr`, or why it has none and at which node (null: not known); never throws. */
  evaluate(expr: ast.Expr): { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string; readonly node: ast.Expr | null } {
    try {
      return { ok: true, value: this.evaluator.eval(expr, null) };
    } catch (e) {
      if (e instanceof ExprFailure) return { ok: false, message: e.detail, node: e.node };
      return { ok: false, message: e instanceof Error ? e.message : String(e), node: null };
    }
  }
}

/** A failure at `node`: `message` quotes the expression when the evaluation knows the text; `detail` does not. */
export class ExprFailure extends EvaluationError {
  constructor(
    message: string,
    readonly node: ast.Expr,
    readonly detail: string,
  ) {
    super(message);
  }
}

/** What the names of an expression mean where it is evaluated (lambda parameters aside). */
interface Names {
  /** The policy text, to quote a failing expression; null when not known. */
  readonly text: string | null;
  readonly session: SessionView | undefined;
  /** The value of `node`, a name that is no lambda parameter (fails through `ev.fail`). */
  value(node: ast.NameRef, ev: Evaluator): unknown;
  /** Whether `node` names a const (a pattern must be a string literal or a const). */
  isConst(node: ast.NameRef): boolean;
  /** The label `arg` names, or null. */
  label(arg: ast.Expr): string | null;
  /** The qualified tools the selector `arg` names, or null. */
  tools(arg: ast.Expr): readonly string[] | null;
}

type RootName = "args" | "ctx" | "tool" | "session" | "agent";

/** Names while deciding a request (or a usage charge): resolved by the checker's model. */
class RequestNames implements Names {
  readonly text: string;
  readonly session: SessionView | undefined;
  /** Consts being evaluated (a cycle is an error, though the checker rejects cycles first). */
  private readonly evaluating = new Set<string>();

  constructor(private readonly env: EvalEnv) {
    this.text = env.model.document.text;
    this.session = env.session;
  }

  value(node: ast.NameRef, ev: Evaluator): unknown {
    const model = this.env.model;
    const res = model.resolutions.get(node);
    if (res?.kind === "const") return this.constValue(node, res.name, ev);
    if (res?.kind === "label") return new LabelRef(res.name);
    if (res?.kind === "root") return this.root(node, res.root, ev);
    if (ROOTS.has(node.name)) return this.root(node, node.name as RootName, ev);
    if (model.consts.has(node.name)) return this.constValue(node, node.name, ev);
    if (model.labels.has(node.name)) return new LabelRef(node.name);
    return ev.fail(node, `\`${node.name}\` is not declared`);
  }

  isConst(node: ast.NameRef): boolean {
    return this.env.model.resolutions.get(node)?.kind === "const" || this.env.model.consts.has(node.name);
  }

  label(arg: ast.Expr): string | null {
    const res = this.env.model.resolutions.get(arg);
    if (res?.kind === "label") return res.name;
    if (arg.kind === "NameRef" && this.env.model.labels.has(arg.name)) return arg.name;
    return null;
  }

  tools(arg: ast.Expr): readonly string[] | null {
    return selectorTools(this.env.model, arg);
  }

  /** A const reads no request roots, so its value is the same for every request: evaluated once. */
  private constValue(node: ast.Expr, name: string, ev: Evaluator): unknown {
    const memo = this.env.memo.consts;
    if (memo.has(name)) return memo.get(name);
    const c = this.env.model.consts.get(name);
    if (c === undefined) return ev.fail(node, `no const is named \`${name}\``);
    if (this.evaluating.has(name)) return ev.fail(node, `const \`${name}\` depends on itself`);
    this.evaluating.add(name);
    try {
      const value = ev.eval(c.decl.value, null);
      memo.set(name, value);
      return value;
    } finally {
      this.evaluating.delete(name);
    }
  }

  private root(node: ast.Expr, name: RootName, ev: Evaluator): unknown {
    switch (name) {
      case "agent":
        return new AgentRoot(this.env.agent);
      case "session":
        return new SessionRoot(this.env.sessionId);
      default: {
        const req = this.env.request;
        if (req === null) return ev.fail(node, `\`${name}\` is not available here`);
        return name === "args" ? req.args : name === "ctx" ? req.ctx : new ToolRoot(req.tool);
      }
    }
  }
}

/** Names at compile time: a const's value, or no value at all. */
function constNames(consts: ConstLookup): Names {
  return {
    text: null,
    session: undefined,
    value(node, ev) {
      const v = consts(node.name);
      return v === undefined ? ev.fail(node, noCompileTimeValue(node.name)) : v;
    },
    isConst: (node) => consts(node.name) !== undefined,
    label: () => null,
    tools: () => null,
  };
}

/** Lambda parameters in scope, innermost first. */
interface Scope {
  readonly name: string;
  readonly value: unknown;
  readonly parent: Scope | null;
}

const ROOTS = new Set(["args", "ctx", "tool", "session", "agent"]);
const SNIPPET_MAX = 60;

class Evaluator {
  constructor(
    private readonly names: Names,
    private readonly memo: EvalMemo,
    /** Values of subexpressions evaluated outside a lambda (compile time only: they read no request). */
    private readonly values: Map<ast.Expr, unknown> | null = null,
  ) {}

  eval(node: ast.Expr, scope: Scope | null): unknown {
    const values = this.values;
    if (values === null || scope !== null) return this.compute(node, scope);
    if (values.has(node)) return values.get(node);
    const value = this.compute(node, scope);
    values.set(node, value);
    return value;
  }

  private compute(node: ast.Expr, scope: Scope | null): unknown {
    switch (node.kind) {
      case "StringLiteral":
        return node.value;
      case "NumberLiteral":
        return node.value;
      case "MoneyLiteral":
        // A money literal in an expression is a number of dollars (§12 "Values").
        return node.micros / 1_000_000;
      case "BooleanLiteral":
        return node.value;
      case "NullLiteral":
        return null;
      case "ListLiteral":
        return node.elements.map((el) => this.present(el, this.eval(el, scope), "a list element"));
      case "RecordLiteral":
        return makeRecord(node.entries.map((en) => [en.key, this.present(en.value, this.eval(en.value, scope), `field \`${en.key}\``)] as const));
      case "NameRef":
        for (let s = scope; s !== null; s = s.parent) if (s.name === node.name) return s.value;
        return this.names.value(node, this);
      case "MemberExpr":
        return this.member(node, this.eval(node.object, scope));
      case "CallExpr":
        return this.call(node, scope);
      case "LambdaExpr":
        return this.fail(node, "a lambda is not a value; it stands only as the argument of `.any` or `.all`");
      case "UnaryExpr":
        return this.unary(node, scope);
      case "BinaryExpr":
        return this.binary(node, scope);
      case "HasExpr":
        return this.has(node, scope);
      case "ErrorExpr":
        return this.fail(node, "this expression did not parse");
    }
  }

  /** A condition value: must be a boolean. */
  boolean(node: ast.Expr, v: unknown): boolean {
    if (typeof v !== "boolean") this.fail(node, `expected a boolean, found ${describe(v)}`);
    return v;
  }

  // ------------------------------------------------------------------ member access

  private member(node: ast.MemberExpr, object: unknown): unknown {
    const name = node.property.name;
    if (object === undefined || object === null) {
      return this.fail(node, `cannot read \`${name}\` of ${describe(object)}${this.quoted(node.object)}`);
    }
    if (object instanceof ToolRoot) return this.toolMember(node, object.info, name);
    if (object instanceof AgentRoot && name === "id") return object.id;
    if (object instanceof SessionRoot && name === "id") return object.id;
    if (object instanceof UrlValue) {
      const p = object.parts;
      switch (name) {
        case "scheme":
          return p.scheme;
        case "host":
          return p.host;
        case "port":
          return p.port;
        case "path":
          return p.path;
        case "query":
          return p.query;
      }
    }
    if (object instanceof PathValue) {
      switch (name) {
        case "normalized":
          return pathNormalize(object.raw);
        case "name":
          return pathName(object.raw);
        case "ext":
          return pathExt(object.raw);
      }
    }
    if (typeof object === "string" && name === "length") return codePointLength(object);
    if (isList(object) && name === "length") return object.length;
    if (isRecord(object)) return fieldOf(object, name);
    return this.fail(node, `${describe(object)} has no member \`${name}\``);
  }

  private toolMember(node: ast.MemberExpr, info: ToolInfo, name: string): unknown {
    switch (name) {
      case "name":
        return info.name;
      case "alias":
        return info.alias;
      case "readOnly":
        return info.annotations.readOnly;
      case "destructive":
        return info.annotations.destructive;
      case "idempotent":
        return info.annotations.idempotent;
      case "openWorld":
        return info.annotations.openWorld;
    }
    return this.fail(node, `\`tool\` has no member \`${name}\``);
  }

  private has(node: ast.HasExpr, scope: Scope | null): boolean {
    const object = this.eval(node.object, scope);
    if (!isRecord(object)) return this.fail(node, `\`has\` needs a record, found ${describe(object)}`);
    return Object.hasOwn(object, node.field.name);
  }

  // ------------------------------------------------------------------ calls

  private call(node: ast.CallExpr, scope: Scope | null): unknown {
    const callee = node.callee;
    if (callee.kind === "NameRef" && (callee.name === "url" || callee.name === "path") && !inScope(scope, callee.name)) {
      this.arity(node, 1);
      const s = this.eval(node.args[0], scope);
      if (typeof s !== "string") return this.fail(node, `\`${callee.name}()\` needs a string, found ${describe(s)}`);
      if (callee.name === "path") return new PathValue(s);
      try {
        return new UrlValue(parseUrl(s));
      } catch (e) {
        // an unparsable URL is an evaluation error (§8), at the argument
        return this.fail(node.args[0], e instanceof Error ? e.message : "not a URL");
      }
    }
    if (callee.kind !== "MemberExpr") return this.fail(node, "only methods, `url()` and `path()` can be called");
    const method = callee.property.name;
    const receiver = this.eval(callee.object, scope);
    if (receiver instanceof SessionRoot) return this.sessionMethod(node, method);
    if (receiver === undefined || receiver === null) {
      return this.fail(node, `cannot call \`.${method}()\` on ${describe(receiver)}${this.quoted(callee.object)}`);
    }
    if (typeof receiver === "string") return this.stringMethod(node, receiver, method, scope);
    if (isList(receiver)) return this.listMethod(node, receiver, method, scope);
    if (receiver instanceof PathValue && method === "under") {
      this.arity(node, 1);
      const dir = this.eval(node.args[0], scope);
      if (typeof dir !== "string") return this.fail(node, `\`.under()\` needs a string, found ${describe(dir)}`);
      return pathUnder(receiver.raw, dir);
    }
    return this.fail(node, `${describe(receiver)} has no method \`.${method}()\``);
  }

  private stringMethod(node: ast.CallExpr, s: string, method: string, scope: Scope | null): unknown {
    switch (method) {
      case "lower":
        this.arity(node, 0);
        // toLowerCase / toUpperCase are locale-independent (unlike toLocale*).
        return s.toLowerCase();
      case "upper":
        this.arity(node, 0);
        return s.toUpperCase();
      case "startsWith":
        return s.startsWith(this.stringArg(node, method, scope));
      case "endsWith":
        return s.endsWith(this.stringArg(node, method, scope));
      case "contains":
        return s.includes(this.stringArg(node, method, scope));
      case "matches":
        // Unanchored unless the pattern anchors itself; `u` flag, no `g`, so `test` is stateless.
        return this.memo.regex(this.patternArg(node, method, scope)).test(s);
      case "glob":
        return this.memo.glob(this.patternArg(node, method, scope))(s);
    }
    return this.fail(node, `a string has no method \`.${method}()\``);
  }

  private listMethod(node: ast.CallExpr, list: readonly unknown[], method: string, scope: Scope | null): unknown {
    switch (method) {
      case "contains": {
        this.arity(node, 1);
        const x = this.present(node.args[0], this.eval(node.args[0], scope), "the argument of `.contains()`");
        return list.some((el) => deepEqual(el, x));
      }
      case "any":
      case "all": {
        this.arity(node, 1);
        const lambda = node.args[0];
        if (lambda.kind !== "LambdaExpr") return this.fail(node, `\`.${method}()\` takes a lambda \`x => ...\``);
        const stopOn = method === "any"; // .any stops at the first true, .all at the first false
        for (let i = 0; i < list.length; i++) {
          const inner: Scope = { name: lambda.param.name, value: list[i], parent: scope };
          if (this.boolean(lambda.body, this.eval(lambda.body, inner)) === stopOn) return stopOn;
        }
        return !stopOn;
      }
    }
    return this.fail(node, `a list has no method \`.${method}()\``);
  }

  private sessionMethod(node: ast.CallExpr, method: string): unknown {
    if (method === "has") {
      this.arity(node, 1);
      return sessionHas(this.names.session, this.labelArg(node.args[0]));
    }
    if (method === "count") {
      this.arity(node, 1);
      const tools = this.names.tools(node.args[0]);
      return tools === null ? this.fail(node.args[0], "`session.count()` takes a tool selector") : sessionCount(this.names.session, tools);
    }
    return this.fail(node, `\`session\` has no method \`.${method}()\``);
  }

  private labelArg(arg: ast.Expr): string {
    const label = this.names.label(arg);
    if (label !== null) return label;
    const v = this.eval(arg, null);
    if (v instanceof LabelRef) return v.name;
    return this.fail(arg, "`session.has()` takes a label name");
  }

  private arity(node: ast.CallExpr, n: number): void {
    if (node.args.length !== n) this.fail(node, `expected ${n} argument${n === 1 ? "" : "s"}, found ${node.args.length}`);
  }

  private stringArg(node: ast.CallExpr, method: string, scope: Scope | null): string {
    this.arity(node, 1);
    const v = this.eval(node.args[0], scope);
    if (typeof v !== "string") return this.fail(node, `\`.${method}()\` needs a string, found ${describe(v)}`);
    return v;
  }

  /** A pattern of `.matches` / `.glob`: a string literal or a const (§12), never a request value. */
  private patternArg(node: ast.CallExpr, method: string, scope: Scope | null): string {
    this.arity(node, 1);
    const arg = node.args[0];
    const fixed =
      arg.kind === "StringLiteral" ||
      (arg.kind === "NameRef" && !inScope(scope, arg.name) && this.names.isConst(arg));
    if (!fixed) return this.fail(node, `the pattern of \`.${method}()\` must be a string literal or a const`);
    const v = this.eval(arg, scope);
    if (typeof v !== "string") return this.fail(node, `the pattern of \`.${method}()\` must be a string, found ${describe(v)}`);
    return v;
  }

  // ------------------------------------------------------------------ operators

  private unary(node: ast.UnaryExpr, scope: Scope | null): unknown {
    const v = this.eval(node.operand, scope);
    if (node.op === "not") return !this.boolean(node.operand, v);
    return this.finite(node, -this.number(node.operand, v));
  }

  private binary(node: ast.BinaryExpr, scope: Scope | null): unknown {
    switch (node.op) {
      case "and": {
        // Left to right, short-circuit: a skipped operand cannot err (§12).
        if (!this.boolean(node.left, this.eval(node.left, scope))) return false;
        return this.boolean(node.right, this.eval(node.right, scope));
      }
      case "or": {
        if (this.boolean(node.left, this.eval(node.left, scope))) return true;
        return this.boolean(node.right, this.eval(node.right, scope));
      }
      case "??": {
        // The right side is evaluated only when the left is missing or null.
        const left = this.eval(node.left, scope);
        return isAbsent(left) ? this.eval(node.right, scope) : left;
      }
      case "==":
        return this.equals(node, scope);
      case "!=":
        return !this.equals(node, scope);
      case "in": {
        const x = this.eval(node.left, scope);
        const list = this.eval(node.right, scope);
        this.present(node.left, x, "the left side of `in`");
        if (!isList(list)) return this.fail(node.right, `the right side of \`in\` must be a list, found ${describe(list)}`);
        return list.some((el) => deepEqual(x, el));
      }
      case "<":
      case "<=":
      case ">":
      case ">=": {
        const a = this.eval(node.left, scope);
        const b = this.eval(node.right, scope);
        const x = this.number(node.left, a);
        const y = this.number(node.right, b);
        return node.op === "<" ? x < y : node.op === "<=" ? x <= y : node.op === ">" ? x > y : x >= y;
      }
      case "+":
      case "-":
      case "*": {
        const a = this.eval(node.left, scope);
        const b = this.eval(node.right, scope);
        const x = this.number(node.left, a);
        const y = this.number(node.right, b);
        return this.finite(node, node.op === "+" ? x + y : node.op === "-" ? x - y : x * y);
      }
    }
  }

  /**
   * `a == b`. With the literal `null` on a side: true when the other side is missing or
   * null. Otherwise both sides must be present, and they compare deeply (`-0 == 0`).
   */
  private equals(node: ast.BinaryExpr, scope: Scope | null): boolean {
    if (node.right.kind === "NullLiteral") return isAbsent(this.eval(node.left, scope));
    if (node.left.kind === "NullLiteral") return isAbsent(this.eval(node.right, scope));
    const a = this.eval(node.left, scope);
    const b = this.eval(node.right, scope);
    this.present(node.left, a, "the left side of the comparison");
    this.present(node.right, b, "the right side of the comparison");
    if (isOpaque(a) || isOpaque(b)) return this.fail(node, `cannot compare ${describe(a)} with ${describe(b)}`);
    return deepEqual(a, b);
  }

  // ------------------------------------------------------------------ checks

  private number(node: ast.Expr, v: unknown): number {
    if (typeof v !== "number") this.fail(node, `expected a number, found ${describe(v)}`);
    return v;
  }

  /** INVARIANT: arithmetic never yields NaN or ±Infinity; such a result is an evaluation error. */
  private finite(node: ast.Expr, n: number): number {
    if (!Number.isFinite(n)) this.fail(node, `the result is not a finite number (${n})`);
    return n;
  }

  /** A value that must not be missing (a missing value where one is needed is an error). */
  private present(node: ast.Expr, v: unknown, what: string): unknown {
    if (v === undefined) this.fail(node, `${what} is missing`);
    if (isOpaque(v)) this.fail(node, `${what} cannot be ${describe(v)}`);
    return v;
  }

  /** ` \`EXPR\`` when the policy text is known, else nothing. */
  private quoted(node: ast.Expr): string {
    return this.names.text === null ? "" : ` \`${snippet(this.names.text, node)}\``;
  }

  fail(node: ast.Expr, detail: string): never {
    const text = this.names.text;
    throw new ExprFailure(text === null ? detail : `\`${snippet(text, node)}\`: ${detail}`, node, detail);
  }
}

function snippet(policyText: string, node: ast.Expr): string {
  const text = policyText.slice(node.span.start, node.span.end).replace(/\s+/g, " ");
  return text.length > SNIPPET_MAX ? `${text.slice(0, SNIPPET_MAX - 1)}…` : text;
}

function inScope(scope: Scope | null, name: string): boolean {
  for (let s = scope; s !== null; s = s.parent) if (s.name === name) return true;
  return false;
}

/**
 * The qualified tools the selector written as `arg` (the argument of `session.count(...)`) names:
 * `*`, `ALIAS.*` or a tool, as the checker resolved it or as written; null when it names none.
 */
export function selectorTools(model: PolicyModel, arg: ast.Expr): readonly string[] | null {
  const res = model.resolutions.get(arg);
  if (res?.kind === "tool") return [res.qualified];
  if (res?.kind === "alias") return toolsOfAlias(model, res.alias);
  const text = selectorText(arg);
  if (text === "*") return [...model.tools.keys()];
  if (text !== null) {
    if (text.endsWith(".*")) {
      const alias = text.slice(0, -2);
      if (model.aliases.has(alias)) return toolsOfAlias(model, alias);
    } else if (model.tools.has(text)) {
      return [text];
    }
  }
  return null;
}

function toolsOfAlias(model: PolicyModel, alias: string): string[] {
  const out: string[] = [];
  for (const [q, info] of model.tools) if (info.alias === alias) out.push(q);
  return out;
}

/** `*`, `inv.*` or `inv.search` as written in an expression position, or null. */
function selectorText(e: ast.Expr): string | null {
  if (e.kind === "NameRef") return e.name;
  if (e.kind === "MemberExpr" && e.object.kind === "NameRef") return `${e.object.name}.${e.property.name}`;
  return null;
}
