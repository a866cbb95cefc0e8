/**
 * Semantic tokens: what the checker knows about each name (alias, tool, field, const,
 * label, agent, lambda parameter, root, built-in), plus the scanner's keywords, strings,
 * numbers and comments. Effects (`allow`, `deny`, `review`) are keywords with the
 * `effect` modifier, so a theme can color them apart.
 *
 * INVARIANT: the tokens are sorted, never overlap and never span a line break (block
 * comments are split per line), as clients without multi-line token support require.
 */
import { KEYWORDS, type Span } from "@agentpolicy/compiler";
import type { Range, SemanticTokens, SemanticTokensLegend } from "vscode-languageserver";
import type { Snapshot } from "../snapshot.js";
import { walk } from "../tree.js";

export const TOKEN_TYPES = [
  "keyword",
  "namespace",
  "function",
  "property",
  "variable",
  "label",
  "class",
  "string",
  "number",
  "comment",
  "parameter",
  "method",
  "decorator",
  "type",
] as const;
export const TOKEN_MODIFIERS = ["declaration", "readonly", "defaultLibrary", "documentation", "effect"] as const;

export type TokenType = (typeof TOKEN_TYPES)[number];
export type TokenModifier = (typeof TOKEN_MODIFIERS)[number];

export const LEGEND: SemanticTokensLegend = { tokenTypes: [...TOKEN_TYPES], tokenModifiers: [...TOKEN_MODIFIERS] };

/** One classified stretch of text (offsets). */
export interface Classified {
  readonly start: number;
  readonly end: number;
  readonly type: TokenType;
  readonly modifiers: readonly TokenModifier[];
}

const KEYWORD_SET: ReadonlySet<string> = new Set(KEYWORDS);
const CONTEXTUAL_TOKENS: ReadonlySet<string> = new Set(["TimeUnit", "Price", "Model", "Input", "Output", "Session"]);
const EFFECT_TOKENS: ReadonlySet<string> = new Set(["Allow", "Deny", "Review"]);

export function handleSemanticTokens(snapshot: Snapshot, range?: Range): SemanticTokens {
  const within = range ? snapshot.lines.span(range) : null;
  const data: number[] = [];
  let prevLine = 0;
  let prevChar = 0;
  for (const c of classify(snapshot)) {
    for (const piece of splitLines(snapshot, c)) {
      if (within && (piece.end <= within.start || piece.start >= within.end)) continue;
      const pos = snapshot.lines.position(piece.start);
      const length = piece.end - piece.start;
      if (length <= 0) continue;
      const deltaLine = pos.line - prevLine;
      const deltaChar = deltaLine === 0 ? pos.character - prevChar : pos.character;
      data.push(deltaLine, deltaChar, length, TOKEN_TYPES.indexOf(c.type), modifierBits(c.modifiers));
      prevLine = pos.line;
      prevChar = pos.character;
    }
  }
  return { data };
}

function modifierBits(ms: readonly TokenModifier[]): number {
  let bits = 0;
  for (const m of ms) bits |= 1 << TOKEN_MODIFIERS.indexOf(m);
  return bits;
}

/** Pieces of a classified stretch, one per line. */
function splitLines(snapshot: Snapshot, c: Classified): Span[] {
  const text = snapshot.text;
  const out: Span[] = [];
  let start = c.start;
  for (let i = c.start; i < c.end; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 10 || ch === 13) {
      if (i > start) out.push({ start, end: i });
      start = i + 1;
    }
  }
  if (c.end > start) out.push({ start, end: c.end });
  return out;
}

