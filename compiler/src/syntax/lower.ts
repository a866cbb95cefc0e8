/**
 * CST (parser.ts) → AST (ast.ts).
 *
 * Contracts:
 * - Total: any CST, however partial after recovery, lowers to a well-formed tree. A
 *   missing expression is an `ErrorExpr`, a missing type an `ErrorTypeExpr`, a missing
 *   name an `Identifier` with `name: ""`, a missing string a `StringLiteral` with
 *   `value: ""`, a missing amount a literal 0 — each with an empty span where it should
 *   stand. A member with annotations but no rule or limit is dropped.
 * - Reports the syntax errors that only the whole shape shows: runs of stray tokens
 *   (one error per run, none when the parser already reported at its first token),
 *   misplaced commas in `context`, chained comparisons, `not` in a tight position,
 *   `.*` outside a tool selector argument, unknown type names, bad windows, header
 *   placement, and expressions deeper than `maxExpressionDepth`.
 * - Precedence (LANGUAGE.md §8, low → high): `or`, `and`, `not`, comparisons/`in`/`has`
 *   (non-associative), `??` (right-associative), `+ -`, `*`, unary `-`, member/call.
 *   Applied iteratively over the flat operand/operator list, so a long chain does not
 *   recurse.
 */
import type { CstElement, CstNode, IToken } from "chevrotain";
import type * as A from "./ast.js";
import { BINARY_PRECEDENCE, PREC_CMP, PREC_COALESCE, PREC_NOT, PREC_OR } from "./precedence.js";
import { type ReportSyntax, tokenEnd } from "./lexer.js";
import { describeToken } from "./parser.js";
import * as T from "./tokens.js";

export interface LowerInput {
  readonly cst: CstNode;
  readonly text: string;
  readonly file: string;
  readonly comments: A.Comment[];
  readonly docBefore: ReadonlyMap<number, string>;
  /** Start offsets of the tokens at which the parser already reported an error. */
  readonly errorAt: ReadonlySet<number>;
  readonly maxExpressionDepth: number;
  readonly report: ReportSyntax;
  /**
   * The CST came from a parse without any error (no recovery): every expression node then
   * owns a distinct token inside its span, so an expression spanning at most
   * `maxExpressionDepth` characters cannot be deeper than that.
   */
  readonly errorFree?: boolean;
}

// ---------------------------------------------------------------- CST access

const isToken = (e: CstElement): e is IToken => "tokenType" in e;
const isReal = (t: IToken): boolean => t.isInsertedInRecovery !== true && Number.isFinite(t.startOffset);

const NONE: CstElement[] = [];

function items(n: CstNode | undefined, key: string): CstElement[] {
  return n?.children[key] ?? NONE;
}
function nodes(n: CstNode | undefined, key: string): CstNode[] {
  const list = items(n, key);
  for (const e of list) if (isToken(e)) return list.filter((x): x is CstNode => !isToken(x));
  return list as CstNode[];
}
function node(n: CstNode | undefined, key: string): CstNode | undefined {
  for (const e of items(n, key)) if (!isToken(e)) return e;
  return undefined;
}
function toks(n: CstNode | undefined, key: string): IToken[] {
  const list = items(n, key);
  for (const e of list) if (!isToken(e) || !isReal(e)) return list.filter((x): x is IToken => isToken(x) && isReal(x));
  return list as IToken[];
}
function tok(n: CstNode | undefined, key: string): IToken | undefined {
  for (const e of items(n, key)) if (isToken(e) && isReal(e)) return e;
  return undefined;
}
/** Whether the key was consumed at all (even as a token inserted by recovery). */
function has(n: CstNode | undefined, key: string): boolean {
  return items(n, key).length > 0;
}

const tokSpan = (t: IToken): A.Span => ({ start: t.startOffset, end: tokenEnd(t) });
const tokEnd = tokenEnd;

function nodeSpan(n: CstNode | undefined): A.Span | undefined {
  const l = n?.location;
  if (!l || !Number.isFinite(l.startOffset) || !Number.isFinite(l.endOffset)) return undefined;
  return { start: l.startOffset, end: (l.endOffset as number) + 1 };
}
const at = (pos: number): A.Span => ({ start: pos, end: pos });
/** Just after the token `key` of `n` (where a missing piece that follows it belongs), else the end of `span`. */
function after(n: CstNode, key: string, span: A.Span): number {
  const t = tok(n, key);
  return t ? tokEnd(t) : span.end;
}
const cover = (a: A.Span, b: A.Span): A.Span => ({ start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) });

// ---------------------------------------------------------------- precedence

