/**
 * Completion. The cursor's context comes from a token-level look-back (cursor.ts), so it
 * works in half-typed text that does not parse (`allow inv.`, `when args.`); names and
 * types come from the model of the current version, falling back to the last version that
 * parsed cleanly (model-view.ts).
 *
 * Offered: declaration keywords where a declaration may start; clause keywords after a
 * selector or a condition; aliases, `ALIAS.` tools and `*` where a selector stands;
 * fields, properties and methods after `.` (typed by the tools the enclosing rule
 * selects, `context`, consts, lambda parameters, built-ins); fields after `has`; enum
 * values after `==`, `!=` and `in`; roots, consts and `url`/`path` where an expression
 * starts; labels inside `session.has(`; agent ids after `agent`/`extends`; rule ids after
 * an `expect`'s effect; limit windows; `context` field types.
 */
import { KEYWORDS, type LiteralValue, policyString, type RecordType, showType, type ToolInfo, type Type } from "@agentpolicy/compiler";
import {
  type CompletionItem,
  CompletionItemKind,
  type CompletionList,
  type CompletionParams,
  InsertTextFormat,
  MarkupKind,
} from "vscode-languageserver";
import {
  blockFrame,
  type Chain,
  chainEndingAt,
  type Cursor,
  cursorAt,
  type Frame,
  isWord,
  nameOf,
  startsStatement,
} from "../cursor.js";
import { KEYWORD_DOCS } from "../keyword-docs.js";
import { fieldsOf, FUNCTIONS, type Member, membersOfType, recordsOf, ROOT_TYPES, ROOTS } from "../members.js";
import { argsType, ModelView, type SelectorText } from "../model-view.js";
import type { Snapshot, Token } from "../snapshot.js";

/**
 * What completion reads: the current text, and the newest checked version (which may be
 * older than the text: completion does not wait for a check) with the last clean one.
 */
export type CompletionInput = Pick<Snapshot, "text" | "lines" | "checked" | "lastGood">;
import { code, toolDoc, valueText } from "../type-text.js";

export interface CompletionOptions {
  /** The client accepts snippets (`$1`) in insert texts. */
  readonly snippets: boolean;
}

const EMPTY: CompletionList = { isIncomplete: false, items: [] };

const TOP_STARTERS = ["policy", "tools", "context", "const", "label", "cost", "price", "default", "agent", "allow", "deny", "review", "limit", "invariant", "test"];
const MEMBER_STARTERS = ["allow", "deny", "review", "limit"];
const EFFECTS = ["allow", "deny", "review"];
const WINDOWS = ["second", "minute", "hour", "day", "session"];
const CONTEXT_TYPES = ["string", "number", "integer", "boolean"];
const EFFECT_TOKENS: ReadonlySet<string> = new Set(["Allow", "Deny", "Review"]);
/** Tokens after which an expression (an operand) is expected. */
const OPERAND_EXPECTED: ReadonlySet<string> = new Set([
  "When", "Unless", "And", "Or", "Not", "LParen", "LBracket", "Comma", "EqEq", "NotEq", "Lt", "Le", "Gt", "Ge", "In", "QQ", "Plus", "Minus", "Star", "Arrow", "By", "Equals", "Colon",
]);
/** Tokens that end an operand. */
const OPERAND_END: ReadonlySet<string> = new Set(["RParen", "RBracket", "StringLit", "NumberLit", "MoneyLit", "True", "False", "Null"]);

// Sort groups: what the position most likely wants first.
const SORT = { value: "0", field: "1", name: "2", keyword: "3", starter: "4" } as const;

export function handleCompletion(snapshot: CompletionInput, params: CompletionParams, options: CompletionOptions = { snippets: true }): CompletionList {
  const offset = snapshot.lines.offset(params.position);
  const cursor = cursorAt(snapshot.text, offset);
  if (cursor.inComment) return EMPTY;
  const items = new Completer(snapshot, cursor, options).run();
  return { isIncomplete: false, items };
}

class Completer {
  private readonly view: ModelView;
  private readonly t: readonly Token[];
  private readonly items: CompletionItem[] = [];
  private readonly seen = new Set<string>();
  private readonly block: Frame;

