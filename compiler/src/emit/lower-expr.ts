/**
 * Lowering of checked expressions into the guard plan's IR (ir.ts), specialized for one
 * tool (so `tool.*` members and the schema of `args` are constants).
 *
 * Contract: `lowerCondition` never throws and yields IR that computes exactly what the
 * reference interpreter (interpret/evaluate-expr.ts) computes, or throws an
 * `EvaluationError` at run time exactly where the interpreter reports an error.
 *
 * - Closed subexpressions (no request root, no lambda parameter) are folded by running the
 *   reference interpreter itself at compile time; a folding error becomes a run-time
 *   `raise` with the interpreter's own message, so short-circuiting still skips it.
 * - Run-time checks are dropped where the validated schema proves them: a required,
 *   non-nullable field of a validated record is present, of its schema's kind.
 * - Narrowing: `has`, `!= null`, `== LITERAL` facts flow through `and`/`or`/`not` and from
 *   `when` into `unless`, so a guarded optional field is read without a missing-check.
 * - `err` is true whenever evaluation may throw; a rule whose conditions cannot throw may be
 *   skipped once its effect cannot change the verdict.
 */
import type { ToolInfo, Type } from "../manifest/types.js";
import { deepEqual } from "@agentpolicy/runtime";
import { EvalMemo, evaluateExpr, selectorTools, type EvalEnv } from "../interpret/evaluate-expr.js";
import { isOpaque } from "../interpret/values.js";
import type { PolicyModel } from "../semantic/model.js";
import type * as ast from "../syntax/ast.js";
import type { Hoister, NameTable } from "./hoist.js";
import { type Ex, type TsType, call, cast, lit, tsOf } from "./ir.js";
import {
  type Shape,
  type ValueKind,
  elementOf,
  fieldOf,
  onlyKind,
  primitiveOnly,
  shapeOf,
  stripNull,
  typeOfValue,
  unionOf,
} from "./static-types.js";

/** What a lowered expression stands for. */
export type Info =
  | { readonly kind: "value"; readonly t: Type; readonly missing: boolean }
  | { readonly kind: "url" }
  /** `path(s)`: the IR is the string `s`. */
  | { readonly kind: "path" }
  | { readonly kind: "tool" }
  | { readonly kind: "session" }
  | { readonly kind: "agent" }
  | { readonly kind: "label"; readonly name: string }
  /** Always throws. */
  | { readonly kind: "never" };

export interface Lowered {
  readonly ex: Ex;
  readonly info: Info;
  /** May throw at run time. */
  readonly err: boolean;
  /** The compile-time value, when folded. */
  readonly konst?: { readonly value: unknown };
}

/** A free variable a lambda function receives: a request root or an outer lambda parameter. */
export interface FreeVar {
  readonly name: string;
  readonly ts: "record" | "request" | "session" | "unknown";
}

/** `.any` / `.all` compiled into a module-level loop function (no closure per call). */
export interface LambdaFn {
  readonly name: string;
  readonly kind: "any" | "all";
  readonly param: string;
  readonly body: Ex;
  readonly free: readonly FreeVar[];
}

/** Local helper functions of the generated module that IR may call. */
export const LOCAL_HELPERS = [
  "raise",
  "describe",
  "fail",
  "str",
  "num",
  "bool",
  "list",
  "rec",
  "present",
  "fin",
  "own",
  "member",
  "len",
  "contains",
  "listHas",
  "makeRecord",
  "cpLength",
  "SURROGATE",
] as const;

/** Variables of rule and lambda functions (never used as lambda parameter names). */
export const ROOT_VARS = ["args", "ctx", "request", "session", "items", "i"] as const;

interface Binding {
  readonly name: string;
  readonly js: string;
  readonly t: Type;
  readonly key: string;
  readonly parent: Binding | null;
}

interface Fact {
  readonly present: boolean;
  readonly nonNull: boolean;
}
type Facts = ReadonlyMap<string, Fact>;
const NO_FACTS: Facts = new Map();

interface Env {
  readonly scope: Binding | null;
  readonly facts: Facts;
}

const SNIPPET_MAX = 60;

/** Per generated function: where lowering records what it needs. */
export class LowerContext {
  /** Variables the lowered code reads (`args`, `ctx`, `request`, `session`, lambda parameters). */
  uses = new Set<string>();
  readonly lambdas: LambdaFn[] = [];
  private bindingCount = 0;
  private lambdaCount = 0;

  constructor(
    readonly model: PolicyModel,
    /** The tool the code is specialized for; null outside a request (usage `by` keys). */
    readonly tool: ToolInfo | null,
    readonly hoist: Hoister,
    readonly names: NameTable,
    /** Base of the names of lambda functions. */
    readonly fnBase: string,
    readonly memo: EvalMemo,
  ) {}

  nextKey(): string {
    return `λ${++this.bindingCount}`;
  }

  /** `BASE__any1`: derived names contain `__`, which `identifier()` never produces, so they collide with nothing. */
  lambdaName(kind: "any" | "all"): string {
    return `${this.fnBase}__${kind}${++this.lambdaCount}`;
  }
}

/** A `when` / `unless` condition: a boolean or an error. `facts` come from an enclosing `when`. */
export function lowerCondition(expr: ast.Expr, cx: LowerContext, facts: Facts = NO_FACTS): Lowered {
  return need(cx, lower(expr, cx, { scope: null, facts }), "boolean", expr);
}

/** A `by` key: any value (the caller checks it is present and serializable). */
export function lowerValue(expr: ast.Expr, cx: LowerContext): Lowered {
  return lower(expr, cx, { scope: null, facts: NO_FACTS });
}