/** Operator tokens as written → the operator they stand for. */
const OPERATORS: readonly (readonly [string, A.BinaryOp])[] = [
  ["or", "or"],
  ["||", "or"],
  ["and", "and"],
  ["&&", "and"],
  ["==", "=="],
  ["!=", "!="],
  ["<", "<"],
  ["<=", "<="],
  [">", ">"],
  [">=", ">="],
  ["in", "in"],
  ["??", "??"],
  ["+", "+"],
  ["-", "-"],
  ["*", "*"],
];
const BINARY: ReadonlyMap<string, { op: A.BinaryOp; prec: number }> = new Map(
  OPERATORS.map(([text, op]) => [text, { op, prec: BINARY_PRECEDENCE[op] }]),
);

type Item =
  | { readonly kind: "prefix"; readonly op: "not" | "-"; readonly span: A.Span }
  | { readonly kind: "atom"; readonly expr: A.Expr }
  | { readonly kind: "binary"; readonly op: A.BinaryOp; readonly prec: number; readonly span: A.Span }
  | { readonly kind: "has"; readonly field: A.Identifier; readonly span: A.Span };

const WINDOW_UNITS: ReadonlyMap<string, { ms: number; plural: boolean }> = new Map([
  ["second", { ms: 1000, plural: false }],
  ["seconds", { ms: 1000, plural: true }],
  ["minute", { ms: 60_000, plural: false }],
  ["minutes", { ms: 60_000, plural: true }],
  ["hour", { ms: 3_600_000, plural: false }],
  ["hours", { ms: 3_600_000, plural: true }],
  ["day", { ms: 86_400_000, plural: false }],
  ["days", { ms: 86_400_000, plural: true }],
]);

const PRIMITIVES: ReadonlySet<string> = new Set(["string", "number", "integer", "boolean"]);

// ---------------------------------------------------------------- lowering

export function lower(input: LowerInput): A.Document {
  return new Lowerer(input).document();
}

class Lowerer {
  /** The span with parentheses of each parenthesized expression; parents cover it (`(a or b) and c`). */
  private readonly parenthesized = new WeakMap<A.Expr, A.Span>();
  private readonly outer = (e: A.Expr): A.Span => this.parenthesized.get(e) ?? e.span;

  constructor(private readonly input: LowerInput) {}

  private error(span: A.Span, message: string): void {
    this.input.report(span, message);
  }

  private doc(n: CstNode): string | null {
    const start = n.location?.startOffset;
    return typeof start === "number" && Number.isFinite(start) ? (this.input.docBefore.get(start) ?? null) : null;
  }

  /** Reports each run of stray tokens in an item list once (`keep`: tokens that are not strays). */
  private strays(list: CstElement[], what: string, keep?: (t: IToken) => boolean): void {
    let runStart: IToken | undefined;
    let runEnd: IToken | undefined;
    const flush = () => {
      if (runStart && runEnd && !this.input.errorAt.has(runStart.startOffset)) {
        this.error({ start: runStart.startOffset, end: tokEnd(runEnd) }, `expected ${what} but found ${describeToken(runStart)}`);
      }
      runStart = runEnd = undefined;
    };
    for (const e of list) {
      if (isToken(e) && !keep?.(e)) {
        if (!isReal(e)) continue;
        runStart ??= e;
        runEnd = e;
      } else flush();
    }
    flush();
  }

  // ------------------------------------------------------------ document

  document(): A.Document {
    const { cst, text, file } = this.input;
    const list = items(cst, "item");
    this.strays(list, "a declaration");
    let header: A.PolicyHeader | null = null;
    const declarations: A.Declaration[] = [];
    for (const e of list) {
      if (isToken(e)) continue;
      const inner = firstChildNode(e);
      if (!inner) continue;
      if (inner.name === "header") {
        const h = this.header(inner);
        if (header) this.error(h.span, "a policy has exactly one `policy` header");
        else {
          if (declarations.length > 0) this.error(h.span, "the `policy` header must come before every other declaration");
          header = h;
        }
        continue;
      }
      const d = this.declaration(inner);
      if (d) declarations.push(d);
    }
    if (!header) {
      const first = declarations[0]?.span.start ?? 0;
      this.error(at(first), "expected `policy NAME` at the start of the file");
    }
    return { kind: "Document", span: { start: 0, end: text.length }, file, text, header, declarations, comments: this.input.comments };
  }

  private declaration(n: CstNode): A.Declaration | null {
    switch (n.name) {
      case "toolsDecl":
        return this.tools(n);
      case "contextDecl":
        return this.context(n);
      case "constDecl":
        return this.constDecl(n);
      case "labelDecl":
        return this.label(n);
      case "costDecl":
        return this.cost(n);
      case "priceDecl":
        return this.price(n);
      case "defaultDecl":
        return this.defaultDecl(n);
      case "agentDecl":
        return this.agent(n);
      case "member":
        return this.member(n);
      case "invariantDecl":
        return this.invariant(n);
      case "testDecl":
        return this.test(n);
      default:
        return null;
    }
  }

  private span(n: CstNode, fallback = 0): A.Span {
    return nodeSpan(n) ?? at(fallback);
  }