  constructor(
    private readonly snapshot: CompletionInput,
    private readonly c: Cursor,
    private readonly options: CompletionOptions,
  ) {
    this.view = new ModelView(snapshot);
    this.t = c.tokens;
    this.block = blockFrame(c);
  }

  run(): CompletionItem[] {
    if (this.c.inString >= 0) {
      this.inString(this.c.inString);
      return this.items;
    }
    const p = this.c.prev;
    const prev = this.t[p];
    const inner = this.c.frames[this.c.frames.length - 1];

    if (prev?.type === "Dot") {
      this.afterDot(p);
      return this.items;
    }
    if (prev?.type === "At") {
      this.keyword("id", SORT.keyword, "`@id(\"NAME\")` names the rule.");
      return this.items;
    }
    if (prev?.type === "Has" && this.t[p - 1]?.type !== "Dot") {
      const chain = chainEndingAt(this.t, p - 1);
      const ty = chain && this.chainType(chain);
      if (ty) for (const m of fieldsOf(ty)) this.member(m);
      return this.items;
    }
    if (this.block.kind === "context") {
      if (prev?.type === "Colon" || prev?.type === "LBracket" || prev?.type === "Pipe") for (const w of CONTEXT_TYPES) this.keyword(w, SORT.keyword);
      return this.items;
    }
    // Inside `session.has(` / `session.count(`.
    if (inner.kind === "paren" && (prev?.type === "LParen" || prev?.type === "Comma")) {
      const callee = this.sessionCall(inner.open);
      if (callee === "has") {
        for (const l of this.view.labels()) this.label(l.name, l.tools);
        return this.items;
      }
      if (callee === "count") {
        this.selectorStart(true);
        return this.items;
      }
    }
    if (inner.kind === "record" && this.recordKeys(p)) return this.items;
    if (this.block === inner) {
      if (this.statementPosition(p)) return this.items;
    } else if (prev && OPERAND_EXPECTED.has(prev.type)) {
      this.operandStart(p);
      return this.items;
    } else if (prev && (OPERAND_END.has(prev.type) || isWord(prev))) {
      this.operatorsAfterOperand(false);
      return this.items;
    }
    return this.items;
  }

  // ------------------------------------------------------------------ positions

  private stmtType(): string | null {
    const s = this.block.stmt;
    return s >= 0 ? this.t[s].type : null;
  }

  /** Completions at block level, decided by the statement and its last clause. Returns false when none applied. */
  private statementPosition(p: number): boolean {
    const prev = this.t[p];
    const stmt = this.block.stmt;
    const kind = this.stmtType();
    const clause = this.block.clause >= 0 ? this.t[this.block.clause].type : null;
    if (!prev || stmt < 0 || prev.type === "LCurly" || prev.type === "RCurly") {
      this.starters();
      return true;
    }
    switch (kind) {
      case "Allow":
      case "Deny":
      case "Review":
        return this.inRule(p, clause);
      case "At":
        if (prev.type === "RParen") for (const e of EFFECTS) this.keyword(e, SORT.keyword);
        return true;
      case "Limit":
        return this.inLimit(p, clause);
      case "Label":
        if (clause === null) {
          if (p !== stmt) this.keyword("on", SORT.keyword);
        } else if (this.selectorExpected(p)) this.selectorStart(true);
        else if (this.selectorComplete(p)) this.afterComplete([]);
        return true;
      case "Cost":
        if (clause === null) {
          if (this.selectorExpected(p)) this.selectorStart(true);
        } else if (clause === "Equals" && prev.type === "MoneyLit") this.keyword("per", SORT.keyword);
        else if (clause === "Per" && prev.type === "Per") this.keyword("call", SORT.keyword);
        else this.afterComplete([]);
        return true;
      case "Const":
        if (clause === "Equals") {
          if (OPERAND_EXPECTED.has(prev.type)) this.operandStart(p);
          else {
            this.operatorsAfterOperand(true);
            this.afterComplete([]);
          }
        }
        return true;
      case "Tools":
        if (p === stmt + 1 && isWord(prev)) this.keyword("from", SORT.keyword);
        else if (clause === "From" && prev.type === "StringLit") this.afterComplete([]);
        return true;
      case "Policy":
        if (p === stmt + 1 && isWord(prev)) this.keyword("version", SORT.keyword);
        else if (clause !== null || p > stmt + 1) this.afterComplete([]);
        return true;
      case "Default":
        if (p === stmt) for (const e of ["allow", "deny"]) this.keyword(e, SORT.keyword);
        else this.afterComplete([]);
        return true;
      case "Agent":
        if (prev.type === "Extends" || (prev.type === "Comma" && clause === "Extends")) this.agentIds(true);
        else if (prev.type === "StringLit" && clause === null) this.keyword("extends", SORT.keyword);
        return true;
      case "Invariant":
        return this.inInvariant(p, clause);
      case "Test":
        return true;
      case "Expect":
        return this.inExpect(p, clause);
      case "Context":
        return true;
      default:
        this.starters();
        return true;
    }
  }