/** Facts that hold after `expr` evaluated to `value` (for `when` → `unless`). */
export function factsAfter(expr: ast.Expr, value: boolean, cx: LowerContext, base: Facts = NO_FACTS): Facts {
  return merge(base, factsWhen(expr, value, cx, null));
}

// ---------------------------------------------------------------- lowering

function lower(e: ast.Expr, cx: LowerContext, env: Env): Lowered {
  if (isClosed(e, cx, new Set())) {
    const folded = fold(e, cx);
    if (folded !== null) return folded;
  }
  switch (e.kind) {
    case "StringLiteral":
      return konst(e.value, cx, "str");
    case "NumberLiteral":
      return konst(e.value, cx, "num");
    case "MoneyLiteral":
      return konst(e.micros / 1_000_000, cx, "num");
    case "BooleanLiteral":
      return konst(e.value, cx, "bool");
    case "NullLiteral":
      return konst(null, cx, "null");
    case "ListLiteral":
      return lowerList(e, cx, env);
    case "RecordLiteral":
      return lowerRecord(e, cx, env);
    case "NameRef":
      return lowerName(e, cx, env);
    case "MemberExpr":
      return lowerMember(e, cx, env);
    case "CallExpr":
      return lowerCall(e, cx, env);
    case "LambdaExpr":
      return raise(cx, e, "a lambda is not a value; it stands only as the argument of `.any` or `.all`");
    case "UnaryExpr":
      return lowerUnary(e, cx, env);
    case "BinaryExpr":
      return lowerBinary(e, cx, env);
    case "HasExpr":
      return lowerHas(e, cx, env);
    case "ErrorExpr":
      return raise(cx, e, "this expression did not parse");
  }
}

// ---------------------------------------------------------------- folding

/** True when `e` reads no request root, no lambda parameter bound outside it and no label. */
function isClosed(e: ast.Expr, cx: LowerContext, bound: Set<string>): boolean {
  switch (e.kind) {
    case "StringLiteral":
    case "NumberLiteral":
    case "MoneyLiteral":
    case "BooleanLiteral":
    case "NullLiteral":
      return true;
    case "ErrorExpr":
      return false;
    case "ListLiteral":
      return e.elements.every((x) => isClosed(x, cx, bound));
    case "RecordLiteral":
      return e.entries.every((x) => isClosed(x.value, cx, bound));
    case "NameRef": {
      if (bound.has(e.name)) return true;
      const res = cx.model.resolutions.get(e);
      if (res?.kind === "const") return true;
      if (res !== undefined) return false;
      return cx.model.consts.has(e.name) && !ROOTS.has(e.name);
    }
    case "MemberExpr":
      return isClosed(e.object, cx, bound);
    case "CallExpr": {
      const c = e.callee;
      const calleeClosed =
        c.kind === "NameRef" ? (c.name === "url" || c.name === "path") && !bound.has(c.name) && !isRootName(c, cx) : isClosed(c, cx, bound);
      return calleeClosed && e.args.every((a) => isClosed(a, cx, bound));
    }
    case "LambdaExpr": {
      const inner = new Set(bound);
      inner.add(e.param.name);
      return isClosed(e.body, cx, inner);
    }
    case "UnaryExpr":
      return isClosed(e.operand, cx, bound);
    case "BinaryExpr":
      return isClosed(e.left, cx, bound) && isClosed(e.right, cx, bound);
    case "HasExpr":
      return isClosed(e.object, cx, bound);
  }
}

const ROOTS = new Set(["args", "ctx", "tool", "session", "agent"]);

function isRootName(n: ast.NameRef, cx: LowerContext): boolean {
  const res = cx.model.resolutions.get(n);
  return res?.kind === "root" || (res === undefined && ROOTS.has(n.name));
}

/** Runs the reference interpreter on a closed expression; null when the value is opaque (lowered structurally). */
function fold(e: ast.Expr, cx: LowerContext): Lowered | null {
  const env: EvalEnv = { model: cx.model, request: null, agent: "", sessionId: "", session: undefined, memo: cx.memo };
  const r = evaluateExpr(e, env);
  if (!r.ok) return { ex: call("raise", [lit(r.message)], "never"), info: { kind: "never" }, err: true };
  if (isOpaque(r.value)) return null;
  if (!isJson(r.value, 0)) return null;
  return konst(r.value, cx, hintOf(e));
}

function isJson(v: unknown, depth: number): boolean {
  if (depth > 64) return false;
  if (v === undefined || v === null || typeof v === "string" || typeof v === "boolean") return true;
  if (typeof v === "number") return Number.isFinite(v);
  if (Array.isArray(v)) return v.every((x) => x !== undefined && isJson(x, depth + 1));
  if (typeof v === "object" && !isOpaque(v)) return Object.values(v as object).every((x) => isJson(x, depth + 1));
  return false;
}

function hintOf(e: ast.Expr): string {
  if (e.kind === "NameRef") return e.name;
  return e.kind === "ListLiteral" ? "list" : e.kind === "RecordLiteral" ? "record" : "value";
}

function konst(value: unknown, cx: LowerContext, hint: string): Lowered {
  const info: Info = { kind: "value", t: value === undefined ? { kind: "never" } : typeOfValue(value), missing: value === undefined };
  if (value === undefined || value === null || typeof value !== "object") {
    return { ex: lit(value as string | number | boolean | null | undefined), info, err: false, konst: { value } };
  }
  const name = cx.hoist.json(value, hint);
  return { ex: { k: "name", name, ts: Array.isArray(value) ? "list" : "record", ref: false }, info, err: false, konst: { value } };
}