  // ------------------------------------------------------------ leaves

  private identifierFrom(t: IToken): A.Identifier {
    const quoted = t.tokenType === T.BacktickName;
    return { kind: "Identifier", span: tokSpan(t), name: quoted ? stringPayload(t) : t.image, quoted };
  }

  private missingIdentifier(pos: number): A.Identifier {
    return { kind: "Identifier", span: at(pos), name: "", quoted: false };
  }

  /** A name token, or a missing name at `pos`. */
  private name(t: IToken | undefined, pos: number): A.Identifier {
    return t ? this.identifierFrom(t) : this.missingIdentifier(pos);
  }

  private string(t: IToken | undefined, pos: number): A.StringLiteral {
    return t ? { kind: "StringLiteral", span: tokSpan(t), value: stringPayload(t) } : { kind: "StringLiteral", span: at(pos), value: "" };
  }

  private money(t: IToken | undefined, pos: number): A.MoneyLiteral {
    return t ? { kind: "MoneyLiteral", span: tokSpan(t), micros: numberPayload(t) } : { kind: "MoneyLiteral", span: at(pos), micros: 0 };
  }

  private effect(n: CstNode | undefined, pos: number): A.EffectRef {
    const t = tok(n, "effect");
    if (!t) return { kind: "EffectRef", span: at(pos), effect: "deny" };
    return { kind: "EffectRef", span: tokSpan(t), effect: t.image as A.Effect };
  }

  // ------------------------------------------------------------ declarations

  private header(n: CstNode): A.PolicyHeader {
    const span = this.span(n);
    return {
      kind: "PolicyHeader",
      span,
      doc: this.doc(n),
      name: this.name(tok(n, "name"), after(n, "Policy", span)),
      version: has(n, "Version") ? this.string(tok(n, "version"), span.end) : null,
    };
  }

  private tools(n: CstNode): A.ToolsDecl {
    const span = this.span(n);
    return { kind: "ToolsDecl", span, doc: this.doc(n), alias: this.name(tok(n, "alias"), after(n, "Tools", span)), path: this.string(tok(n, "path"), span.end) };
  }

  private context(n: CstNode): A.ContextDecl {
    const span = this.span(n);
    return { kind: "ContextDecl", span, doc: this.doc(n), fields: this.fields(node(n, "fields")) };
  }

  private fields(n: CstNode | undefined): A.FieldDecl[] {
    const list = items(n, "item");
    this.strays(list, "a field (`NAME: TYPE`)", (t) => t.tokenType === T.Comma);
    const out: A.FieldDecl[] = [];
    let previous: "start" | "field" | "comma" = "start";
    for (const e of list) {
      if (isToken(e)) {
        if (e.tokenType === T.Comma && isReal(e)) {
          if (previous !== "field") this.error(tokSpan(e), "unexpected `,`: a comma may only follow a field");
          previous = "comma";
        } else previous = "start";
        continue;
      }
      out.push(this.field(e));
      previous = "field";
    }
    return out;
  }

  private field(n: CstNode): A.FieldDecl {
    const span = this.span(n);
    const nameTok = tok(n, "name");
    const colon = tok(n, "Colon");
    return {
      kind: "FieldDecl",
      span,
      name: nameTok ? this.identifierFrom(nameTok) : this.missingIdentifier(span.start),
      optional: has(n, "Question"),
      type: this.type(node(n, "type"), colon ? tokEnd(colon) : span.end),
      doc: this.doc(n),
    };
  }

  private type(n: CstNode | undefined, pos: number): A.TypeExpr {
    const span = nodeSpan(n);
    if (!n || !span) return { kind: "ErrorType", span: at(pos) };
    const primitive = tok(n, "primitive");
    if (primitive) {
      if (PRIMITIVES.has(primitive.image)) return { kind: "PrimitiveType", span, name: primitive.image as A.PrimitiveTypeExpr["name"] };
      this.error(tokSpan(primitive), `unknown type \`${primitive.image}\`: use \`string\`, \`number\`, \`integer\`, \`boolean\`, a union of strings, \`[T]\` or \`{ ... }\``);
      return { kind: "ErrorType", span };
    }
    if (has(n, "member")) {
      return { kind: "LiteralUnionType", span, members: toks(n, "member").map((t) => this.string(t, span.end)) };
    }
    if (has(n, "LBracket")) {
      const open = tok(n, "LBracket");
      return { kind: "ListType", span, element: this.type(node(n, "element"), open ? tokEnd(open) : span.end) };
    }
    if (has(n, "LCurly")) return { kind: "RecordType", span, fields: this.fields(node(n, "fields")) };
    return { kind: "ErrorType", span };
  }

  private constDecl(n: CstNode): A.ConstDecl {
    const span = this.span(n);
    const eq = tok(n, "Equals");
    return {
      kind: "ConstDecl",
      span,
      doc: this.doc(n),
      name: this.name(tok(n, "name"), after(n, "Const", span)),
      value: this.rootExpression(node(n, "value"), eq ? tokEnd(eq) : span.end),
    };
  }

