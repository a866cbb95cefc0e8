/**
 * The type checker of expressions (LANGUAGE.md §8, §12): one traversal that types
 * every expression node against the tools a rule selects, narrows through conditions,
 * and reports E_TYPE, E_UNKNOWN_FIELD, E_UNKNOWN_NAME, E_ENUM, E_REGEX(_UNSAFE) and
 * W_OPTIONAL.
 *
 * Model of a value: a Type (nullability is a `null` member), whether it may be missing
 * (an optional field), and its reference path (for narrowing). `args` of a rule that
 * selects several tools is a *strict* union of their input records: a field must exist
 * in every selected tool (the error names the tool that lacks it); a union that comes
 * from a schema (`anyOf` of records) is lenient: a field some members lack is optional.
 *
 * INVARIANTS: never throws on any tree (ErrorExpr and malformed nodes type as `any`,
 * which suppresses follow-on errors); every visited expression gets an entry in
 * `types`; work is linear in the expression size (field lookups cached per type
 * object, `and`/`or` chains walked iteratively, nesting cut at MAX_DEPTH).
 */
import type { RelatedInformation } from "../diagnostics/diagnostic.js";
import { Messages } from "../diagnostics/messages.js";
import type { Field, LiteralValue, RecordType, ToolInfo, Type } from "../manifest/types.js";
import type * as ast from "../syntax/ast.js";
import { type Binder, ROOT_NAMES } from "./binder.js";
import { checkEnumValue, type EnumSide, enumOf } from "./checks/enum-comparison.js";
import type { RegexPatterns } from "./checks/regex-patterns.js";
import type { CheckContext } from "./check-context.js";
import type { Resolution, Value } from "./model.js";
import { chainPrefixFacts, conjoin, type Facts, flattenChain, NO_FACTS, NON_NULL, Narrower, PRESENT, SEP } from "./narrowing.js";
import { closest, writeName } from "./suggest.js";
import {
  ANY,
  BOOLEAN,
  comparable,
  elementOf,
  INTEGER,
  isIntegerType,
  isNullable,
  isOnlyNull,
  isOpaqueShape,
  membersOf,
  NEVER,
  NULL,
  NUMBER,
  removeNull,
  type Shape,
  shapeOf,
  shapesOf,
  showType,
  STRING,
  unionOf,
} from "./type-ops.js";

const MAX_DEPTH = 300;

/** Where a value's type was declared (for related locations). */
export interface Provenance {
  readonly field: Field;
  /** The tool whose manifest declares it, when it comes from `args`. */
  readonly tool: string | null;
}

/** The checker's view of an expression's value. */
export interface Ty {
  readonly type: Type;
  /** May be absent (an optional field not proven present). */
  readonly missing: boolean;
  /** Reference path key for narrowing, or null. */
  readonly path: string | null;
  readonly origin: Provenance | null;
}

/** What `args` is in a scope. */
export interface ArgsInfo {
  readonly type: Type;
  /** The selected tools (empty when unknown). */
  readonly tools: readonly ToolInfo[];
}

/** Where an expression stands: which roots it may read. */
export type ScopeMode =
  /** a rule, invariant or limit condition: every root */
  | "rule"
  /** a const value: no root */
  | "const"
  /** a value in a `test` record: no root */
  | "test";

interface Local {
  readonly name: string;
  readonly param: ast.Identifier;
  readonly type: Type;
  readonly key: string;
  readonly parent: Local | null;
}

export interface Scope {
  readonly mode: ScopeMode;
  readonly args: ArgsInfo | null;
  readonly locals: Local | null;
  readonly facts: Facts;
}

/** The consts as the expression checker sees them (computed lazily, cycles detected by the owner). */
export interface ConstSource {
  /** Type and folded value of a declared const; undefined when no const has that name. */
  lookup(name: string, at: ast.NameRef): { readonly type: Type; readonly value: Value | undefined } | undefined;
  names(): Iterable<string>;
}

type Lookup =
  | { readonly ok: true; readonly type: Type; readonly optional: boolean; readonly origin: Provenance | null }
  | { readonly ok: false; readonly kind: "unknown"; readonly owner: string | null; readonly candidates: readonly string[] }
  | { readonly ok: false; readonly kind: "not-record"; readonly owner: string | null; readonly found: Type };

interface StrictMember {
  readonly owner: string;
  readonly type: Type;
}

const URL_MEMBERS: ReadonlyMap<string, Type> = new Map<string, Type>([
  ["scheme", STRING],
  ["host", STRING],
  ["path", STRING],
  ["query", STRING],
  ["port", { kind: "union", members: [INTEGER, NULL] }],
]);
const PATH_MEMBERS: ReadonlyMap<string, Type> = new Map<string, Type>([
  ["normalized", STRING],
  ["name", STRING],
  ["ext", STRING],
]);
const TOOL_MEMBERS: ReadonlyMap<string, Type> = new Map<string, Type>([
  ["name", STRING],
  ["alias", STRING],
  ["readOnly", BOOLEAN],
  ["destructive", BOOLEAN],
  ["idempotent", BOOLEAN],
  ["openWorld", BOOLEAN],
]);
const SESSION_MEMBERS: ReadonlyMap<string, Type> = new Map<string, Type>([["id", STRING]]);
const AGENT_MEMBERS: ReadonlyMap<string, Type> = new Map<string, Type>([["id", STRING]]);

const STRING_METHODS = ["lower", "upper", "startsWith", "endsWith", "contains", "matches", "glob"];
const LIST_METHODS = ["contains", "any", "all"];

const TOOL_T: Type = { kind: "tool" };
const SESSION_T: Type = { kind: "session" };
const AGENT_T: Type = { kind: "agent" };
const LABEL_T: Type = { kind: "label" };