function raise(cx: LowerContext, node: ast.Expr, message: string): Lowered {
  return { ex: call("raise", [lit(`\`${snippet(cx, node)}\`: ${message}`)], "never"), info: { kind: "never" }, err: true };
}

export function snippet(cx: LowerContext, node: { readonly span: ast.Span }): string {
  const text = cx.model.document.text.slice(node.span.start, node.span.end).replace(/\s+/g, " ");
  return text.length > SNIPPET_MAX ? `${text.slice(0, SNIPPET_MAX - 1)}…` : text;
}

// ---------------------------------------------------------------- checks

function shape(l: Lowered): Shape | null {
  return l.info.kind === "value" ? shapeOf(l.info.t) : null;
}

const CHECK_FN: Record<ValueKind, string> = { string: "str", number: "num", boolean: "bool", list: "list", record: "rec" };

/** `l` as a value of kind `k`: a cast where validation proves it, else a checking helper. */
function need(cx: LowerContext, l: Lowered, k: ValueKind, node: ast.Expr): Lowered {
  const ts: TsType = k;
  if (l.info.kind === "never") return { ...l, ex: cast(l.ex, ts) };
  if (l.info.kind !== "value") {
    return raise(cx, node, `expected a ${k === "list" ? "list" : k === "record" ? "record" : k}, found ${opaqueName(l.info)}`);
  }
  const s = shapeOf(l.info.t);
  const sure = onlyKind(s, k) && !s.nullable && !l.info.missing;
  const t: Type = narrowTo(l.info.t, k);
  if (sure) return { ex: cast(l.ex, ts), info: { kind: "value", t, missing: false }, err: l.err };
  return { ex: call(CHECK_FN[k], [l.ex, lit(snippet(cx, node))], ts), info: { kind: "value", t, missing: false }, err: true };
}

function narrowTo(t: Type, k: ValueKind): Type {
  const s = stripNull(t);
  if (s.kind === "union") {
    const ms = s.members.filter((m) => onlyKind(shapeOf(m), k));
    return ms.length === 0 ? { kind: "any" } : unionOf(ms);
  }
  return onlyKind(shapeOf(s), k) ? s : k === "list" ? { kind: "list", element: { kind: "any" } } : s.kind === "any" ? s : { kind: "any" };
}

/** `l` must not be missing (`present` helper), for `==`, `in`, `.contains`, list elements. */
function needPresent(cx: LowerContext, l: Lowered, node: ast.Expr, what: string): Lowered {
  if (l.info.kind === "never") return l;
  if (l.info.kind !== "value") return raise(cx, node, `${what} cannot be ${opaqueName(l.info)}`);
  if (!l.info.missing) return l;
  return {
    ex: call("present", [l.ex, lit(`\`${snippet(cx, node)}\`: ${what} is missing`)], tsOf(l.ex) === "undefined" ? "never" : tsOf(l.ex)),
    info: { kind: "value", t: l.info.t, missing: false },
    err: true,
  };
}

function opaqueName(info: Info): string {
  switch (info.kind) {
    case "url":
      return "a url";
    case "path":
      return "a path";
    case "tool":
      return "`tool`";
    case "session":
      return "`session`";
    case "agent":
      return "`agent`";
    case "label":
      return "a label";
    default:
      return "a value";
  }
}

function bool(l: Lowered): boolean | null {
  return l.ex.k === "lit" && typeof l.ex.value === "boolean" ? l.ex.value : null;
}

function boolValue(ex: Ex, err: boolean): Lowered {
  return { ex, info: { kind: "value", t: { kind: "boolean" }, missing: false }, err };
}

function numberValue(ex: Ex, err: boolean): Lowered {
  return { ex, info: { kind: "value", t: { kind: "number" }, missing: false }, err };
}

function stringValue(ex: Ex, err: boolean): Lowered {
  return { ex, info: { kind: "value", t: { kind: "string" }, missing: false }, err };
}

// ---------------------------------------------------------------- names and members

function lowerName(e: ast.NameRef, cx: LowerContext, env: Env): Lowered {
  for (let b = env.scope; b !== null; b = b.parent) {
    if (b.name === e.name) {
      cx.uses.add(b.js);
      return { ex: { k: "name", name: b.js, ts: "unknown", ref: true }, info: { kind: "value", t: b.t, missing: false }, err: false };
    }
  }
  const res = cx.model.resolutions.get(e);
  if (res?.kind === "label") return { ex: lit(null), info: { kind: "label", name: res.name }, err: false };
  const root = res?.kind === "root" ? res.root : res === undefined && ROOTS.has(e.name) ? (e.name as "args" | "ctx" | "tool" | "session" | "agent") : null;
  if (root !== null) {
    switch (root) {
      case "agent":
        return { ex: lit(null), info: { kind: "agent" }, err: false };
      case "session":
        return { ex: lit(null), info: { kind: "session" }, err: false };
      case "tool":
        if (cx.tool === null) return raise(cx, e, "`tool` is not available here");
        return { ex: lit(null), info: { kind: "tool" }, err: false };
      case "args":
      case "ctx": {
        if (cx.tool === null) return raise(cx, e, `\`${root}\` is not available here`);
        cx.uses.add(root);
        const t: Type = root === "args" ? cx.tool.input : cx.model.context;
        return { ex: { k: "name", name: root, ts: "record", ref: true }, info: { kind: "value", t, missing: false }, err: false };
      }
    }
  }
  if (res === undefined && cx.model.labels.has(e.name)) return { ex: lit(null), info: { kind: "label", name: e.name }, err: false };
  return raise(cx, e, `\`${e.name}\` is not declared`);
}