  private label(n: CstNode): A.LabelDecl {
    const span = this.span(n);
    return { kind: "LabelDecl", span, doc: this.doc(n), name: this.name(tok(n, "name"), after(n, "Label", span)), selectors: this.selectors(node(n, "selectors")) };
  }

  private cost(n: CstNode): A.CostDecl {
    const span = this.span(n);
    return { kind: "CostDecl", span, doc: this.doc(n), selectors: this.selectors(node(n, "selectors")), amount: this.money(tok(n, "amount"), span.end) };
  }

  private price(n: CstNode): A.PriceDecl {
    const span = this.span(n);
    return {
      kind: "PriceDecl",
      span,
      doc: this.doc(n),
      model: this.string(tok(n, "model"), span.end),
      input: this.money(tok(n, "input"), span.end),
      output: this.money(tok(n, "output"), span.end),
    };
  }

  private defaultDecl(n: CstNode): A.DefaultDecl {
    const t = tok(n, "effect");
    return { kind: "DefaultDecl", span: this.span(n), doc: this.doc(n), effect: t?.image === "allow" ? "allow" : "deny" };
  }

  private agent(n: CstNode): A.AgentDecl {
    const span = this.span(n);
    const body = node(n, "body");
    const list = items(body, "item");
    this.strays(list, "a rule or limit");
    const members: (A.Rule | A.Limit)[] = [];
    for (const e of list) {
      if (isToken(e)) continue;
      const m = this.member(e);
      if (m) members.push(m);
    }
    return {
      kind: "AgentDecl",
      span,
      doc: this.doc(n),
      id: this.string(tok(n, "id"), span.end),
      extends: toks(n, "parent").map((t) => this.string(t, span.end)),
      body: members,
    };
  }

  private member(n: CstNode): A.Rule | A.Limit | null {
    const span = this.span(n);
    const annotations = nodes(n, "annotation").map((a) => this.annotation(a));
    const rule = node(n, "rule");
    if (rule) return this.rule(rule, span, annotations, this.doc(n));
    const limit = node(n, "limit");
    if (limit) return this.limit(limit, span, annotations, this.doc(n));
    return null;
  }

  private annotation(n: CstNode): A.Annotation {
    const span = this.span(n);
    const name = tok(n, "name");
    return {
      kind: "Annotation",
      span,
      name: name ? this.identifierFrom(name) : this.missingIdentifier(span.end),
      value: this.string(tok(n, "value"), span.end),
    };
  }

  private rule(n: CstNode, span: A.Span, annotations: A.Annotation[], doc: string | null): A.Rule {
    const effectNode = node(n, "effect");
    const effectTok = tok(effectNode, "effect");
    const when = tok(n, "When");
    const unless = tok(n, "Unless");
    const end = nodeSpan(n)?.end ?? span.end;
    return {
      kind: "Rule",
      span,
      doc,
      annotations,
      effect: (effectTok?.image ?? "deny") as A.Effect,
      effectSpan: effectTok ? tokSpan(effectTok) : at(span.start),
      selectors: this.selectors(node(n, "selectors")),
      when: has(n, "When") ? this.rootExpression(node(n, "when"), when ? tokEnd(when) : end) : null,
      unless: has(n, "Unless") ? this.rootExpression(node(n, "unless"), unless ? tokEnd(unless) : end) : null,
      because: has(n, "Because") ? this.string(tok(n, "because"), end) : null,
    };
  }

  private limit(n: CstNode, span: A.Span, annotations: A.Annotation[], doc: string | null): A.Limit {
    const end = nodeSpan(n)?.end ?? span.end;
    const kindTok = tok(n, "kind");
    const limitKind: A.LimitKind = kindTok ? (kindTok.image as A.LimitKind) : "calls";
    const amountTok = tok(n, "amount");
    let amount: A.NumberLiteral | A.MoneyLiteral;
    if (limitKind === "cost") amount = this.money(amountTok, end);
    else amount = amountTok ? { kind: "NumberLiteral", span: tokSpan(amountTok), value: numberPayload(amountTok) } : { kind: "NumberLiteral", span: at(end), value: 0 };
    const byNode = node(n, "by");
    let by: A.Expr | null = null;
    if (byNode) {
      const byTok = tok(byNode, "By");
      by = this.rootExpression(node(byNode, "key"), byTok ? tokEnd(byTok) : end);
    }
    return {
      kind: "Limit",
      span,
      doc,
      annotations,
      limitKind,
      selectors: limitKind === "calls" ? this.selectors(node(n, "selectors")) : [],
      amount,
      window: limitKind === "repeats" ? null : this.window(node(n, "window")),
      by,
    };
  }