  private inRule(p: number, clause: string | null): boolean {
    const prev = this.t[p];
    if (clause === null) {
      if (this.selectorExpected(p)) this.selectorStart(true);
      else if (this.selectorComplete(p)) this.afterComplete(["when", "unless", "because"]);
      return true;
    }
    if (clause === "Because") {
      if (prev.type === "StringLit") this.afterComplete([]);
      return true;
    }
    if (OPERAND_EXPECTED.has(prev.type)) {
      this.operandStart(p);
      return true;
    }
    if (OPERAND_END.has(prev.type) || isWord(prev)) {
      this.operatorsAfterOperand(false);
      this.afterComplete(clause === "When" ? ["unless", "because"] : ["because"]);
    }
    return true;
  }

  private inLimit(p: number, clause: string | null): boolean {
    const prev = this.t[p];
    const stmt = this.block.stmt;
    const kindTok = this.t[stmt + 1]?.type;
    if (clause === null) {
      if (p === stmt) {
        this.selectorStart(true);
        for (const k of ["tokens", "cost", "repeats"]) this.keyword(k, SORT.keyword);
      } else if (kindTok === "Tokens" || kindTok === "Cost" || kindTok === "Repeats") {
        if (p === stmt + 1) this.keyword("to", SORT.keyword);
      } else if (this.selectorExpected(p)) this.selectorStart(true);
      else if (this.selectorComplete(p)) this.keyword("to", SORT.keyword);
      return true;
    }
    if (clause === "To") {
      if (prev.type === "NumberLit" || prev.type === "MoneyLit") {
        if (kindTok === "Repeats") this.afterComplete([]);
        else this.keyword(kindTok === "Tokens" || kindTok === "Cost" ? "per" : "calls", SORT.keyword);
      }
      return true;
    }
    if (clause === "Calls") {
      this.keyword("per", SORT.keyword);
      return true;
    }
    if (clause === "Per") {
      if (prev.type === "Per") {
        for (const w of WINDOWS) this.keyword(w, SORT.keyword);
      } else if (prev.type === "NumberLit") {
        for (const w of ["seconds", "minutes", "hours", "days"]) this.keyword(w, SORT.keyword);
      } else this.afterComplete(["by"]);
      return true;
    }
    if (clause === "By") {
      if (OPERAND_EXPECTED.has(prev.type)) this.operandStart(p);
      else this.afterComplete([]);
    }
    return true;
  }

  private inInvariant(p: number, clause: string | null): boolean {
    const prev = this.t[p];
    if (clause === "Colon") {
      if (prev.type === "Colon") {
        this.keyword("agent", SORT.keyword);
        this.selectorStart(true);
      } else if (prev.type === "Agent") this.agentIds(true);
      else if (this.selectorExpected(p)) this.selectorStart(true);
      else if (this.selectorComplete(p)) this.afterComplete(["when", "=>"]);
      return true;
    }
    if (clause === "When") {
      if (OPERAND_EXPECTED.has(prev.type)) this.operandStart(p);
      else {
        this.operatorsAfterOperand(false);
        this.keyword("=>", SORT.keyword);
      }
      return true;
    }
    if (clause === "Arrow" || clause === "Pipe") {
      if (prev.type === "Arrow" || prev.type === "Pipe") for (const e of EFFECTS) this.keyword(e, SORT.keyword);
      else this.afterComplete([]);
    }
    return true;
  }