/** Every classified stretch of the document, sorted, without overlaps. */
export function classify(snapshot: Snapshot): Classified[] {
  const model = snapshot.checked.model;
  const byStart = new Map<number, Classified>();
  const mark = (span: Span | undefined, type: TokenType, modifiers: TokenModifier[] = []) => {
    if (!span || span.end <= span.start || byStart.has(span.start)) return;
    byStart.set(span.start, { start: span.start, end: span.end, type, modifiers });
  };

  walk(snapshot.checked.document, (node, parent) => {
    const r = model.resolutions.get(node);
    switch (node.kind) {
      case "PolicyHeader":
        mark(node.name?.span, "namespace", ["declaration"]);
        return;
      case "ToolsDecl":
        mark(node.alias?.span, "namespace", ["declaration"]);
        return;
      case "ConstDecl":
        mark(node.name?.span, "variable", ["declaration", "readonly"]);
        return;
      case "LabelDecl":
        mark(node.name?.span, "label", ["declaration"]);
        return;
      case "AgentDecl":
        mark(node.id?.span, "class", ["declaration"]);
        for (const e of node.extends ?? []) mark(e.span, "class");
        return;
      case "Invariant":
        mark(node.name?.span, "function", ["declaration"]);
        if (node.agent) mark(node.agent.span, "class");
        return;
      case "Expect":
        if (node.agent) mark(node.agent.span, "class");
        return;
      case "FieldDecl":
        mark(node.name?.span, "property", ["declaration"]);
        return;
      case "PrimitiveType":
        mark(node.span, "type", ["defaultLibrary"]);
        return;
      case "Annotation":
        if (node.name) mark({ start: node.span.start, end: node.name.span.end }, "decorator");
        return;
      case "ToolSelector":
        if (node.alias) mark(node.alias.span, "namespace");
        if (node.tool) mark(node.tool.span, "function");
        return;
      case "RecordEntry":
        if (!node.keyQuoted) mark(node.keySpan, "property");
        return;
      case "HasExpr":
        mark(node.field?.span, "property");
        return;
      case "MemberExpr": {
        const pr = model.resolutions.get(node.property);
        if (pr?.kind === "tool") mark(node.property.span, "function");
        else if (pr?.kind === "field") mark(node.property.span, "property");
        else if (parent?.kind === "CallExpr" && parent.callee === node) mark(node.property?.span, "method", ["defaultLibrary"]);
        else mark(node.property?.span, "property", ["defaultLibrary"]);
        return;
      }
      case "NameRef":
        if (r?.kind === "const") mark(node.span, "variable", ["readonly"]);
        else if (r?.kind === "label") mark(node.span, "label");
        else if (r?.kind === "root") mark(node.span, "variable", ["defaultLibrary"]);
        else if (r?.kind === "lambda-param") mark(node.span, "parameter");
        else if (r?.kind === "alias") mark(node.span, "namespace");
        else if ((node.name === "url" || node.name === "path") && parent?.kind === "CallExpr" && parent.callee === node) mark(node.span, "function", ["defaultLibrary"]);
        return;
      case "LambdaExpr":
        mark(node.param?.span, "parameter", ["declaration"]);
        return;
      case "StringLiteral":
        if (r?.kind === "agent") mark(node.span, "class");
        return;
      default:
        return;
    }
  });

  const tokens = snapshot.tokens();
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const before = tokens[i - 1]?.type;
    if (t.type === "StringLit") mark(t, "string");
    else if (t.type === "NumberLit" || t.type === "MoneyLit" || t.type === "OneM") mark(t, "number");
    else if (before === "Dot" || before === "Has") continue;
    else if (EFFECT_TOKENS.has(t.type)) mark(t, "keyword", ["effect"]);
    else if (KEYWORD_SET.has(t.image) && t.type !== "Identifier" && t.type !== "BacktickName") mark(t, "keyword");
    else if (CONTEXTUAL_TOKENS.has(t.type)) mark(t, "keyword");
  }
  for (const c of snapshot.comments()) mark(c, "comment", c.style === "doc" ? ["documentation"] : []);

  const sorted = [...byStart.values()].sort((a, b) => a.start - b.start);
  const out: Classified[] = [];
  let end = -1;
  for (const c of sorted) {
    if (c.start < end) continue;
    out.push(c);
    end = c.end;
  }
  return out;
}