export class ExpressionChecker {
  readonly types = new Map<ast.Expr, Type>();
  private readonly narrower = new Narrower();
  private readonly strict = new WeakMap<Type, readonly StrictMember[]>();
  private readonly stripCache = new WeakMap<Type, Type>();
  private readonly lookupCache = new WeakMap<Type, Map<string, Lookup>>();
  private readonly argsCache = new Map<string, ArgsInfo>();
  private readonly argsByList = new WeakMap<readonly ToolInfo[], ArgsInfo>();
  private readonly lambdaKeys = new Map<ast.LambdaExpr, string>();
  private readonly checkedConstPatterns = new Set<string>();
  private depth = 0;
  /** ErrorExpr nodes visited so far. */
  private errorNodes = 0;
  private reportedDepth = false;

  constructor(
    private readonly cx: CheckContext,
    private readonly binder: Binder,
    private readonly ctxType: RecordType,
    private readonly consts: ConstSource,
    private readonly regexes: RegexPatterns,
  ) {}

  private get resolutions(): Map<ast.Node, Resolution> {
    return this.binder.resolutions;
  }

  // ------------------------------------------------------------------ scopes

  /** The `args` of a rule selecting `tools` (cached per tool set). */
  argsFor(tools: readonly ToolInfo[]): ArgsInfo {
    if (tools.length === 0) return { type: ANY, tools: [] };
    if (tools.length === 1) return { type: tools[0].input, tools };
    let info = this.argsByList.get(tools);
    if (info) return info;
    const key = tools.map((t) => t.qualified).join("\n");
    info = this.argsCache.get(key);
    if (!info) {
      info = { type: this.makeStrict(tools.map((t) => ({ owner: t.qualified, type: t.input }))), tools };
      this.argsCache.set(key, info);
    }
    this.argsByList.set(tools, info);
    return info;
  }

  scope(mode: ScopeMode, args: ArgsInfo | null, facts: Facts = NO_FACTS): Scope {
    return { mode, args, locals: null, facts };
  }

  /** A scope that also knows what `cond` proved true (from `when` into `unless`). */
  after(sc: Scope, cond: ast.Expr | null): Scope {
    if (!cond) return sc;
    const f = this.narrower.factsOf(cond, (e) => this.pathOf(e, sc));
    return { ...sc, facts: conjoin(sc.facts, f.whenTrue) };
  }

  // ------------------------------------------------------------------ entry points

  /** A `when` / `unless` / invariant condition: must be a boolean. */
  condition(e: ast.Expr, sc: Scope): void {
    const ty = this.value(e, sc);
    this.requireBoolean(e, ty);
  }

  /** Types an expression whose value is used (W_OPTIONAL when it may be missing or null). */
  value(e: ast.Expr, sc: Scope): Ty {
    return this.use(this.check(e, sc), e);
  }

  /** Types an expression without requiring a value (a guard's operand). */
  check(e: ast.Expr, sc: Scope): Ty {
    if (!e || typeof e !== "object" || typeof e.kind !== "string") return anyTy();
    if (this.depth >= MAX_DEPTH) {
      if (!this.reportedDepth) {
        this.reportedDepth = true;
        this.cx.report(Messages.Type, e.span, ["this expression is nested too deeply to check"]);
      }
      this.types.set(e, ANY);
      return anyTy();
    }
    this.depth++;
    const errorsBefore = this.errorNodes;
    let ty: Ty;
    try {
      ty = this.dispatch(e, sc);
    } finally {
      this.depth--;
    }
    // An expression around a parse error has no known type: no follow-on diagnostics.
    if (this.errorNodes !== errorsBefore && ty.type.kind !== "any") ty = { ...ty, type: ANY, missing: false };
    this.types.set(e, ty.type);
    return ty;
  }

  /** Whether `e` was written as a literal (or names a const with a scalar value); its value. */
  literalOf(e: ast.Expr, sc: Scope): { readonly value: LiteralValue } | null {
    switch (e.kind) {
      case "StringLiteral":
      case "NumberLiteral":
      case "BooleanLiteral":
        return { value: e.value };
      case "MoneyLiteral":
        return { value: e.micros / 1_000_000 };
      case "UnaryExpr":
        if (e.op === "-" && e.operand.kind === "NumberLiteral") return { value: -e.operand.value };
        if (e.op === "-" && e.operand.kind === "MoneyLiteral") return { value: -e.operand.micros / 1_000_000 };
        return null;
      case "NameRef": {
        if (this.local(sc, e.name)) return null;
        const r = this.resolutions.get(e);
        if (r?.kind !== "const") return null;
        const c = this.consts.lookup(e.name, e);
        const v = c?.value;
        return v === undefined || (v !== null && typeof v === "object") ? null : { value: v as LiteralValue };
      }
      default:
        return null;
    }
  }

  // ------------------------------------------------------------------ dispatch

  private dispatch(e: ast.Expr, sc: Scope): Ty {
    switch (e.kind) {
      case "StringLiteral":
        return plain(typeof e.value === "string" ? { kind: "literal", value: e.value } : STRING);
      case "NumberLiteral":
        return plain(typeof e.value === "number" && Number.isFinite(e.value) ? { kind: "literal", value: e.value } : NUMBER);
      case "MoneyLiteral":
        return plain(NUMBER);
      case "BooleanLiteral":
        return plain(BOOLEAN);
      case "NullLiteral":
        return plain(NULL);
      case "ListLiteral":
        return this.list(e, sc);
      case "RecordLiteral":
        return this.record(e, sc);
      case "NameRef":
        return this.name(e, sc);
      case "MemberExpr":
        return this.member(e, sc);
      case "CallExpr":
        return this.call(e, sc);
      case "LambdaExpr":
        this.cx.report(Messages.Type, e.span, ["a lambda can only be the argument of `.any()` or `.all()`"]);
        return anyTy();
      case "UnaryExpr":
        return this.unary(e, sc);
      case "BinaryExpr":
        return this.binary(e, sc);
      case "HasExpr":
        return this.has(e, sc);
      case "ErrorExpr":
        this.cx.sawErrorNode = true;
        this.errorNodes++;
        return anyTy();
      default:
        return anyTy();
    }
  }

  // ------------------------------------------------------------------ literals