  private inExpect(p: number, clause: string | null): boolean {
    const prev = this.t[p];
    if (clause === null) {
      if (prev.type === "Expect") this.keyword("agent", SORT.keyword);
      else if (prev.type === "Agent") this.agentIds(true);
      else if (prev.type === "StringLit") this.keyword("calls", SORT.keyword);
      return true;
    }
    if (clause === "Calls") {
      if (prev.type === "Calls") this.selectorStart(false);
      else if (prev.type === "RParen") {
        this.keyword("with", SORT.keyword);
        this.keyword("=>", SORT.keyword);
      }
      return true;
    }
    if (clause === "With") {
      if (prev.type === "RCurly") this.keyword("=>", SORT.keyword);
      return true;
    }
    if (clause === "Arrow") {
      if (prev.type === "Arrow") for (const e of EFFECTS) this.keyword(e, SORT.keyword);
      else if (EFFECT_TOKENS.has(prev.type)) this.ruleIds(true);
    }
    return true;
  }

  /** Keywords that may continue the statement, then everything that may start the next one. */
  private afterComplete(continuations: readonly string[]): void {
    for (const k of continuations) this.keyword(k, SORT.keyword);
    this.starters();
  }

  private starters(): void {
    switch (this.block.kind) {
      case "agent":
        for (const k of MEMBER_STARTERS) this.keyword(k, SORT.starter);
        this.annotation();
        return;
      case "test":
        this.keyword("expect", SORT.starter);
        return;
      case "context":
        return;
      default: {
        const hasHeader = this.snapshot.checked.document.header !== null || /^\s*(?:\/\/[^\n]*\s*)*policy\b/.test(this.snapshot.text);
        for (const k of TOP_STARTERS) if (k !== "policy" || !hasHeader) this.keyword(k, SORT.starter);
        this.annotation();
      }
    }
  }

  // ------------------------------------------------------------------ selectors

  /** Whether a selector is expected right after token `p` (the statement's introducer or a comma in its selector list). */
  private selectorExpected(p: number): boolean {
    const prev = this.t[p];
    if (p === this.block.stmt) return EFFECT_TOKENS.has(prev.type) || prev.type === "Limit" || prev.type === "Cost";
    if (prev.type === "On" || prev.type === "Calls" || prev.type === "Colon") return true;
    if (prev.type === "StringLit" && this.t[p - 1]?.type === "Agent" && this.stmtType() === "Invariant") return true;
    return prev.type === "Comma";
  }

  /** Whether token `p` ends a selector (`*`, `ALIAS.*`, `ALIAS.TOOL`). */
  private selectorComplete(p: number): boolean {
    const prev = this.t[p];
    if (prev.type === "Star") return true;
    return isWord(prev) && this.t[p - 1]?.type === "Dot";
  }

  private selectorStart(withStar: boolean): void {
    for (const a of this.view.aliases())
      this.add({
        label: a.alias,
        kind: CompletionItemKind.Module,
        detail: `tools ${a.alias} from ${JSON.stringify(a.path)}`,
        documentation: `${a.tools} tool${a.tools === 1 ? "" : "s"}`,
        sortText: SORT.name + a.alias,
        commitCharacters: ["."],
      });
    if (withStar) this.add({ label: "*", kind: CompletionItemKind.Operator, detail: "every tool", sortText: SORT.starter + "*" });
  }

  private toolsOf(alias: string, withStar: boolean): void {
    for (const tool of this.view.toolsOf(alias)) this.tool(tool);
    if (withStar) this.add({ label: "*", kind: CompletionItemKind.Operator, detail: `every tool of \`${alias}\``, sortText: SORT.starter + "*" });
  }