  private window(n: CstNode | undefined): A.Window | null {
    const span = nodeSpan(n);
    if (!n || !span) return null;
    if (tok(n, "Session")) return { kind: "Window", span, ms: "session" };
    const unitTok = tok(n, "unit");
    const unit = unitTok ? WINDOW_UNITS.get(unitTok.image) : undefined;
    if (!unitTok || !unit) return null;
    const countTok = tok(n, "count");
    if (!countTok) {
      if (unit.plural) this.error(tokSpan(unitTok), `\`per ${unitTok.image}\` needs a count: write \`per ${unitTok.image.slice(0, -1)}\` or \`per 5 ${unitTok.image}\``);
      return { kind: "Window", span, ms: unit.ms };
    }
    const count = numberPayload(countTok);
    if (!Number.isInteger(count) || count < 1) {
      this.error(tokSpan(countTok), `a window length must be a whole number of at least 1, not \`${countTok.image}\``);
      return { kind: "Window", span, ms: unit.ms };
    }
    const ms = count * unit.ms;
    if (!Number.isSafeInteger(ms)) {
      this.error(span, "this window is too long");
      return { kind: "Window", span, ms: unit.ms };
    }
    return { kind: "Window", span, ms };
  }

  private selectors(n: CstNode | undefined): A.ToolSelector[] {
    return nodes(n, "selector").map((s) => this.selector(s));
  }

  private selector(n: CstNode): A.ToolSelector {
    const span = this.span(n);
    const all = tok(n, "all");
    if (all) return { kind: "ToolSelector", span: tokSpan(all), alias: null, tool: null, text: "*" };
    const aliasTok = tok(n, "alias");
    const alias = this.name(aliasTok, span.start);
    const aliasText = aliasTok?.image ?? "";
    const dot = tok(n, "Dot");
    if (tok(n, "allTools")) return { kind: "ToolSelector", span, alias, tool: null, text: `${aliasText}.*` };
    const toolTok = tok(n, "tool");
    const tool = toolTok ? this.identifierFrom(toolTok) : this.missingIdentifier(dot ? tokEnd(dot) : span.end);
    return { kind: "ToolSelector", span, alias, tool, text: `${aliasText}${dot ? "." : ""}${toolTok?.image ?? ""}` };
  }

  private invariant(n: CstNode): A.Invariant {
    const span = this.span(n);
    const when = tok(n, "When");
    return {
      kind: "Invariant",
      span,
      doc: this.doc(n),
      name: this.name(tok(n, "name"), after(n, "Invariant", span)),
      agent: has(n, "Agent") ? this.string(tok(n, "agent"), span.end) : null,
      selectors: this.selectors(node(n, "selectors")),
      when: has(n, "When") ? this.rootExpression(node(n, "when"), when ? tokEnd(when) : span.end) : null,
      effects: nodes(n, "effect")
        .filter((e) => tok(e, "effect"))
        .map((e) => this.effect(e, span.end)),
    };
  }

  private test(n: CstNode): A.TestDecl {
    const span = this.span(n);
    const list = items(node(n, "body"), "item");
    this.strays(list, "`expect`");
    const expects: A.Expect[] = [];
    for (const e of list) if (!isToken(e)) expects.push(this.expect(e));
    return { kind: "TestDecl", span, doc: this.doc(n), name: this.string(tok(n, "name"), span.end), expects };
  }

  private expect(n: CstNode): A.Expect {
    const span = this.span(n);
    const toolNode = node(n, "tool");
    let tool: A.ToolSelector;
    if (toolNode && nodeSpan(toolNode)) {
      tool = this.selector(toolNode);
      if (tool.alias === null || (tool.tool === null && tool.alias.name !== "")) {
        this.error(tool.span, `\`expect\` calls one tool: write \`ALIAS.TOOL\`, not \`${tool.text}\``);
      }
    } else {
      const calls = tok(n, "Calls");
      tool = { kind: "ToolSelector", span: at(calls ? tokEnd(calls) : span.end), alias: null, tool: null, text: "" };
    }
    const open = tok(n, "LParen");
    const withTok = tok(n, "With");
    return {
      kind: "Expect",
      span,
      agent: this.string(tok(n, "agent"), span.end),
      tool,
      args: this.record(node(n, "args"), open ? tokEnd(open) : span.end, true),
      context: has(n, "With") ? this.record(node(n, "context"), withTok ? tokEnd(withTok) : span.end, true) : null,
      effect: this.effect(node(n, "effect"), span.end),
      ruleId: tok(n, "ruleId") ? this.string(tok(n, "ruleId"), span.end) : null,
    };
  }

  // ------------------------------------------------------------ expressions

  /** An expression that stands on its own (`when`, `unless`, `by`, `const`): depth-checked. */
  private rootExpression(n: CstNode | undefined, pos: number): A.Expr {
    return this.depthChecked(this.expression(n, pos));
  }