  private list(e: ast.ListLiteral, sc: Scope): Ty {
    const els: Type[] = [];
    for (const el of e.elements ?? []) {
      const ty = this.check(el, sc);
      if (ty.missing) this.warnOptional(el, ty);
      els.push(ty.type);
    }
    return plain({ kind: "list", element: els.length ? unionOf(els) : NEVER });
  }

  private record(e: ast.RecordLiteral, sc: Scope): Ty {
    const fields = new Map<string, Field>();
    const first = new Map<string, ast.Span>();
    for (const entry of e.entries ?? []) {
      if (!entry) continue;
      const ty = this.check(entry.value, sc);
      if (ty.missing) this.warnOptional(entry.value, ty);
      const prior = first.get(entry.key);
      if (prior) {
        this.cx.report(Messages.DuplicateId, entry.keySpan ?? entry.span, ["record key", entry.key], {
          related: [this.cx.related(prior, "first written here")],
        });
        continue;
      }
      first.set(entry.key, entry.keySpan ?? entry.span);
      fields.set(entry.key, { name: entry.key, type: ty.type, optional: false, description: null, sensitive: false, source: null });
    }
    return plain({ kind: "record", fields, open: false });
  }

  // ------------------------------------------------------------------ names

  private local(sc: Scope, name: string): Local | null {
    for (let l = sc.locals; l; l = l.parent) if (l.name === name) return l;
    return null;
  }

  private name(e: ast.NameRef, sc: Scope): Ty {
    const local = this.local(sc, e.name);
    if (local) {
      this.resolutions.set(e, { kind: "lambda-param", param: local.param });
      return this.narrow({ type: local.type, missing: false, path: local.key, origin: null }, sc);
    }
    if (ROOT_NAMES.has(e.name)) {
      const root = e.name as "args" | "ctx" | "tool" | "session" | "agent";
      this.resolutions.set(e, { kind: "root", root });
      if (sc.mode !== "rule") {
        const what = sc.mode === "const" ? "a const" : "a value in a `test` block";
        this.cx.report(Messages.Type, e.span, [`${what} may not read \`${root}\`: it must be known when the policy is compiled`]);
        return anyTy();
      }
      switch (root) {
        case "args":
          return { type: sc.args?.type ?? ANY, missing: false, path: "args", origin: null };
        case "ctx":
          return { type: this.ctxType, missing: false, path: "ctx", origin: null };
        case "tool":
          return plain(TOOL_T);
        case "session":
          return plain(SESSION_T);
        case "agent":
          return plain(AGENT_T);
      }
    }
    const c = this.consts.lookup(e.name, e);
    if (c) {
      this.resolutions.set(e, { kind: "const", name: e.name });
      return plain(c.type);
    }
    if (this.binder.labels.has(e.name)) {
      this.resolutions.set(e, { kind: "label", name: e.name });
      this.cx.report(Messages.Type, e.span, [`label \`${e.name}\` can only be used as \`session.has(${writeName(e.name)})\``]);
      return anyTy();
    }
    if (e.name === "url" || e.name === "path") {
      this.cx.report(Messages.Type, e.span, [`\`${e.name}\` must be called: \`${e.name}(...)\``]);
      return anyTy();
    }
    if (e.name === "" || e.name === "*") {
      if (e.name === "*") this.cx.report(Messages.Type, e.span, ["`*` is a tool selector, not a value"]);
      return anyTy();
    }
    const candidates: string[] = [];
    for (let l = sc.locals; l; l = l.parent) candidates.push(l.name);
    for (const n of this.consts.names()) candidates.push(n);
    if (sc.mode === "rule") candidates.push(...ROOT_NAMES);
    const s = closest(e.name, candidates);
    this.cx.report(Messages.UnknownName, e.span, ["const", e.name], this.cx.didYouMean(s, e.span, s && writeName(s)));
    return anyTy();
  }

  // ------------------------------------------------------------------ member access

  private member(e: ast.MemberExpr, sc: Scope): Ty {
    const obj = this.value(e.object, sc);
    const name = e.property?.name ?? "";
    const shape = shapeOf(obj.type);
    switch (shape) {
      case "any":
        return anyTy();
      case "never":
        return plain(NEVER);
      case "tool":
        return this.fixedMember(e, TOOL_MEMBERS, "tool", []);
      case "session":
        return this.fixedMember(e, SESSION_MEMBERS, "session", ["has", "count"]);
      case "agent":
        return this.fixedMember(e, AGENT_MEMBERS, "agent", []);
      case "url":
        return this.fixedMember(e, URL_MEMBERS, "a url", []);
      case "path":
        return this.fixedMember(e, PATH_MEMBERS, "a path", ["under"]);
      case "string":
      case "list":
        if (name === "length") return plain(INTEGER);
        return this.noMember(e, obj.type, ["length"], shape === "string" ? STRING_METHODS : LIST_METHODS);
      default:
        break;
    }
    if (name === "length" && [...shapesOf(obj.type)].every((s) => s === "string" || s === "list")) return plain(INTEGER);
    const lookup = this.lookupField(obj.type, name);
    if (!lookup.ok) {
      this.reportLookup(e.object, e.property, obj, lookup, sc);
      return anyTy();
    }
    this.resolutions.set(e.property, { kind: "field", owner: obj.type, name });
    const path = obj.path === null ? null : obj.path + SEP + name;
    return this.narrow({ type: lookup.type, missing: lookup.optional, path, origin: lookup.origin }, sc);
  }

  private fixedMember(e: ast.MemberExpr, members: ReadonlyMap<string, Type>, owner: string, methods: readonly string[]): Ty {
    const name = e.property.name;
    const t = members.get(name);
    if (t) return plain(t);
    if (methods.includes(name)) {
      this.cx.report(Messages.Type, e.property.span, [`\`${name}\` is a method of ${owner}: call it as \`.${name}(...)\``]);
      return anyTy();
    }
    const s = closest(name, [...members.keys(), ...methods]);
    this.cx.report(Messages.Type, e.property.span, [`${owner} has no member \`${name}\``], this.cx.didYouMean(s, e.property.span, s));
    return anyTy();
  }