  /** The statement's selectors, read from its tokens (up to its first clause keyword). */
  private statementSelectors(): SelectorText[] {
    const stmt = this.block.stmt;
    if (stmt < 0) return [];
    const kind = this.t[stmt].type;
    let i = stmt + 1;
    if (kind === "Invariant") {
      while (i < this.t.length && this.t[i].type !== "Colon") i++;
      i++;
      if (this.t[i]?.type === "Agent") i += 2;
    } else if (kind === "Expect") {
      while (i < this.t.length && this.t[i].type !== "Calls") i++;
      i++;
    } else if (!EFFECT_TOKENS.has(kind) && kind !== "Limit") return [];
    const out: SelectorText[] = [];
    const end = Math.min(this.t.length, this.c.prev + 1 + 200_000);
    for (; i < end; ) {
      const t = this.t[i];
      if (t.type === "Star") {
        out.push({ alias: null, tool: null });
        i++;
      } else if (isWord(t) && this.t[i + 1]?.type === "Dot") {
        const second = this.t[i + 2];
        if (second?.type === "Star") out.push({ alias: nameOf(t), tool: null });
        else if (isWord(second)) out.push({ alias: nameOf(t), tool: nameOf(second) });
        else break;
        i += 3;
      } else break;
      if (this.t[i]?.type !== "Comma") break;
      i++;
    }
    return out;
  }

  // ------------------------------------------------------------------ expressions

  private afterDot(p: number): void {
    const chain = chainEndingAt(this.t, p - 1);
    if (!chain) return;
    // `ALIAS.` where a selector stands: the alias's tools.
    if (chain.root.kind === "name" && chain.steps.length === 0 && this.isSelectorSlot(chain.start)) {
      this.toolsOf(chain.root.name, this.stmtType() !== "Expect");
      return;
    }
    const ty = this.chainType(chain);
    if (ty) for (const m of membersOfType(ty)) this.member(m);
  }

  /** Whether a selector may stand at token `i` (so `NAME.` there is `ALIAS.`). */
  private isSelectorSlot(i: number): boolean {
    const inner = this.c.frames[this.c.frames.length - 1];
    if (inner.kind === "paren" && inner.open === i - 1 && this.sessionCall(inner.open) === "count") return true;
    if (inner !== this.block) return false;
    const kind = this.stmtType();
    const clause = this.block.clause >= 0 ? this.t[this.block.clause].type : null;
    if (kind === null) return false;
    if (EFFECT_TOKENS.has(kind) || (kind === "Limit" && clause === null) || (kind === "Cost" && clause === null)) return this.selectorExpected(i - 1);
    if (kind === "Label" && clause === "On") return this.selectorExpected(i - 1);
    if (kind === "Invariant" && clause === "Colon") return this.selectorExpected(i - 1);
    if (kind === "Expect" && clause === "Calls") return this.t[i - 1]?.type === "Calls";
    return false;
  }

  /** `session.has` / `session.count` when the paren at `open` is that call's, else null. */
  private sessionCall(open: number): string | null {
    const name = this.t[open - 1];
    if (!name || this.t[open - 2]?.type !== "Dot" || this.t[open - 3]?.type !== "Session") return null;
    return name.image === "has" || name.image === "count" ? name.image : null;
  }

  /** The type of a member chain, or null when unknown. */
  private chainType(chain: Chain): Type | null {
    let ty = this.rootType(chain);
    for (const step of chain.steps) {
      if (!ty) return null;
      const m = membersOfType(ty).find((x) => x.name === step.name);
      if (!m) return null;
      ty = m.type;
    }
    return ty;
  }

  private rootType(chain: Chain): Type | null {
    const root = chain.root;
    switch (root.kind) {
      case "string":
        return { kind: "string" };
      case "list":
        return { kind: "list", element: { kind: "any" } };
      case "call":
        return FUNCTIONS.find((f) => f.name === root.name)?.type ?? null;
      case "other":
        return null;
      case "name":
        break;
    }
    const name = root.name;
    const param = this.lambdaParamType(name, chain.start);
    if (param !== undefined) return param;
    if (name === "args") return argsType(this.view.selected(this.statementSelectors()));
    if (name === "ctx") return this.view.context();
    if (ROOT_TYPES[name]) return ROOT_TYPES[name];
    return this.view.constType(name) ?? null;
  }