function lowerMember(e: ast.MemberExpr, cx: LowerContext, env: Env): Lowered {
  const name = e.property.name;
  const obj = lower(e.object, cx, env);
  const info = obj.info;
  switch (info.kind) {
    case "never":
      return obj;
    case "tool":
      return toolMember(e, cx, name);
    case "agent":
      if (name !== "id") return raise(cx, e, `\`agent\` has no member \`${name}\``);
      cx.uses.add("request");
      return stringValue({ k: "member", obj: { k: "name", name: "request", ts: "record", ref: true }, name: "agent", ts: "string" }, false);
    case "session":
      if (name !== "id") return raise(cx, e, `\`session\` has no member \`${name}\``);
      cx.uses.add("request");
      return stringValue(
        { k: "bin", op: "??", l: { k: "member", obj: { k: "name", name: "request", ts: "record", ref: true }, name: "session", ts: "unknown" }, r: lit(""), ts: "string" },
        false,
      );
    case "url": {
      if (!["scheme", "host", "port", "path", "query"].includes(name)) return raise(cx, e, `a url has no member \`${name}\``);
      const t: Type = name === "port" ? { kind: "union", members: [{ kind: "number" }, { kind: "null" }] } : { kind: "string" };
      return { ex: { k: "member", obj: obj.ex, name, ts: name === "port" ? "unknown" : "string" }, info: { kind: "value", t, missing: false }, err: obj.err };
    }
    case "path": {
      const fn = name === "normalized" ? "pathNormalize" : name === "name" ? "pathName" : name === "ext" ? "pathExt" : null;
      if (fn === null) return raise(cx, e, `a path has no member \`${name}\``);
      return stringValue(call(fn, [obj.ex], "string"), obj.err);
    }
    case "label":
      return raise(cx, e, `a label has no member \`${name}\``);
    case "value":
      break;
  }
  if (info.kind !== "value") return obj;
  const s = shapeOf(info.t);
  if (name === "length" && (onlyKind(s, "string") || onlyKind(s, "list"))) {
    if (onlyKind(s, "string")) {
      const str = need(cx, obj, "string", e.object);
      return numberValue(call("cpLength", [str.ex], "number"), str.err);
    }
    const l = need(cx, obj, "list", e.object);
    return numberValue({ k: "member", obj: l.ex, name: "length", ts: "number" }, l.err);
  }
  if (onlyKind(s, "record")) {
    const r = need(cx, obj, "record", e.object);
    const f = fieldOf(info.t, name);
    const key = pathKey(e, cx, env.scope);
    const fact = key === null ? undefined : env.facts.get(key);
    const missing = f.optional && !(fact?.present ?? false);
    const t = fact?.nonNull === true ? stripNull(f.type) : f.type;
    // A required field of a validated record is an own property (the validator checks
    // `required` with Object.hasOwn), so it is read directly; any other field is read through
    // `own`, so inherited names (`constructor`, a field of a foreign prototype) read as missing.
    const direct = !f.optional && !(name in Object.prototype);
    const ex: Ex = direct ? { k: "member", obj: r.ex, name, ts: "unknown" } : call("own", [r.ex, lit(name)], "unknown");
    return { ex, info: { kind: "value", t, missing }, err: r.err };
  }
  return { ex: call("member", [obj.ex, lit(name), lit(snippet(cx, e.object))], "unknown"), info: { kind: "value", t: { kind: "any" }, missing: true }, err: true };
}

function toolMember(e: ast.MemberExpr, cx: LowerContext, name: string): Lowered {
  const tool = cx.tool;
  if (tool === null) return raise(cx, e, "`tool` is not available here");
  const a = tool.annotations;
  const v: Record<string, string | boolean> = {
    name: tool.name,
    alias: tool.alias,
    readOnly: a.readOnly,
    destructive: a.destructive,
    idempotent: a.idempotent,
    openWorld: a.openWorld,
  };
  if (!Object.hasOwn(v, name)) return raise(cx, e, `\`tool\` has no member \`${name}\``);
  return konst(v[name], cx, "tool");
}

function lowerHas(e: ast.HasExpr, cx: LowerContext, env: Env): Lowered {
  const obj = lower(e.object, cx, env);
  if (obj.info.kind === "never") return obj;
  if (obj.info.kind !== "value") return raise(cx, e, `\`has\` needs a record, found ${opaqueName(obj.info)}`);
  const r = need(cx, obj, "record", e);
  return boolValue(call("Object.hasOwn", [r.ex, lit(e.field.name)], "boolean"), r.err);
}

// ---------------------------------------------------------------- calls