  private noMember(e: ast.MemberExpr, t: Type, members: readonly string[], methods: readonly string[]): Ty {
    const name = e.property.name;
    if (methods.includes(name)) {
      this.cx.report(Messages.Type, e.property.span, [`\`${name}\` is a method: call it as \`.${name}(...)\``]);
      return anyTy();
    }
    const s = closest(name, [...members, ...methods]);
    this.cx.report(Messages.Type, e.property.span, [`\`${showType(t)}\` has no member \`${name}\``], this.cx.didYouMean(s, e.property.span, s));
    return anyTy();
  }

  private reportLookup(objExpr: ast.Expr, prop: ast.Identifier, obj: Ty, lookup: Exclude<Lookup, { ok: true }>, sc: Scope): void {
    const related: RelatedInformation[] = [];
    const ownerTool = lookup.owner ? this.binder.tools.get(lookup.owner) : undefined;
    let subject: string;
    if (obj.path === "args" && sc.args && sc.args.tools.length >= 1) {
      const tool = ownerTool ?? sc.args.tools[0];
      subject = tool.qualified;
      if (tool.source?.file) related.push({ file: tool.source.file, span: tool.source.nameSpan, message: `\`${tool.qualified}\` is defined here` });
    } else {
      subject = this.cx.source(objExpr.span);
      if (ownerTool?.source?.file)
        related.push({ file: ownerTool.source.file, span: ownerTool.source.nameSpan, message: `in the arguments of \`${ownerTool.qualified}\`` });
      if (obj.origin?.field.source) related.push({ file: obj.origin.field.source.file, span: obj.origin.field.source.span, message: `\`${obj.origin.field.name}\` is declared here` });
    }
    if (lookup.kind === "unknown") {
      const s = closest(prop.name, lookup.candidates);
      this.cx.report(Messages.UnknownField, prop.span, [subject, prop.name], this.cx.didYouMean(s, prop.span, s && writeName(s), related));
    } else {
      const inTool = lookup.owner ? ` for \`${lookup.owner}\`` : "";
      this.cx.report(
        Messages.Type,
        prop.span,
        [`\`${this.cx.source(objExpr.span)}\` may be \`${showType(lookup.found)}\`${inTool}: reading field \`${prop.name}\` needs a record`],
        { related },
      );
    }
  }

  // ------------------------------------------------------------------ field lookup

  /** A fresh strict union of per-tool types (see the file comment). */
  private makeStrict(members: readonly StrictMember[]): Type {
    const u = unionOf(members.map((m) => m.type));
    const t: Type = u.kind === "union" ? { kind: "union", members: u.members } : { kind: "union", members: [u] };
    this.strict.set(t, members);
    return t;
  }

  /** The type without null, keeping strictness. */
  private stripNull(t: Type): Type {
    const s = this.strict.get(t);
    if (!s) return removeNull(t);
    const cached = this.stripCache.get(t);
    if (cached) return cached;
    const r = this.makeStrict(s.map((m) => ({ owner: m.owner, type: removeNull(m.type) })));
    this.stripCache.set(t, r);
    return r;
  }

  lookupField(t: Type, name: string): Lookup {
    let perType = this.lookupCache.get(t);
    if (!perType) {
      perType = new Map();
      this.lookupCache.set(t, perType);
    }
    let r = perType.get(name);
    if (!r) {
      r = this.lookupUncached(t, name);
      perType.set(name, r);
    }
    return r;
  }

  private lookupUncached(t: Type, name: string): Lookup {
    const strict = this.strict.get(t);
    if (strict) {
      const found: StrictMember[] = [];
      let optional = false;
      let origin: Provenance | null = null;
      for (const m of strict) {
        const r = this.lookupPlain(m.type, name, m.owner);
        if (!r.ok) return r;
        found.push({ owner: m.owner, type: r.type });
        optional ||= r.optional;
        origin ??= r.origin ? { field: r.origin.field, tool: m.owner } : null;
      }
      const recordish = found.some((f) => shapesOf(f.type).has("record"));
      return { ok: true, type: recordish ? this.makeStrict(found) : unionOf(found.map((f) => f.type)), optional, origin };
    }
    return this.lookupPlain(t, name, null);
  }

  private lookupPlain(t: Type, name: string, owner: string | null): Lookup {
    const ms = membersOf(removeNull(t));
    const types: Type[] = [];
    let optional = false;
    let inAll = true;
    let origin: Provenance | null = null;
    const candidates = new Set<string>();
    for (const m of ms) {
      if (m.kind === "any") return { ok: true, type: ANY, optional: false, origin: null };
      if (m.kind === "never") continue;
      if (m.kind !== "record") return { ok: false, kind: "not-record", owner, found: m };
      const f = m.fields instanceof Map ? m.fields.get(name) : undefined;
      if (!f) {
        inAll = false;
        if (m.fields instanceof Map) for (const k of m.fields.keys()) candidates.add(k);
        continue;
      }
      types.push(f.type ?? ANY);
      optional ||= f.optional === true;
      origin ??= { field: f, tool: owner };
    }
    if (types.length === 0) {
      if (ms.every((m) => m.kind === "never")) return { ok: true, type: NEVER, optional: false, origin: null };
      return { ok: false, kind: "unknown", owner, candidates: [...candidates] };
    }
    return { ok: true, type: unionOf(types), optional: optional || !inAll, origin };
  }

  // ------------------------------------------------------------------ narrowing and use

  /** The reference path of an expression in a scope, or null. */
  pathOf(e: ast.Expr, sc: Scope): string | null {
    const names: string[] = [];
    let x: ast.Expr = e;
    while (x.kind === "MemberExpr") {
      names.push(x.property.name);
      x = x.object;
    }
    if (x.kind !== "NameRef") return null;
    let root: string | null = null;
    const local = this.local(sc, x.name);
    if (local) root = local.key;
    else if (x.name === "args" || x.name === "ctx") root = x.name;
    if (root === null) return null;
    for (let i = names.length - 1; i >= 0; i--) root += SEP + names[i];
    return root;
  }