  /**
   * The type of lambda parameter `name` when a `.any(NAME =>` / `.all(NAME =>` around
   * token `at` binds it (the element type of the receiver), else undefined.
   */
  private lambdaParamType(name: string, at: number): Type | null | undefined {
    for (let f = this.c.frames.length - 1; f >= 0; f--) {
      const frame = this.c.frames[f];
      if (frame.kind !== "paren" || frame.open >= at) continue;
      const param = this.t[frame.open + 1];
      if (!param || !isWord(param) || nameOf(param) !== name || this.t[frame.open + 2]?.type !== "Arrow") continue;
      const method = this.t[frame.open - 1];
      if (!method || (method.image !== "any" && method.image !== "all") || this.t[frame.open - 2]?.type !== "Dot") return null;
      const receiver = chainEndingAt(this.t, frame.open - 3);
      const listType = receiver && this.chainType(receiver);
      if (!listType) return null;
      const els = elementTypes(listType);
      return els.length === 0 ? null : els.length === 1 ? els[0] : { kind: "union", members: els };
    }
    return undefined;
  }

  /** Where an operand starts: enum values of the other side, roots, consts, functions, literals. */
  private operandStart(p: number): void {
    const prev = this.t[p];
    const stmtKind = this.stmtType();
    const rootsAllowed = stmtKind !== "Const" && stmtKind !== "Expect";
    const enumSide = this.comparedWith(p);
    if (enumSide) {
      const values = enumLiterals(enumSide);
      const bare = prev.type === "In";
      if (values.length > 0) {
        if (bare) {
          const all = `[${values.map(literalText).join(", ")}]`;
          this.add({ label: all, kind: CompletionItemKind.Value, detail: "every value", sortText: SORT.value + "~" });
        } else for (const v of values) this.add({ label: literalText(v), kind: CompletionItemKind.EnumMember, detail: showType(enumSide), sortText: SORT.value + literalText(v) });
      }
    }
    // Lambda parameters in scope.
    for (const frame of this.c.frames) {
      if (frame.kind !== "paren") continue;
      const param = this.t[frame.open + 1];
      if (param && isWord(param) && this.t[frame.open + 2]?.type === "Arrow" && frame.open + 2 <= p) {
        const ty = this.lambdaParamType(nameOf(param), frame.open + 3);
        this.add({ label: nameOf(param), kind: CompletionItemKind.Variable, detail: ty ? showType(ty) : "lambda parameter", sortText: SORT.field + nameOf(param) });
      }
    }
    if (rootsAllowed)
      for (const r of ROOTS) this.add({ label: r.name, kind: CompletionItemKind.Variable, detail: "root", documentation: r.doc, sortText: SORT.name + r.name });
    for (const c of this.view.consts())
      this.add({
        label: c.name,
        kind: CompletionItemKind.Constant,
        detail: `const ${c.name}: ${showType(c.type)}`,
        documentation: { kind: MarkupKind.Markdown, value: code(`const ${c.name} = ${valueText(c.value)}`) },
        sortText: SORT.name + c.name,
      });
    if (rootsAllowed)
      for (const f of FUNCTIONS)
        this.add({
          label: f.name,
          kind: CompletionItemKind.Function,
          detail: f.detail,
          documentation: f.doc,
          sortText: SORT.name + f.name,
          ...this.callInsert(f.name, "$1"),
        });
    for (const k of ["not", "true", "false", "null"]) this.keyword(k, SORT.keyword);
  }

  /**
   * The type an operand at this position is compared with, when it is one: the left side
   * of `==`, `!=`, `in`, or of the `in [` list being written.
   */
  private comparedWith(p: number): Type | null {
    const prev = this.t[p];
    let op = -1;
    if (prev.type === "EqEq" || prev.type === "NotEq" || prev.type === "In") op = p;
    else if (prev.type === "LBracket" || prev.type === "Comma") {
      const inner = this.c.frames[this.c.frames.length - 1];
      if (inner.kind === "bracket" && this.t[inner.open - 1]?.type === "In") op = inner.open - 1;
    }
    if (op < 1) return null;
    const chain = chainEndingAt(this.t, op - 1);
    return chain ? this.chainType(chain) : null;
  }