function lowerCall(e: ast.CallExpr, cx: LowerContext, env: Env): Lowered {
  const callee = e.callee;
  if (callee.kind === "NameRef" && (callee.name === "url" || callee.name === "path") && !inScope(env.scope, callee.name)) {
    if (e.args.length !== 1) return raise(cx, e, `expected 1 argument, found ${e.args.length}`);
    const arg = lower(e.args[0], cx, env);
    if (arg.info.kind === "never") return arg;
    if (arg.info.kind !== "value") return raise(cx, e, `\`${callee.name}()\` needs a string, found ${opaqueName(arg.info)}`);
    const s = need(cx, arg, "string", e);
    if (callee.name === "path") return { ex: s.ex, info: { kind: "path" }, err: s.err };
    return { ex: call("parseUrl", [s.ex], "url"), info: { kind: "url" }, err: true };
  }
  if (callee.kind !== "MemberExpr") return raise(cx, e, "only methods, `url()` and `path()` can be called");
  const method = callee.property.name;
  const recv = lower(callee.object, cx, env);
  const info = recv.info;
  if (info.kind === "never") return recv;
  if (info.kind === "session") return sessionMethod(e, cx, method);
  if (info.kind === "path" && method === "under") {
    if (e.args.length !== 1) return raise(cx, e, `expected 1 argument, found ${e.args.length}`);
    const dir = lower(e.args[0], cx, env);
    if (dir.info.kind === "never") return dir;
    const d = dir.info.kind === "value" ? need(cx, dir, "string", e) : raise(cx, e, "`.under()` needs a string");
    return boolValue(call("pathUnder", [recv.ex, d.ex], "boolean"), recv.err || d.err);
  }
  if (info.kind !== "value") return raise(cx, e, `${opaqueName(info)} has no method \`.${method}()\``);
  const s = shapeOf(info.t);
  const stringMethods = ["lower", "upper", "startsWith", "endsWith", "matches", "glob"];
  if (stringMethods.includes(method) || (method === "contains" && onlyKind(s, "string"))) return stringMethod(e, cx, env, need(cx, recv, "string", callee.object), method);
  if (method === "any" || method === "all") return lambdaCall(e, cx, env, need(cx, recv, "list", callee.object), method, info.t);
  if (method === "contains") {
    if (e.args.length !== 1) return raise(cx, e, `expected 1 argument, found ${e.args.length}`);
    if (onlyKind(s, "list")) {
      const l = need(cx, recv, "list", callee.object);
      const x = needPresent(cx, lower(e.args[0], cx, env), e.args[0], "the argument of `.contains()`");
      return boolValue(listContains(l.ex, x), l.err || x.err);
    }
    const x = lower(e.args[0], cx, env);
    if (x.info.kind !== "value" && x.info.kind !== "never") return raise(cx, e, `the argument of \`.contains()\` cannot be ${opaqueName(x.info)}`);
    return boolValue(call("contains", [recv.ex, x.ex, lit(snippet(cx, callee.object))], "boolean"), true);
  }
  // Neither a string nor a list method: the interpreter reports the receiver's kind.
  return raise(cx, e, `${describeShape(s, info.missing)} has no method \`.${method}()\``);
}

function describeShape(s: Shape, missing: boolean): string {
  if (missing) return "a value that may be missing";
  if (s.unknown || s.kinds.size !== 1) return "a value";
  const k = [...s.kinds][0];
  return k === "record" ? "a record" : `a ${k}`;
}

function stringMethod(e: ast.CallExpr, cx: LowerContext, env: Env, s: Lowered, method: string): Lowered {
  switch (method) {
    case "lower":
    case "upper":
      if (e.args.length !== 0) return raise(cx, e, `expected 0 arguments, found ${e.args.length}`);
      return stringValue({ k: "method", obj: s.ex, name: method === "lower" ? "toLowerCase" : "toUpperCase", args: [], ts: "string" }, s.err);
    case "startsWith":
    case "endsWith":
    case "contains": {
      if (e.args.length !== 1) return raise(cx, e, `expected 1 argument, found ${e.args.length}`);
      const a = lower(e.args[0], cx, env);
      if (a.info.kind !== "value" && a.info.kind !== "never") return raise(cx, e, `\`.${method}()\` needs a string, found ${opaqueName(a.info)}`);
      const arg = need(cx, a, "string", e);
      return boolValue({ k: "method", obj: s.ex, name: method === "contains" ? "includes" : method, args: [arg.ex], ts: "boolean" }, s.err || arg.err);
    }
    case "matches":
    case "glob": {
      if (e.args.length !== 1) return raise(cx, e, `expected 1 argument, found ${e.args.length}`);
      const arg = e.args[0];
      const fixed =
        arg.kind === "StringLiteral" ||
        (arg.kind === "NameRef" && !inScope(env.scope, arg.name) && (cx.model.resolutions.get(arg)?.kind === "const" || cx.model.consts.has(arg.name)));
      if (!fixed) return raise(cx, e, `the pattern of \`.${method}()\` must be a string literal or a const`);
      const p = lower(arg, cx, env);
      if (p.info.kind === "never") return p;
      const pattern = p.konst?.value;
      if (typeof pattern !== "string") return raise(cx, e, `the pattern of \`.${method}()\` must be a string, found ${describeConst(pattern)}`);
      if (method === "glob") return boolValue(call(cx.hoist.glob(pattern), [s.ex], "boolean"), s.err);
      try {
        new RegExp(pattern, "u");
      } catch (err) {
        return raise(cx, e, `invalid regex ${JSON.stringify(pattern)}: ${(err as Error).message}`);
      }
      return boolValue({ k: "method", obj: { k: "name", name: cx.hoist.regex(pattern), ts: "unknown", ref: false }, name: "test", args: [s.ex], ts: "boolean" }, s.err);
    }
  }
  return raise(cx, e, `a string has no method \`.${method}()\``);
}

function describeConst(v: unknown): string {
  if (v === undefined) return "missing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  return typeof v === "object" ? "a record" : `a ${typeof v}`;
}

/** `list.contains(x)` / `x in list` for a list and a present value. */
function listContains(listEx: Ex, x: Lowered): Ex {
  const s = shape(x);
  if (s !== null && primitiveOnly(s)) {
    return { k: "bin", op: "!==", l: { k: "method", obj: listEx, name: "indexOf", args: [x.ex], ts: "number" }, r: lit(-1), ts: "boolean" };
  }
  return call("listHas", [listEx, x.ex], "boolean");
}