  private depthChecked(e: A.Expr): A.Expr {
    const max = this.input.maxExpressionDepth;
    if (this.input.errorFree === true && e.span.end - e.span.start <= max) return e;
    if (!deeperThan(e, max)) return e;
    this.error(e.span, `expression nested too deeply: at most ${max} levels`);
    return { kind: "ErrorExpr", span: e.span };
  }

  private expression(n: CstNode | undefined, pos: number): A.Expr {
    const start = nodeSpan(n)?.start ?? pos;
    const list: Item[] = [];
    this.operandItems(node(n, "operand"), start, list);
    for (const tail of nodes(n, "tail")) {
      const opTok = tok(tail, "op");
      if (!opTok) continue;
      if (opTok.tokenType === T.Has) {
        list.push({ kind: "has", field: this.name(tok(tail, "field"), tokEnd(opTok)), span: tokSpan(opTok) });
        continue;
      }
      const info = BINARY.get(opTok.image);
      if (!info) continue;
      list.push({ kind: "binary", op: info.op, prec: info.prec, span: tokSpan(opTok) });
      this.operandItems(node(tail, "operand"), tokEnd(opTok), list);
    }
    return new Pratt(list, (span, message) => this.error(span, message), this.outer).parse();
  }

  private operandItems(n: CstNode | undefined, pos: number, out: Item[]): void {
    for (const p of toks(n, "prefix")) out.push({ kind: "prefix", op: p.tokenType === T.Minus ? "-" : "not", span: tokSpan(p) });
    const after = toks(n, "prefix").at(-1);
    out.push({ kind: "atom", expr: this.postfix(n, after ? tokEnd(after) : pos) });
  }

  /** primary postfix* — folded iteratively. */
  private postfix(n: CstNode | undefined, pos: number): A.Expr {
    let e = this.primary(n, pos);
    for (const op of nodes(n, "postfix")) {
      const opSpan = nodeSpan(op);
      const deep = tok(op, "TooDeep");
      if (deep) {
        e = { kind: "ErrorExpr", span: cover(this.outer(e), tokSpan(deep)) };
        continue;
      }
      const dot = tok(op, "Dot");
      if (has(op, "Dot")) {
        const star = tok(op, "star");
        if (star) {
          this.error(cover(this.outer(e), tokSpan(star)), "`.*` selects every tool of a manifest and can only be a call argument, like `session.count(inv.*)`");
          e = { kind: "MemberExpr", span: cover(this.outer(e), tokSpan(star)), object: e, property: { kind: "Identifier", span: tokSpan(star), name: "*", quoted: false } };
          continue;
        }
        const property = this.name(tok(op, "name"), dot ? tokEnd(dot) : (opSpan?.end ?? e.span.end));
        e = { kind: "MemberExpr", span: cover(this.outer(e), property.span), object: e, property };
        continue;
      }
      const args = nodes(op, "arg").map((a) => this.callArg(a));
      const callee = this.outer(e);
      const end = opSpan?.end ?? (args.length > 0 ? this.outer(args[args.length - 1]).end : callee.end);
      e = { kind: "CallExpr", span: cover(callee, { start: callee.start, end }), callee: e, args };
    }
    return e;
  }

  private callArg(n: CstNode): A.Expr {
    const span = this.span(n);
    const star = tok(n, "star");
    if (star) return { kind: "NameRef", span: tokSpan(star), name: "*", quoted: false };
    if (has(n, "param")) {
      const param = this.name(tok(n, "param"), span.start);
      const arrow = tok(n, "Arrow");
      const body = this.expression(node(n, "body"), arrow ? tokEnd(arrow) : span.end);
      return { kind: "LambdaExpr", span: cover(param.span, this.outer(body)), param, body };
    }
    const value = node(n, "value");
    const wildcard = this.aliasWildcard(value);
    return wildcard ?? this.expression(value, span.start);
  }

  /** `ALIAS.*` standing alone as a call argument: a MemberExpr whose property is `*`. */
  private aliasWildcard(expr: CstNode | undefined): A.Expr | null {
    if (!expr || has(expr, "tail")) return null;
    const operand = node(expr, "operand");
    if (!operand || has(operand, "prefix")) return null;
    const ops = nodes(operand, "postfix");
    if (ops.length !== 1) return null;
    const star = tok(ops[0], "star");
    const nameTok = tok(operand, "name");
    if (!star || !nameTok) return null;
    const object: A.NameRef = { kind: "NameRef", span: tokSpan(nameTok), name: nameTok.tokenType === T.BacktickName ? stringPayload(nameTok) : nameTok.image, quoted: nameTok.tokenType === T.BacktickName };
    return { kind: "MemberExpr", span: cover(object.span, tokSpan(star)), object, property: { kind: "Identifier", span: tokSpan(star), name: "*", quoted: false } };
  }