  private operatorsAfterOperand(constOnly: boolean): void {
    for (const k of ["and", "or", "in"]) this.keyword(k, SORT.keyword);
    if (!constOnly) this.keyword("has", SORT.keyword);
  }

  /** Keys of a record literal in an `expect`: the tool's argument fields, or the context's (nested records too). */
  private recordKeys(p: number): boolean {
    const prev = this.t[p];
    if (prev.type !== "LCurly" && prev.type !== "Comma") return false;
    const index = this.c.frames.length - 1;
    const ty = this.recordType(index);
    if (!ty) return false;
    const written = new Set<string>();
    let depth = 0;
    for (let i = this.c.frames[index].open + 1; i <= p; i++) {
      const ty2 = this.t[i].type;
      if (ty2 === "LCurly" || ty2 === "LParen" || ty2 === "LBracket") depth++;
      else if (ty2 === "RCurly" || ty2 === "RParen" || ty2 === "RBracket") depth--;
      else if (depth === 0 && this.t[i + 1]?.type === "Colon" && (isWord(this.t[i]) || ty2 === "StringLit"))
        written.add(ty2 === "StringLit" ? String(this.t[i].value) : nameOf(this.t[i]));
    }
    for (const m of fieldsOf(ty)) if (!written.has(m.name)) this.member(m, true);
    return true;
  }

  /** The record type the literal of frame `index` must have, when known: an `expect`'s arguments or context, or a field of those. */
  private recordType(index: number): RecordType | null {
    const frame = this.c.frames[index];
    if (!frame || frame.kind !== "record") return null;
    const before = this.t[frame.open - 1];
    if (before?.type === "LParen" && this.stmtType() === "Expect") {
      const tools = this.view.selected(this.statementSelectors());
      return tools.length === 1 ? tools[0].input : null;
    }
    if (before?.type === "With") return this.view.context();
    if (before?.type === "Colon" && isWord(this.t[frame.open - 2])) {
      const outer = this.recordType(index - 1);
      const field = outer?.fields.get(nameOf(this.t[frame.open - 2]));
      return field ? (recordsOf(field.type)[0] ?? null) : null;
    }
    return null;
  }

  // ------------------------------------------------------------------ strings

  private inString(i: number): void {
    const before = this.t[i - 1]?.type;
    const stmtKind = this.stmtType();
    const agentSlot =
      (before === "Agent" && !startsStatement(this.t, i - 1)) ||
      before === "Extends" ||
      (before === "Comma" && this.block.clause >= 0 && this.t[this.block.clause].type === "Extends");
    if (agentSlot) this.agentIds(false, i);
    else if (stmtKind === "Expect" && EFFECT_TOKENS.has(before ?? "")) this.ruleIds(false, i);
    else if (i > 0) {
      // `x == "op‸`: the enum's string values.
      const side = this.comparedWith(i - 1);
      if (side)
        for (const v of enumLiterals(side))
          if (typeof v === "string") this.stringItem(v, CompletionItemKind.EnumMember, showType(side), false, i);
    }
  }

  /** Agent ids, quoted (`"id"`) or as the contents of the string token `str`. */
  private agentIds(quoted: boolean, str = -1): void {
    // In `agent "ID" extends ...`, not the agent being declared.
    const stmt = this.block.stmt;
    const self = stmt >= 0 && this.t[stmt].type === "Agent" ? this.t[stmt + 1]?.value : undefined;
    for (const id of this.view.agents()) if (id !== self) this.stringItem(id, CompletionItemKind.Class, "agent", quoted, str);
  }

  private ruleIds(quoted: boolean, str = -1): void {
    for (const id of this.view.ruleIds()) this.stringItem(id, CompletionItemKind.Reference, "rule id", quoted, str);
  }

  private stringItem(value: string, kind: CompletionItemKind, detail: string, quoted: boolean, str: number): void {
    const text = policyString(value);
    if (quoted) {
      this.add({ label: text, kind, detail, sortText: SORT.value + value, filterText: text });
      return;
    }
    // Replace the whole string token (its quotes included), so the closing quote is not doubled.
    const tok = this.t[str];
    const range = this.snapshot.lines.range({ start: tok.start, end: Math.max(this.c.offset, tok.end) });
    this.items.push({ label: value, kind, detail, sortText: SORT.value + value, filterText: tok.image.slice(0, this.c.offset - tok.start) + value, textEdit: { range, newText: text } });
  }