function sessionMethod(e: ast.CallExpr, cx: LowerContext, method: string): Lowered {
  if (method !== "has" && method !== "count") return raise(cx, e, `\`session\` has no method \`.${method}()\``);
  if (e.args.length !== 1) return raise(cx, e, `expected 1 argument, found ${e.args.length}`);
  const arg = e.args[0];
  cx.uses.add("session");
  const session: Ex = { k: "name", name: "session", ts: "unknown", ref: false };
  if (method === "has") {
    const res = cx.model.resolutions.get(arg);
    const label = res?.kind === "label" ? res.name : arg.kind === "NameRef" && cx.model.labels.has(arg.name) ? arg.name : null;
    if (label === null) return raise(cx, arg, "`session.has()` takes a label name");
    return boolValue(call("sessionHas", [session, lit(label)], "boolean"), true);
  }
  const tools = selectorTools(cx.model, arg);
  if (tools === null) return raise(cx, arg, "`session.count()` takes a tool selector");
  return numberValue(call("sessionCount", [session, { k: "name", name: cx.hoist.tools(tools), ts: "unknown", ref: false }], "number"), true);
}

/** The qualified tools named by a selector written as the argument of `session.count(...)` (as the interpreter reads it). */
function lambdaCall(e: ast.CallExpr, cx: LowerContext, env: Env, list: Lowered, method: "any" | "all", listType: Type): Lowered {
  if (e.args.length !== 1) return raise(cx, e, `expected 1 argument, found ${e.args.length}`);
  const lambda = e.args[0];
  if (lambda.kind !== "LambdaExpr") return raise(cx, e, `\`.${method}()\` takes a lambda \`x => ...\``);
  const js = lambdaName(lambda.param.name, cx, env.scope);
  const binding: Binding = { name: lambda.param.name, js, t: elementOf(listType), key: cx.nextKey(), parent: env.scope };
  const outerUses = cx.uses;
  cx.uses = new Set();
  const body = lower(lambda.body, cx, { scope: binding, facts: env.facts });
  const checked = need(cx, body, "boolean", lambda.body);
  const inner = cx.uses;
  cx.uses = outerUses;
  const free: FreeVar[] = [];
  for (const v of ["args", "ctx", "request", "session"] as const) {
    if (inner.has(v)) free.push({ name: v, ts: v === "request" ? "request" : v === "session" ? "session" : "record" });
  }
  for (let b = env.scope; b !== null; b = b.parent) {
    if (inner.has(b.js) && !free.some((f) => f.name === b.js)) free.push({ name: b.js, ts: "unknown" });
  }
  for (const f of free) cx.uses.add(f.name);
  const name = cx.lambdaName(method);
  cx.lambdas.push({ name, kind: method, param: js, body: checked.ex, free });
  const args: Ex[] = [list.ex, ...free.map((f): Ex => ({ k: "name", name: f.name, ts: f.ts === "record" ? "record" : "unknown", ref: false }))];
  return boolValue(call(name, args, "boolean"), list.err || checked.err);
}

/** A parameter name that shadows no module-level name, root variable or enclosing parameter. */
function lambdaName(name: string, cx: LowerContext, scope: Binding | null): string {
  let js = /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !name.includes("__") ? name : "x";
  const taken = (n: string) => {
    if (cx.names.has(n) || (ROOT_VARS as readonly string[]).includes(n)) return true;
    for (let b = scope; b !== null; b = b.parent) if (b.js === n) return true;
    return false;
  };
  while (taken(js)) js = `${js}_`;
  return js;
}

function inScope(scope: Binding | null, name: string): boolean {
  for (let b = scope; b !== null; b = b.parent) if (b.name === name) return true;
  return false;
}

// ---------------------------------------------------------------- literals

function lowerList(e: ast.ListLiteral, cx: LowerContext, env: Env): Lowered {
  const items: Ex[] = [];
  const types: Type[] = [];
  let err = false;
  for (const el of e.elements) {
    const l = needPresent(cx, lower(el, cx, env), el, "a list element");
    items.push(l.ex);
    types.push(l.info.kind === "value" ? l.info.t : { kind: "any" });
    err ||= l.err;
  }
  return { ex: { k: "array", items }, info: { kind: "value", t: { kind: "list", element: unionOf(types) }, missing: false }, err };
}

function lowerRecord(e: ast.RecordLiteral, cx: LowerContext, env: Env): Lowered {
  const entries: (readonly [string, Ex])[] = [];
  let err = false;
  for (const en of e.entries) {
    const l = needPresent(cx, lower(en.value, cx, env), en.value, `field \`${en.key}\``);
    entries.push([en.key, l.ex]);
    err ||= l.err;
  }
  return { ex: call("makeRecord", [{ k: "array", items: entries.map(([k, v]): Ex => ({ k: "array", items: [lit(k), v] })) }], "record"), info: { kind: "value", t: { kind: "any" }, missing: false }, err };
}

// ---------------------------------------------------------------- operators

function lowerUnary(e: ast.UnaryExpr, cx: LowerContext, env: Env): Lowered {
  const x = lower(e.operand, cx, env);
  if (e.op === "not") {
    const b = need(cx, x, "boolean", e.operand);
    const c = bool(b);
    if (c !== null) return boolValue(lit(!c), false);
    return boolValue({ k: "not", x: b.ex }, b.err);
  }
  const n = need(cx, x, "number", e.operand);
  return numberValue(call("fin", [{ k: "neg", x: n.ex }, lit(snippet(cx, e))], "number"), true);
}