  private narrow(ty: Ty, sc: Scope): Ty {
    if (ty.path === null) return ty;
    const f = sc.facts.get(ty.path);
    if (f === undefined) return ty;
    if ((f & NON_NULL) === NON_NULL) return { ...ty, missing: false, type: this.stripNull(ty.type) };
    if ((f & PRESENT) !== 0) return { ...ty, missing: false };
    return ty;
  }

  /** A value is needed: W_OPTIONAL when it may be missing or null; the result has neither. */
  private use(ty: Ty, e: ast.Expr): Ty {
    const nullable = isNullable(ty.type) && !isOnlyNull(ty.type);
    if (!ty.missing && !nullable) return ty;
    this.warnOptional(e, ty);
    return { ...ty, missing: false, type: nullable ? this.stripNull(ty.type) : ty.type };
  }

  private warnOptional(e: ast.Expr, ty: Ty): void {
    const related: RelatedInformation[] = [];
    const src = ty.origin?.field.source;
    if (src && src.file) {
      const how = ty.missing ? (isNullable(ty.type) ? "optional and nullable" : "optional") : "nullable";
      const where = ty.origin?.tool ? `the manifest of \`${ty.origin.tool}\`` : src.file === this.cx.file ? "`context`" : "the manifest";
      related.push({ file: src.file, span: src.span, message: `${where} declares \`${ty.origin!.field.name}\` ${how} here` });
    }
    this.cx.report(Messages.Optional, e.span, [this.cx.source(e.span)], { related });
  }

  private requireBoolean(e: ast.Expr, ty: Ty): void {
    const s = shapeOf(ty.type);
    if (s === "boolean" || s === "any" || s === "never") return;
    this.cx.report(Messages.Type, e.span, [`expected a boolean condition, found \`${showType(ty.type)}\``]);
  }

  // ------------------------------------------------------------------ calls

  private call(e: ast.CallExpr, sc: Scope): Ty {
    const callee = e.callee;
    const args = e.args ?? [];
    if (callee?.kind === "NameRef" && (callee.name === "url" || callee.name === "path") && !this.local(sc, callee.name)) {
      this.types.set(callee, ANY);
      if (!this.arity(e, callee.span, 1, sc)) return anyTy();
      const a = this.value(args[0], sc);
      this.requireShape(args[0], a, "string", `\`${callee.name}()\``);
      return plain({ kind: callee.name });
    }
    if (callee?.kind !== "MemberExpr") {
      if (callee?.kind === "NameRef") this.types.set(callee, ANY);
      else if (callee) this.check(callee, sc);
      for (const a of args) this.looseArgument(a, sc, ANY);
      if (callee?.kind !== "ErrorExpr")
        this.cx.report(Messages.Type, callee?.span ?? e.span, [`\`${this.cx.source(callee?.span ?? e.span, 40)}\` cannot be called: only methods, \`url(...)\` and \`path(...)\` can`]);
      return anyTy();
    }
    const method = callee.property?.name ?? "";
    const recv = this.value(callee.object, sc);
    const shape = shapeOf(recv.type);
    const result = this.method(e, callee, method, recv, shape, sc);
    this.types.set(callee, result.type);
    return result;
  }

  private method(e: ast.CallExpr, callee: ast.MemberExpr, method: string, recv: Ty, shape: Shape, sc: Scope): Ty {
    const args = e.args ?? [];
    const at = callee.property.span;
    switch (shape) {
      case "any":
      case "never":
        for (const a of args) this.looseArgument(a, sc, shape === "any" ? ANY : NEVER);
        return shape === "any" ? anyTy() : plain(NEVER);
      case "string":
        switch (method) {
          case "lower":
          case "upper":
            this.arity(e, at, 0, sc);
            return plain(STRING);
          case "startsWith":
          case "endsWith":
          case "contains": {
            if (!this.arity(e, at, 1, sc)) return plain(BOOLEAN);
            const a = this.value(args[0], sc);
            this.requireShape(args[0], a, "string", `\`.${method}()\``);
            return plain(BOOLEAN);
          }
          case "matches":
          case "glob":
            if (this.arity(e, at, 1, sc)) this.pattern(args[0], method, sc);
            return plain(BOOLEAN);
        }
        return this.noMethod(e, recv.type, method, STRING_METHODS, sc);
      case "list":
        switch (method) {
          case "contains": {
            if (!this.arity(e, at, 1, sc)) return plain(BOOLEAN);
            const a = this.value(args[0], sc);
            const el = elementOf(recv.type);
            if (!comparable(a.type, el)) {
              this.cx.report(Messages.Type, args[0].span, [
                `\`.contains()\` on a list of \`${showType(el)}\` cannot take \`${showType(a.type)}\``,
              ]);
            } else this.enumMembership(callee.object, { ...recv, type: el }, args[0], a, sc);
            return plain(BOOLEAN);
          }
          case "any":
          case "all":
            return this.quantifier(e, method, recv, sc);
        }
        return this.noMethod(e, recv.type, method, LIST_METHODS, sc);
      case "path":
        if (method === "under") {
          if (this.arity(e, at, 1, sc)) this.requireShape(args[0], this.value(args[0], sc), "string", "`.under()`");
          return plain(BOOLEAN);
        }
        return this.noMethod(e, recv.type, method, ["under"], sc);
      case "session":
        if (method === "has") return this.sessionHas(e, sc);
        if (method === "count") return this.sessionCount(e);
        return this.noMethod(e, recv.type, method, ["has", "count"], sc);
      default:
        return this.noMethod(e, recv.type, method, [], sc);
    }
  }

  /**
   * Checks an argument whose expected type is unknown (the receiver is `any`, or the call
   * is already an error): a lambda's body is checked with its parameter typed `param`.
   */
  private looseArgument(a: ast.Expr, sc: Scope, param: Type): void {
    if (a.kind !== "LambdaExpr") {
      this.check(a, sc);
      return;
    }
    const key = this.lambdaKey(a);
    this.resolutions.set(a.param, { kind: "lambda-param", param: a.param });
    this.check(a.body, { ...sc, locals: { name: a.param.name, param: a.param, type: param, key, parent: sc.locals } });
    this.types.set(a, { kind: "lambda", param, result: ANY });
  }