  /** The primary of an `operand` node (its prefixes and postfix operations are handled by the callers). */
  private primary(n: CstNode | undefined, pos: number): A.Expr {
    const span = primarySpan(n);
    if (!n || !span) return { kind: "ErrorExpr", span: at(pos) };
    let t: IToken | undefined;
    if ((t = tok(n, "StringLit"))) return { kind: "StringLiteral", span, value: stringPayload(t) };
    if ((t = tok(n, "NumberLit"))) return { kind: "NumberLiteral", span, value: numberPayload(t) };
    if ((t = tok(n, "MoneyLit"))) return { kind: "MoneyLiteral", span, micros: numberPayload(t) };
    if (tok(n, "True")) return { kind: "BooleanLiteral", span, value: true };
    if (tok(n, "False")) return { kind: "BooleanLiteral", span, value: false };
    if (tok(n, "Null")) return { kind: "NullLiteral", span };
    if ((t = tok(n, "name"))) {
      const quoted = t.tokenType === T.BacktickName;
      return { kind: "NameRef", span, name: quoted ? stringPayload(t) : t.image, quoted };
    }
    const list = node(n, "list");
    if (list) {
      const open = tok(list, "LBracket");
      return { kind: "ListLiteral", span, elements: nodes(list, "element").map((e) => this.expression(e, open ? tokEnd(open) : span.start)) };
    }
    const record = node(n, "record");
    if (record) return this.record(record, span.start, false);
    if (has(n, "LParen")) {
      const open = tok(n, "LParen");
      const inner = this.expression(node(n, "inner"), open ? tokEnd(open) : span.start);
      this.parenthesized.set(inner, cover(span, inner.span));
      return inner;
    }
    return { kind: "ErrorExpr", span };
  }

  private record(n: CstNode | undefined, pos: number, checkDepth: boolean): A.RecordLiteral {
    const span = nodeSpan(n);
    if (!n || !span) return { kind: "RecordLiteral", span: at(pos), entries: [] };
    const entries: A.RecordEntry[] = [];
    for (const e of nodes(n, "entry")) {
      const entrySpan = this.span(e, span.end);
      const keyTok = tok(e, "key");
      const colon = tok(e, "Colon");
      const raw = this.expression(node(e, "value"), colon ? tokEnd(colon) : entrySpan.end);
      const value = checkDepth ? this.depthChecked(raw) : raw;
      entries.push({
        kind: "RecordEntry",
        span: entrySpan,
        key: keyTok ? (keyTok.tokenType === T.StringLit || keyTok.tokenType === T.BacktickName ? stringPayload(keyTok) : keyTok.image) : "",
        keySpan: keyTok ? tokSpan(keyTok) : at(entrySpan.start),
        keyQuoted: keyTok?.tokenType === T.StringLit,
        value,
      });
    }
    return { kind: "RecordLiteral", span, entries };
  }
}

/** Operator precedence over a flat operand/operator list (see the file header). */
class Pratt {
  private pos = 0;
  constructor(
    private readonly list: Item[],
    private readonly error: ReportSyntax,
    private readonly outer: (e: A.Expr) => A.Span,
  ) {}

  parse(): A.Expr {
    return this.level(PREC_OR);
  }

  private peek(): Item | undefined {
    return this.list[this.pos];
  }

  /** prefix* atom, then operators of precedence ≥ minPrec. */
  private level(minPrec: number): A.Expr {
    const prefixes: Extract<Item, { kind: "prefix" }>[] = [];
    for (let it = this.peek(); it?.kind === "prefix"; it = this.peek()) {
      prefixes.push(it);
      this.pos++;
    }
    const atomItem = this.peek();
    let atom: A.Expr;
    if (atomItem?.kind === "atom") {
      atom = atomItem.expr;
      this.pos++;
    } else {
      atom = { kind: "ErrorExpr", span: at(prefixes.at(-1)?.span.end ?? atomItem?.span.start ?? 0) };
    }
    // A valid run is `not* -*`; `not` after `-` is reported and then applied where written.
    let firstMinus = prefixes.findIndex((p) => p.op === "-");
    const misplacedNot = firstMinus >= 0 && prefixes.slice(firstMinus).some((p) => p.op === "not");
    if (misplacedNot) {
      this.error(prefixes.slice(firstMinus).find((p) => p.op === "not")!.span, "`not` cannot follow unary `-`: add parentheses");
      firstMinus = 0;
    }
    const nots = firstMinus < 0 ? prefixes : prefixes.slice(0, firstMinus);
    const tight = firstMinus < 0 ? [] : prefixes.slice(firstMinus);
    for (let i = tight.length - 1; i >= 0; i--) atom = this.unary(tight[i], atom);
    if (nots.length === 0) return this.binary(atom, minPrec);
    if (minPrec > PREC_NOT) this.error(nots[0].span, "`not` binds more loosely than the operator before it: add parentheses, like `(not x)`");
    let e = this.binary(atom, PREC_CMP);
    for (let i = nots.length - 1; i >= 0; i--) e = this.unary(nots[i], e);
    return this.binary(e, minPrec);
  }