function lowerBinary(e: ast.BinaryExpr, cx: LowerContext, env: Env): Lowered {
  switch (e.op) {
    case "and":
    case "or":
      return lowerLogic(e, cx, env);
    case "??": {
      const l = lower(e.left, cx, env);
      if (l.info.kind !== "value") return l;
      if (l.ex.k === "lit" && (l.ex.value === null || l.ex.value === undefined)) return lower(e.right, cx, env);
      const ls = shapeOf(l.info.t);
      if (!l.info.missing && !ls.nullable) return l;
      const r = lower(e.right, cx, env);
      if (r.info.kind !== "value") {
        // An opaque right side (rejected by the checker): still only reached when the left is absent.
        const fail = raise(cx, e.right, "a url, path or root cannot stand on the right of `??`");
        return { ex: { k: "bin", op: "??", l: l.ex, r: fail.ex, ts: tsOf(l.ex) }, info: l.info, err: true };
      }
      return {
        ex: { k: "bin", op: "??", l: l.ex, r: r.ex, ts: tsOf(r.ex) === tsOf(l.ex) ? tsOf(l.ex) : "unknown" },
        info: { kind: "value", t: unionOf([stripNull(l.info.t), r.info.t]), missing: r.info.missing },
        err: l.err || r.err,
      };
    }
    case "==":
    case "!=":
      return lowerEquals(e, cx, env);
    case "in": {
      const x = lower(e.left, cx, env);
      const lst = lower(e.right, cx, env);
      const xp = needPresent(cx, x, e.left, "the left side of `in`");
      if (xp.info.kind === "never") return xp;
      if (lst.konst !== undefined && Array.isArray(lst.konst.value)) {
        const values = lst.konst.value as unknown[];
        if (values.every((v) => v === null || typeof v !== "object")) {
          const set = cx.hoist.set(values as (string | number | boolean | null)[], lst.ex.k === "name" ? `${lst.ex.name}_set` : "set");
          return boolValue({ k: "method", obj: { k: "name", name: set, ts: "unknown", ref: false }, name: "has", args: [xp.ex], ts: "boolean" }, xp.err);
        }
      }
      if (lst.info.kind !== "value" && lst.info.kind !== "never") return raise(cx, e.right, `the right side of \`in\` must be a list, found ${opaqueName(lst.info)}`);
      const l = need(cx, lst, "list", e.right);
      return boolValue(listContains(l.ex, xp), xp.err || l.err);
    }
    case "<":
    case "<=":
    case ">":
    case ">=": {
      const a = need(cx, lower(e.left, cx, env), "number", e.left);
      const b = need(cx, lower(e.right, cx, env), "number", e.right);
      if (a.ex.k === "lit" && b.ex.k === "lit" && typeof a.ex.value === "number" && typeof b.ex.value === "number") {
        const x = a.ex.value;
        const y = b.ex.value;
        return boolValue(lit(e.op === "<" ? x < y : e.op === "<=" ? x <= y : e.op === ">" ? x > y : x >= y), false);
      }
      return boolValue({ k: "bin", op: e.op, l: a.ex, r: b.ex, ts: "boolean" }, a.err || b.err);
    }
    case "+":
    case "-":
    case "*": {
      const a = need(cx, lower(e.left, cx, env), "number", e.left);
      const b = need(cx, lower(e.right, cx, env), "number", e.right);
      if (a.ex.k === "lit" && b.ex.k === "lit" && typeof a.ex.value === "number" && typeof b.ex.value === "number") {
        const r = e.op === "+" ? a.ex.value + b.ex.value : e.op === "-" ? a.ex.value - b.ex.value : a.ex.value * b.ex.value;
        if (Number.isFinite(r)) return numberValue(lit(r), false);
      }
      return numberValue(call("fin", [{ k: "bin", op: e.op, l: a.ex, r: b.ex, ts: "number" }, lit(snippet(cx, e))], "number"), true);
    }
  }
}

function lowerLogic(e: ast.BinaryExpr, cx: LowerContext, env: Env): Lowered {
  const isAnd = e.op === "and";
  const l = need(cx, lower(e.left, cx, env), "boolean", e.left);
  const lc = bool(l);
  // A constant left side decides alone, or leaves the right side (skipped operands cannot err).
  if (lc !== null && lc === !isAnd) return boolValue(lit(lc), false);
  const rightEnv: Env = { scope: env.scope, facts: merge(env.facts, factsWhen(e.left, isAnd, cx, env.scope)) };
  const r = need(cx, lower(e.right, cx, rightEnv), "boolean", e.right);
  if (lc !== null) return r;
  const rc = bool(r);
  if (rc !== null && rc === isAnd) return l;
  if (rc !== null && !l.err) return boolValue(lit(rc), false);
  return boolValue({ k: "bin", op: isAnd ? "&&" : "||", l: l.ex, r: r.ex, ts: "boolean" }, l.err || r.err);
}