  private lambdaKey(lambda: ast.LambdaExpr): string {
    let key = this.lambdaKeys.get(lambda);
    if (!key) {
      key = `λ${this.lambdaKeys.size}`;
      this.lambdaKeys.set(lambda, key);
    }
    return key;
  }

  private noMethod(e: ast.CallExpr, recvType: Type, method: string, methods: readonly string[], sc: Scope): Ty {
    for (const a of e.args ?? []) this.looseArgument(a, sc, ANY);
    const at = (e.callee as ast.MemberExpr).property.span;
    const s = closest(method, methods);
    const what = `\`${showType(recvType)}\``;
    if (method === "length") this.cx.report(Messages.Type, at, ["`.length` is not a method: write `.length` without `()`"]);
    else this.cx.report(Messages.Type, at, [`${what} has no method \`${method}\``], this.cx.didYouMean(s, at, s));
    return anyTy();
  }

  /** Arity check; reports at the extra argument or at the method name (and then checks the arguments loosely). */
  private arity(e: ast.CallExpr, at: ast.Span, n: number, sc: Scope | null): boolean {
    const args = e.args ?? [];
    if (args.length === n) return true;
    if (sc) for (const a of args) this.looseArgument(a, sc, ANY);
    const name = this.cx.source(at, 40);
    const msg = `\`${name}()\` takes ${n} argument${n === 1 ? "" : "s"}, found ${args.length}`;
    this.cx.report(Messages.Type, args.length > n ? args[n].span : at, [msg]);
    return false;
  }

  private requireShape(e: ast.Expr, ty: Ty, shape: "string" | "number", what: string): void {
    const s = shapeOf(ty.type);
    if (s === shape || s === "any" || s === "never") return;
    this.cx.report(Messages.Type, e.span, [`${what} takes a ${shape}, found \`${showType(ty.type)}\``], this.typeRelated(ty));
  }

  private typeRelated(ty: Ty): { related: RelatedInformation[] } {
    const src = ty.origin?.field.source;
    if (!src || !src.file) return { related: [] };
    return { related: [{ file: src.file, span: src.span, message: `\`${ty.origin!.field.name}\` is declared here` }] };
  }

  /** `.matches(P)` / `.glob(P)`: P is a string literal or a const (§12); regexes are checked. */
  private pattern(arg: ast.Expr, method: string, sc: Scope): void {
    const ty = this.check(arg, sc);
    if (arg.kind === "StringLiteral") {
      if (method === "matches" && typeof arg.value === "string") this.regexes.check(arg.value, arg.span);
      return;
    }
    if (arg.kind === "NameRef" && this.resolutions.get(arg)?.kind === "const") {
      const c = this.consts.lookup(arg.name, arg);
      if (!c || c.value === undefined) return;
      if (typeof c.value !== "string") {
        this.cx.report(Messages.Type, arg.span, [`the pattern of \`.${method}()\` must be a string, found \`${showType(ty.type)}\``]);
        return;
      }
      if (method === "matches" && !this.checkedConstPatterns.has(arg.name)) {
        // Reported once per const, at its string literal when it is one.
        this.checkedConstPatterns.add(arg.name);
        const value = this.binder.consts.get(arg.name)?.value;
        this.regexes.check(c.value, value?.kind === "StringLiteral" ? value.span : arg.span);
      }
      return;
    }
    if (arg.kind === "ErrorExpr") return;
    this.cx.report(Messages.Type, arg.span, [`the pattern of \`.${method}()\` must be a string literal or a const`]);
  }

  private quantifier(e: ast.CallExpr, method: string, recv: Ty, sc: Scope): Ty {
    const args = e.args ?? [];
    const at = (e.callee as ast.MemberExpr).property.span;
    if (!this.arity(e, at, 1, sc)) return plain(BOOLEAN);
    const lambda = args[0];
    if (lambda.kind !== "LambdaExpr") {
      this.check(lambda, sc);
      this.cx.report(Messages.Type, lambda.span, [`\`.${method}()\` takes a lambda such as \`x => x > 0\``]);
      return plain(BOOLEAN);
    }
    const el = elementOf(recv.type);
    const param = lambda.param;
    if (ROOT_NAMES.has(param.name)) {
      this.cx.report(Messages.Type, param.span, [`\`${param.name}\` is a built-in name and cannot name a lambda parameter`]);
    }
    const key = this.lambdaKey(lambda);
    const inner: Scope = { ...sc, locals: { name: param.name, param, type: el, key, parent: sc.locals } };
    this.resolutions.set(param, { kind: "lambda-param", param });
    this.condition(lambda.body, inner);
    this.types.set(lambda, { kind: "lambda", param: el, result: BOOLEAN });
    return plain(BOOLEAN);
  }

  private sessionHas(e: ast.CallExpr, sc: Scope): Ty {
    const at = (e.callee as ast.MemberExpr).property.span;
    if (!this.arity(e, at, 1, null)) return plain(BOOLEAN);
    const arg = e.args[0];
    if (arg.kind !== "NameRef" || this.local(sc, arg.name)) {
      this.check(arg, sc);
      this.cx.report(Messages.Type, arg.span, ["`session.has()` takes a label name, as in `session.has(pii)`"]);
      return plain(BOOLEAN);
    }
    this.types.set(arg, LABEL_T);
    if (this.binder.labels.has(arg.name)) {
      this.resolutions.set(arg, { kind: "label", name: arg.name });
    } else {
      const s = closest(arg.name, this.binder.labels.keys());
      this.cx.report(Messages.UnknownName, arg.span, ["label", arg.name], this.cx.didYouMean(s, arg.span, s && writeName(s)));
    }
    return plain(BOOLEAN);
  }