  private binary(left: A.Expr, minPrec: number): A.Expr {
    for (let it = this.peek(); it && (it.kind === "binary" || it.kind === "has"); it = this.peek()) {
      const prec = it.kind === "has" ? PREC_CMP : it.prec;
      if (prec < minPrec) break;
      this.pos++;
      if (it.kind === "has") {
        left = { kind: "HasExpr", span: cover(this.outer(left), it.field.span.end > it.span.end ? it.field.span : it.span), object: left, field: it.field };
      } else if (it.op === "??") {
        const operands: A.Expr[] = [left, this.level(PREC_COALESCE + 1)];
        const ops: A.Span[] = [it.span];
        for (let next = this.peek(); next?.kind === "binary" && next.op === "??"; next = this.peek()) {
          this.pos++;
          ops.push(next.span);
          operands.push(this.level(PREC_COALESCE + 1));
        }
        let acc = operands[operands.length - 1];
        for (let i = operands.length - 2; i >= 0; i--) acc = this.binaryExpr("??", ops[i], operands[i], acc);
        left = acc;
      } else {
        left = this.binaryExpr(it.op, it.span, left, this.level(prec + 1));
      }
      if (it.kind === "has") {
        const next = this.peek();
        if (next?.kind === "binary" && next.prec > PREC_CMP) {
          this.error(next.span, "`has` takes one field name: add parentheses around the left side");
        }
      }
      if (prec === PREC_CMP) {
        const next = this.peek();
        if (next && (next.kind === "has" || (next.kind === "binary" && next.prec === PREC_CMP))) {
          this.error(next.span, "comparisons do not chain: join them with `and`, or add parentheses");
        }
      }
    }
    return left;
  }

  private unary(p: Extract<Item, { kind: "prefix" }>, operand: A.Expr): A.Expr {
    return { kind: "UnaryExpr", span: cover(p.span, this.outer(operand)), op: p.op, operand };
  }

  private binaryExpr(op: A.BinaryOp, opSpan: A.Span, left: A.Expr, right: A.Expr): A.BinaryExpr {
    return { kind: "BinaryExpr", span: cover(cover(this.outer(left), opSpan), this.outer(right)), op, opSpan, left, right };
  }
}

/** Whether an expression tree is deeper than `limit` (counted iteratively, without recursion). */
function deeperThan(root: A.Expr, limit: number): boolean {
  const stack: A.Expr[] = [root];
  const depths: number[] = [1];
  let d = 1;
  const push = (c: A.Expr): void => {
    stack.push(c);
    depths.push(d + 1);
  };
  while (stack.length > 0) {
    const e = stack.pop()!;
    d = depths.pop()!;
    if (d > limit) return true;
    switch (e.kind) {
      case "ListLiteral":
        for (const c of e.elements) push(c);
        break;
      case "RecordLiteral":
        for (const c of e.entries) push(c.value);
        break;
      case "MemberExpr":
        push(e.object);
        break;
      case "CallExpr":
        push(e.callee);
        for (const c of e.args) push(c);
        break;
      case "LambdaExpr":
        push(e.body);
        break;
      case "UnaryExpr":
        push(e.operand);
        break;
      case "BinaryExpr":
        push(e.left);
        push(e.right);
        break;
      case "HasExpr":
        push(e.object);
        break;
      default:
        break;
    }
  }
  return false;
}

function firstChildNode(n: CstNode): CstNode | undefined {
  for (const key in n.children) for (const e of n.children[key]) if (!isToken(e)) return e;
  return undefined;
}

const PRIMARY_TOKENS = ["StringLit", "NumberLit", "MoneyLit", "True", "False", "Null", "name", "TooDeep"];

/** The span of an operand's primary: its one token, its list or record, or its parentheses. */
function primarySpan(n: CstNode | undefined): A.Span | undefined {
  if (!n) return undefined;
  for (const key of PRIMARY_TOKENS) {
    const t = tok(n, key);
    if (t) return tokSpan(t);
  }
  const inner = node(n, "list") ?? node(n, "record");
  if (inner) return nodeSpan(inner);
  if (has(n, "LParen")) {
    const open = tok(n, "LParen");
    const close = tok(n, "RParen");
    const innerSpan = nodeSpan(node(n, "inner"));
    const start = open?.startOffset ?? innerSpan?.start;
    const end = close ? tokEnd(close) : (innerSpan?.end ?? (open ? tokEnd(open) : undefined));
    return start !== undefined && end !== undefined ? { start, end } : undefined;
  }
  return undefined;
}

function stringPayload(t: IToken): string {
  return typeof t.payload === "string" ? t.payload : t.image;
}

function numberPayload(t: IToken): number {
  return typeof t.payload === "number" ? t.payload : 0;
}