function lowerEquals(e: ast.BinaryExpr, cx: LowerContext, env: Env): Lowered {
  const negate = e.op === "!=";
  // With the literal `null` on a side: the other side is missing or null.
  const nullSide = e.right.kind === "NullLiteral" ? e.left : e.left.kind === "NullLiteral" ? e.right : null;
  if (nullSide !== null) {
    const x = lower(nullSide, cx, env);
    if (x.info.kind === "never") return x;
    if (x.info.kind !== "value") return boolValue(lit(negate), x.err);
    if (x.ex.k === "lit") return boolValue(lit((x.ex.value === null || x.ex.value === undefined) !== negate), false);
    const s = shapeOf(x.info.t);
    if (!x.info.missing && !s.nullable && !x.err) return boolValue(lit(negate), false);
    return boolValue({ k: "absent", x: x.ex, negate }, x.err);
  }
  const a0 = lower(e.left, cx, env);
  const b0 = lower(e.right, cx, env);
  const a = needPresent(cx, a0, e.left, "the left side of the comparison");
  const b = needPresent(cx, b0, e.right, "the right side of the comparison");
  if (a.info.kind === "never") return a;
  if (b.info.kind === "never") return b;
  if (a.konst !== undefined && b.konst !== undefined && a.konst.value !== undefined && b.konst.value !== undefined) {
    return boolValue(lit(deepEqual(a.konst.value, b.konst.value) !== negate), false);
  }
  const sa = shape(a);
  const sb = shape(b);
  const err = a.err || b.err;
  if (sa !== null && sb !== null && (primitiveOnly(sa) || primitiveOnly(sb))) {
    return boolValue({ k: "bin", op: negate ? "!==" : "===", l: a.ex, r: b.ex, ts: "boolean" }, err);
  }
  // Values are validated JSON nested less than 100 deep, so deepEqual cannot overflow.
  const eq = call("deepEqual", [a.ex, b.ex], "boolean");
  return boolValue(negate ? { k: "not", x: eq } : eq, err);
}

// ---------------------------------------------------------------- narrowing facts

function pathKey(e: ast.Expr, cx: LowerContext, scope: Binding | null): string | null {
  if (e.kind === "NameRef") {
    for (let b = scope; b !== null; b = b.parent) if (b.name === e.name) return b.key;
    const res = cx.model.resolutions.get(e);
    const root = res?.kind === "root" ? res.root : res === undefined && ROOTS.has(e.name) ? e.name : null;
    return root === "args" || root === "ctx" ? root : null;
  }
  if (e.kind === "MemberExpr") {
    const base = pathKey(e.object, cx, scope);
    return base === null ? null : `${base}\u0000${e.property.name}`;
  }
  return null;
}

/** Facts that hold when `e` evaluated (without error) to `value`. */
function factsWhen(e: ast.Expr, value: boolean, cx: LowerContext, scope: Binding | null): Map<string, Fact> {
  const out = new Map<string, Fact>();
  const add = (key: string | null, fact: Fact) => {
    if (key === null) return;
    addFact(out, key, fact);
  };
  switch (e.kind) {
    case "UnaryExpr":
      if (e.op === "not") return factsWhen(e.operand, !value, cx, scope);
      return out;
    case "HasExpr":
      // Evaluating `x has f` at all proves `x` is a record; true proves `f` is present.
      add(pathKey(e.object, cx, scope), { present: true, nonNull: true });
      if (value) {
        const k = pathKey(e.object, cx, scope);
        if (k !== null) add(`${k}\u0000${e.field.name}`, { present: true, nonNull: false });
      }
      return out;
    case "BinaryExpr": {
      if (e.op === "and" || e.op === "or") {
        const l = factsWhen(e.left, value, cx, scope);
        const r = factsWhen(e.right, value, cx, scope);
        // and=true / or=false: both sides took that value; otherwise only one did.
        return (e.op === "and") === value ? merge(l, r) : intersect(l, r);
      }
      if (e.op === "==" || e.op === "!=") {
        const isEq = (e.op === "==") === value;
        const nullSide = e.right.kind === "NullLiteral" ? e.left : e.left.kind === "NullLiteral" ? e.right : null;
        if (nullSide !== null) {
          if (!isEq) add(pathKey(nullSide, cx, scope), { present: true, nonNull: true });
          return out;
        }
        // Without a null literal both sides were present; equal to a non-null literal proves non-null.
        add(pathKey(e.left, cx, scope), { present: true, nonNull: isEq && isNonNullLiteral(e.right) });
        add(pathKey(e.right, cx, scope), { present: true, nonNull: isEq && isNonNullLiteral(e.left) });
        return out;
      }
      if (e.op === "in") {
        add(pathKey(e.left, cx, scope), { present: true, nonNull: false });
        return out;
      }
      return out;
    }
    default:
      return out;
  }
}

function isNonNullLiteral(e: ast.Expr): boolean {
  return e.kind === "StringLiteral" || e.kind === "NumberLiteral" || e.kind === "BooleanLiteral" || e.kind === "MoneyLiteral";
}

function addFact(into: Map<string, Fact>, key: string, fact: Fact): void {
  const old = into.get(key);
  into.set(key, { present: fact.present || (old?.present ?? false), nonNull: fact.nonNull || (old?.nonNull ?? false) });
  // Reading a member succeeded, so every record on the way was present and not null.
  const cut = key.lastIndexOf("\u0000");
  if (cut > 0 && (fact.present || fact.nonNull)) addFact(into, key.slice(0, cut), { present: true, nonNull: true });
}

function merge(a: Facts, b: Facts): Map<string, Fact> {
  const out = new Map(a);
  for (const [k, f] of b) addFact(out, k, f);
  return out;
}

function intersect(a: Facts, b: Facts): Map<string, Fact> {
  const out = new Map<string, Fact>();
  for (const [k, f] of a) {
    const g = b.get(k);
    if (g !== undefined) out.set(k, { present: f.present && g.present, nonNull: f.nonNull && g.nonNull });
  }
  return out;
}

export { EvalMemo };