  private sessionCount(e: ast.CallExpr): Ty {
    const at = (e.callee as ast.MemberExpr).property.span;
    if (!this.arity(e, at, 1, null)) return plain(INTEGER);
    const arg = e.args[0];
    this.types.set(arg, ANY);
    if (arg.kind === "NameRef" && arg.name === "*") return plain(INTEGER);
    if (arg.kind === "MemberExpr" && arg.object.kind === "NameRef") {
      const aliasRef = arg.object;
      this.types.set(aliasRef, ANY);
      const star = arg.property.name === "*" && !arg.property.quoted;
      const r = this.binder.resolveParts({ name: aliasRef.name, span: aliasRef.span }, star ? null : arg.property);
      if (r.alias !== null) {
        this.resolutions.set(aliasRef, { kind: "alias", alias: r.alias });
        if (r.tool) {
          this.resolutions.set(arg, { kind: "tool", qualified: r.tool.qualified });
          this.resolutions.set(arg.property, { kind: "tool", qualified: r.tool.qualified });
        } else if (star) this.resolutions.set(arg, { kind: "alias", alias: r.alias });
      }
      return plain(INTEGER);
    }
    if (arg.kind !== "ErrorExpr") this.cx.report(Messages.Type, arg.span, ["`session.count()` takes a tool selector such as `inv.search`, `inv.*` or `*`"]);
    return plain(INTEGER);
  }

  // ------------------------------------------------------------------ operators

  private unary(e: ast.UnaryExpr, sc: Scope): Ty {
    if (e.op === "not") {
      this.condition(e.operand, sc);
      return plain(BOOLEAN);
    }
    const v = this.value(e.operand, sc);
    this.requireNumber(e.operand, v, "unary `-`");
    return plain(isIntegerType(v.type) ? INTEGER : NUMBER);
  }

  private requireNumber(e: ast.Expr, ty: Ty, op: string): boolean {
    const s = shapeOf(ty.type);
    if (s === "number" || s === "any" || s === "never") return true;
    this.cx.report(Messages.Type, e.span, [`${op} takes numbers, found \`${showType(ty.type)}\``], this.typeRelated(ty));
    return false;
  }

  private binary(e: ast.BinaryExpr, sc: Scope): Ty {
    if (COMPARISONS.has(e.op) && isChainedComparison(e)) {
      // `a < b < c` is E_SYNTAX (the parser reported it); its operands are still checked.
      this.check(e.left, sc);
      this.check(e.right, sc);
      return anyTy();
    }
    switch (e.op) {
      case "and":
      case "or":
        return this.chain(e, e.op, sc);
      case "==":
      case "!=":
        return this.equality(e, sc);
      case "<":
      case "<=":
      case ">":
      case ">=": {
        const l = this.value(e.left, sc);
        const r = this.value(e.right, sc);
        if (this.requireNumber(e.left, l, `\`${e.op}\``)) this.requireNumber(e.right, r, `\`${e.op}\``);
        return plain(BOOLEAN);
      }
      case "+":
      case "-":
      case "*": {
        const l = this.value(e.left, sc);
        const r = this.value(e.right, sc);
        if (this.requireNumber(e.left, l, `\`${e.op}\``)) this.requireNumber(e.right, r, `\`${e.op}\``);
        return plain(isIntegerType(l.type) && isIntegerType(r.type) ? INTEGER : NUMBER);
      }
      case "in":
        return this.membership(e, sc);
      case "??":
        return this.coalesce(e, sc);
      default:
        this.check(e.left, sc);
        this.check(e.right, sc);
        return anyTy();
    }
  }

  /** `a and b and ...` / `a or b or ...`: each operand sees what the earlier ones proved. */
  private chain(e: ast.BinaryExpr, op: "and" | "or", sc: Scope): Ty {
    const operands = flattenChain(e, op);
    const pathOf = (x: ast.Expr) => this.pathOf(x, sc);
    const facts = operands.map((o) => this.narrower.factsOf(o, pathOf));
    const prefix = chainPrefixFacts(facts, op);
    for (let i = 0; i < operands.length; i++) {
      const inner = prefix[i].size ? { ...sc, facts: conjoin(sc.facts, prefix[i]) } : sc;
      this.condition(operands[i], inner);
    }
    // Every inner node of the chain is a boolean too.
    const stack: ast.Expr[] = [e];
    while (stack.length) {
      const x = stack.pop()!;
      if (x.kind === "BinaryExpr" && x.op === op) {
        this.types.set(x, BOOLEAN);
        stack.push(x.left, x.right);
      }
    }
    return plain(BOOLEAN);
  }

  private equality(e: ast.BinaryExpr, sc: Scope): Ty {
    if (e.left.kind === "NullLiteral" || e.right.kind === "NullLiteral") {
      // A null test is a guard, not a use.
      this.check(e.left, sc);
      this.check(e.right, sc);
      return plain(BOOLEAN);
    }
    const l = this.value(e.left, sc);
    const r = this.value(e.right, sc);
    if (!this.comparableOrReport(e, l, r)) return plain(BOOLEAN);
    const ll = this.literalOf(e.left, sc);
    const rl = this.literalOf(e.right, sc);
    if (rl && !ll) this.enumCheck(e.left, l, e.right, rl.value);
    else if (ll && !rl) this.enumCheck(e.right, r, e.left, ll.value);
    return plain(BOOLEAN);
  }

  private comparableOrReport(e: ast.BinaryExpr, l: Ty, r: Ty): boolean {
    for (const side of [l, r]) {
      const s = shapeOf(side.type);
      if (isOpaqueShape(s)) {
        this.cx.report(Messages.Type, e.opSpan ?? e.span, [`\`${e.op}\` cannot compare \`${showType(side.type)}\` values`]);
        return false;
      }
    }
    if (comparable(l.type, r.type)) return true;
    const ll = this.literalSpan(e.left);
    const rl = this.literalSpan(e.right);
    const at = rl && !ll ? e.right.span : ll && !rl ? e.left.span : (e.opSpan ?? e.span);
    const origin = l.origin ? l : r;
    this.cx.report(Messages.Type, at, [`cannot compare \`${showType(l.type)}\` with \`${showType(r.type)}\``], this.typeRelated(origin));
    return false;
  }