  // ------------------------------------------------------------------ items

  private member(m: Member, asKey = false): void {
    const kind = m.kind === "field" ? CompletionItemKind.Field : m.kind === "method" ? CompletionItemKind.Method : CompletionItemKind.Property;
    const doc = m.doc ?? undefined;
    this.add({
      label: m.name,
      kind,
      detail: m.detail,
      documentation: doc ? { kind: MarkupKind.Markdown, value: doc } : undefined,
      sortText: (m.kind === "field" ? SORT.field : SORT.name) + m.name,
      ...(m.kind === "method" && !asKey ? this.callInsert(m.name, m.params ?? "") : asKey ? { insertText: `${writeKey(m.name)}: ` } : { insertText: writeKey(m.name) }),
    });
  }

  private tool(tool: ToolInfo): void {
    this.add({
      label: tool.name,
      kind: CompletionItemKind.Function,
      detail: `${tool.qualified}(args: ${showType(tool.input)})`,
      documentation: { kind: MarkupKind.Markdown, value: toolDoc(tool) },
      sortText: SORT.field + tool.name,
      insertText: writeKey(tool.name),
    });
  }

  private label(name: string, tools: readonly string[]): void {
    this.add({
      label: name,
      kind: CompletionItemKind.EnumMember,
      detail: "label",
      documentation: tools.length > 0 ? `set by ${tools.map((t) => `\`${t}\``).join(", ")}` : undefined,
      sortText: SORT.field + name,
    });
  }

  private keyword(word: string, sort: string, doc?: string): void {
    const text = doc ?? KEYWORD_DOCS[word];
    this.add({ label: word, kind: CompletionItemKind.Keyword, documentation: text ? { kind: MarkupKind.Markdown, value: text } : undefined, sortText: sort + word });
  }

  private annotation(): void {
    this.add({
      label: "@id",
      kind: CompletionItemKind.Keyword,
      detail: "names the next rule",
      sortText: SORT.starter + "~@id",
      insertText: this.options.snippets ? '@id("$1")' : '@id("")',
      insertTextFormat: this.options.snippets ? InsertTextFormat.Snippet : InsertTextFormat.PlainText,
    });
  }

  private callInsert(name: string, params: string): Partial<CompletionItem> {
    if (!this.options.snippets) return { insertText: params === "" ? `${name}()` : `${name}(` };
    return { insertText: `${name}(${params})`, insertTextFormat: InsertTextFormat.Snippet };
  }

  private add(item: CompletionItem): void {
    if (this.seen.has(item.label)) return;
    this.seen.add(item.label);
    if (item.documentation === undefined) delete item.documentation;
    // Every item replaces the word being typed (so `allow` typed as `al` and `"vi` for `"viewer"` both work).
    const range = this.snapshot.lines.range(this.c.replace);
    item.textEdit = { range, newText: item.insertText ?? item.label };
    delete item.insertText;
    this.items.push(item);
  }
}

function elementTypes(t: Type): Type[] {
  const out: Type[] = [];
  const visit = (x: Type) => {
    if (x.kind === "list") out.push(x.element);
    else if (x.kind === "union") x.members.forEach(visit);
  };
  visit(t);
  return out;
}

function enumLiterals(t: Type): LiteralValue[] {
  const out: LiteralValue[] = [];
  const visit = (x: Type) => {
    if (x.kind === "literal" && x.value !== null && !out.includes(x.value)) out.push(x.value);
    else if (x.kind === "union") x.members.forEach(visit);
  };
  visit(t);
  return out;
}

function literalText(v: LiteralValue): string {
  return typeof v === "string" ? policyString(v) : String(v);
}

const KEYWORD_SET: ReadonlySet<string> = new Set(KEYWORDS);

/** A field name as written after `.` or as a record key: reserved and other words are fine there; only non-identifiers need backticks. */
function writeKey(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || KEYWORD_SET.has(name) ? name : `\`${name.replace(/`/g, "")}\``;
}