  private literalSpan(e: ast.Expr): boolean {
    return (
      e.kind === "StringLiteral" ||
      e.kind === "NumberLiteral" ||
      e.kind === "BooleanLiteral" ||
      e.kind === "MoneyLiteral" ||
      e.kind === "ListLiteral" ||
      e.kind === "RecordLiteral"
    );
  }

  private enumSide(expr: ast.Expr, ty: Ty): EnumSide {
    const related: RelatedInformation[] = [];
    const src = ty.origin?.field.source;
    if (src && src.file) related.push({ file: src.file, span: src.span, message: `the values of \`${ty.origin!.field.name}\` are declared here` });
    return { expr, type: ty.type, related };
  }

  private enumCheck(enumExpr: ast.Expr, enumTy: Ty, valueExpr: ast.Expr, value: LiteralValue): void {
    if (!enumOf(enumTy.type)) return;
    checkEnumValue(this.cx, this.enumSide(enumExpr, enumTy), value, valueExpr.span);
  }

  /** E_ENUM for `x in LIST` / `LIST.contains(x)`: `elTy` is the list's element as a Ty. */
  private enumMembership(listExpr: ast.Expr, elTy: Ty, itemExpr: ast.Expr, itemTy: Ty, sc: Scope): void {
    const item = this.literalOf(itemExpr, sc);
    if (item && !this.literalOf(listExpr, sc) && listExpr.kind !== "ListLiteral") {
      // a literal looked up in an enum-typed list
      this.enumCheck(listExpr, elTy, itemExpr, item.value);
      return;
    }
    if (item || !enumOf(itemTy.type)) return;
    // an enum-typed value looked up in a list of literals
    const side = this.enumSide(itemExpr, itemTy);
    if (listExpr.kind === "ListLiteral") {
      for (const el of listExpr.elements) {
        const lit = this.literalOf(el, sc);
        if (lit) checkEnumValue(this.cx, side, lit.value, el.span);
      }
      return;
    }
    if (listExpr.kind === "NameRef" && this.resolutions.get(listExpr)?.kind === "const") {
      const v = this.consts.lookup(listExpr.name, listExpr)?.value;
      if (Array.isArray(v)) {
        for (const x of v) if (x === null || typeof x !== "object") if (checkEnumValue(this.cx, side, x as LiteralValue, listExpr.span)) break;
      }
    }
  }

  private membership(e: ast.BinaryExpr, sc: Scope): Ty {
    const l = this.value(e.left, sc);
    const r = this.value(e.right, sc);
    const rs = shapeOf(r.type);
    if (rs !== "list" && rs !== "any" && rs !== "never") {
      this.cx.report(Messages.Type, e.right.span, [`the right side of \`in\` must be a list, found \`${showType(r.type)}\``], this.typeRelated(r));
      return plain(BOOLEAN);
    }
    if (isOpaqueShape(shapeOf(l.type))) {
      this.cx.report(Messages.Type, e.left.span, [`\`in\` cannot look up \`${showType(l.type)}\` values`]);
      return plain(BOOLEAN);
    }
    const el = elementOf(r.type);
    if (!comparable(l.type, el)) {
      const at = this.literalSpan(e.left) ? e.left.span : (e.opSpan ?? e.span);
      this.cx.report(Messages.Type, at, [`\`${showType(l.type)}\` can never be in a list of \`${showType(el)}\``], this.typeRelated(l));
      return plain(BOOLEAN);
    }
    this.enumMembership(e.right, { ...r, type: el }, e.left, l, sc);
    return plain(BOOLEAN);
  }

  private coalesce(e: ast.BinaryExpr, sc: Scope): Ty {
    const l = this.check(e.left, sc);
    const r = this.check(e.right, sc);
    if (isOnlyNull(l.type)) return r;
    const lt = this.stripNull(l.type);
    const rt = r.type;
    const rCore = removeNull(rt);
    const ok = isOnlyNull(rt) || comparable(lt, rCore) || shapeOf(rCore) === "never";
    if (!ok) {
      this.cx.report(Messages.Type, e.opSpan ?? e.span, [`the sides of \`??\` have incompatible types \`${showType(lt)}\` and \`${showType(rt)}\``]);
      return { type: ANY, missing: false, path: null, origin: null };
    }
    return { type: unionOf([lt, rt]), missing: r.missing, path: null, origin: l.origin ?? r.origin };
  }

  private has(e: ast.HasExpr, sc: Scope): Ty {
    const obj = this.value(e.object, sc);
    const name = e.field?.name ?? "";
    const shape = shapeOf(obj.type);
    if (shape === "any" || shape === "never") return plain(BOOLEAN);
    const lookup = this.lookupField(obj.type, name);
    if (!lookup.ok) {
      if (lookup.kind === "not-record" && !shapesOf(obj.type).has("record")) {
        this.cx.report(Messages.Type, e.object.span, [`\`has\` needs a record, found \`${showType(obj.type)}\``], this.typeRelated(obj));
      } else this.reportLookup(e.object, e.field, obj, lookup, sc);
      return plain(BOOLEAN);
    }
    this.resolutions.set(e.field, { kind: "field", owner: obj.type, name });
    return plain(BOOLEAN);
  }
}

const COMPARISONS: ReadonlySet<string> = new Set(["==", "!=", "<", "<=", ">", ">=", "in"]);

/** `a == b == c` as the parser recovers it: a comparison whose left operand is an unparenthesized comparison. */
function isChainedComparison(e: ast.BinaryExpr): boolean {
  const l = e.left;
  // A parenthesized operand's span excludes its parentheses, so the parent starts before it.
  return l.kind === "BinaryExpr" && COMPARISONS.has(l.op) && e.span.start === l.span.start;
}

function plain(type: Type): Ty {
  return { type, missing: false, path: null, origin: null };
}

function anyTy(): Ty {
  return { type: ANY, missing: false, path: null, origin: null };
}
