/**
 * Hover: a tool's description, annotations and input type; a field's type and
 * description; a const's value; a label's tools; an agent's parents and rules; a rule's
 * or limit's summary (id, effect, tools, condition, `because`); built-in members; keywords.
 */
import { type ast, type Field, type LimitModel, type PolicyModel, showType } from "@agentpolicy/compiler";
import { type Hover, type HoverParams, MarkupKind } from "vscode-languageserver";
import { cursorAt } from "../cursor.js";
import { KEYWORD_DOCS } from "../keyword-docs.js";
import { fieldsNamed, FUNCTIONS, memberOf, ROOTS } from "../members.js";
import type { Snapshot } from "../snapshot.js";
import { type PolicySymbol, ruleById, symbolAt } from "../symbols.js";
import { pathAt } from "../tree.js";
import { code, oneLine, toolDoc, typeBlock, valueText } from "../type-text.js";

export function handleHover(snapshot: Snapshot, params: HoverParams): Hover | null {
  const offset = snapshot.lines.offset(params.position);
  const text = hoverText(snapshot, offset);
  if (!text) return null;
  return { contents: { kind: MarkupKind.Markdown, value: text.value }, range: snapshot.lines.range(text.span) };
}

interface HoverText {
  readonly value: string;
  readonly span: ast.Span;
}

function hoverText(snapshot: Snapshot, offset: number): HoverText | null {
  const model = snapshot.checked.model;
  const found = symbolAt(snapshot, offset);
  if (found) {
    const value = symbolText(snapshot, found.symbol, found.node, found.path);
    if (value) return { value, span: found.node.span };
  }
  const path = pathAt(snapshot.checked.document, offset);
  const node = path[path.length - 1];
  const parent = path[path.length - 2];
  // A built-in method or property: `x.lower()`, `url(u).host`.
  if (node.kind === "Identifier" && parent?.kind === "MemberExpr" && parent.property === node) {
    const objType = model.types.get(parent.object);
    const m = objType && memberOf(objType, node.name);
    if (m && m.kind !== "field") return { value: [code(m.kind === "method" ? m.detail : `${node.name}: ${m.detail}`), m.doc ?? ""].filter(Boolean).join("\n\n"), span: node.span };
  }
  if (node.kind === "NameRef") {
    const fn = FUNCTIONS.find((f) => f.name === node.name);
    if (fn) return { value: `${code(fn.detail)}\n\n${fn.doc}`, span: node.span };
  }
  // The effect keyword of a rule, or the `limit` keyword of a limit: its summary.
  for (let i = path.length - 1; i >= 0; i--) {
    const n = path[i];
    if (n.kind === "Rule" && offset >= n.effectSpan.start && offset <= n.effectSpan.end) {
      const r = model.rules.find((x) => x.decl === n);
      if (r) return { value: ruleSummary(model, r.id), span: n.effectSpan };
    }
    if (n.kind === "Limit") {
      const l = model.limits.find((x) => x.decl === n);
      const tok = keywordTokenAt(snapshot, offset);
      if (l && tok?.image === "limit") return { value: limitSummary(l), span: { start: tok.start, end: tok.end } };
    }
  }
  const tok = keywordTokenAt(snapshot, offset);
  if (tok && KEYWORD_DOCS[tok.image]) return { value: KEYWORD_DOCS[tok.image], span: { start: tok.start, end: tok.end } };
  return null;
}

/** The keyword token under the cursor (not one used as a name after `.`), if any. */
function keywordTokenAt(snapshot: Snapshot, offset: number): { image: string; start: number; end: number } | null {
  const c = cursorAt(snapshot.text, offset);
  const tokens = c.tokens;
  const t = tokens.find((x) => x.start <= offset && offset < x.end) ?? (c.word >= 0 ? tokens[c.word] : undefined);
  if (!t || t.type === "Identifier" || t.type === "BacktickName" || !/^[a-z]+$/.test(t.image)) return null;
  const i = tokens.indexOf(t);
  if (tokens[i - 1]?.type === "Dot" || tokens[i - 1]?.type === "Has") return null;
  return t;
}

function symbolText(snapshot: Snapshot, s: PolicySymbol, node: ast.Node, path: readonly ast.Node[]): string | null {
  const model = snapshot.checked.model;
  switch (s.kind) {
    case "tool": {
      const tool = model.tools.get(s.qualified);
      return tool ? `${code(`tool ${tool.qualified}`)}\n\n${toolDoc(tool)}` : null;
    }
    case "alias": {
      const a = model.aliases.get(s.alias);
      if (!a) return null;
      const tools = a.manifest?.tools ?? [];
      const list = tools.slice(0, 30).map((t) => `- \`${t.name}\`${t.description ? ` — ${oneLine(t.description, 80)}` : ""}`);
      if (tools.length > 30) list.push(`- … ${tools.length - 30} more`);
      const head = code(`tools ${s.alias} from ${JSON.stringify(a.decl.path?.value ?? "")}`);
      return a.manifest ? `${head}\n\n${tools.length} tool${tools.length === 1 ? "" : "s"} (${a.manifest.format}):\n\n${list.join("\n")}` : `${head}\n\nthe manifest could not be loaded`;
    }
    case "manifest": {
      const a = model.aliases.get(s.decl.alias?.name);
      if (!a || a.decl !== s.decl) return null;
      return a.manifest ? `\`${a.manifest.file}\`\n\n${a.manifest.tools.length} tools, ${a.manifest.format} format` : "the manifest could not be loaded";
    }
    case "field": {
      const f = fieldsNamed(s.resolution.owner, s.resolution.name)[0];
      const shownOwner = ownerPrefix(snapshot, node, path);
      if (!f) return code(`${shownOwner}${s.resolution.name}`);
      return fieldText(f, shownOwner);
    }
    case "context-field": {
      const f = model.context.fields.get(s.decl.name.name);
      return f ? fieldText(f, "ctx.") : null;
    }
    case "const": {
      const c = model.consts.get(s.name);
      if (!c) return null;
      const doc = c.decl.doc ? `\n\n${c.decl.doc}` : "";
      return `${code(`const ${c.name}: ${showType(c.type)} = ${valueText(c.value)}`)}${doc}`;
    }
    case "label": {
      const l = model.labels.get(s.name);
      if (!l) return null;
      const doc = l.decl.doc ? `\n\n${l.decl.doc}` : "";
      return `${code(`label ${l.name}`)}\n\nset after an allowed call to ${l.tools.map((t) => `\`${t}\``).join(", ") || "no tool"}${doc}`;
    }
    case "agent": {
      const a = model.agents.get(s.id);
      if (!a) return null;
      const own = model.rules.filter((r) => r.agent === s.id).length;
      const limits = model.limits.filter((l) => l.agent === s.id).length;
      const parents = a.ancestors.length > 0 ? `\n\nextends ${a.ancestors.map((x) => `\`${x}\``).join(", ")}` : "";
      const doc = a.decl.doc ? `\n\n${a.decl.doc}` : "";
      return `${code(`agent ${JSON.stringify(s.id)}`)}\n\n${own} rule${own === 1 ? "" : "s"}, ${limits} limit${limits === 1 ? "" : "s"} of its own${parents}${doc}`;
    }
    case "rule":
      return ruleById(model, s.id) ? ruleSummary(model, s.id) : null;
    case "root": {
      const r = ROOTS.find((x) => x.name === s.root);
      if (s.root === "args") {
        const ty = model.types.get(node as ast.Expr);
        return `${code(`args: ${ty ? typeBlock(ty) : "unknown"}`)}\n\n${r?.doc ?? ""}`;
      }
      if (s.root === "ctx") return `${code(`ctx: ${typeBlock(model.context)}`)}\n\n${r?.doc ?? ""}`;
      return r ? `${code(s.root)}\n\n${r.doc}` : null;
    }
    case "lambda-param": {
      const ty = node.kind === "NameRef" ? model.types.get(node) : undefined;
      return code(`${s.param.name}: ${ty ? showType(ty) : "unknown"}`);
    }
  }
}

/** How the field's owner reads in the source (`args.filter.`), for a field read with `.`; else empty. */
function ownerPrefix(snapshot: Snapshot, node: ast.Node, path: readonly ast.Node[]): string {
  const parent = path[path.length - 2];
  if (parent?.kind !== "MemberExpr" || parent.property !== node) return "";
  const src = snapshot.text.slice(parent.object.span.start, parent.object.span.end).replace(/\s+/g, "");
  return src.length <= 60 ? `${src}.` : "";
}

function fieldText(f: Field, prefix: string): string {
  const head = code(`${prefix}${f.name}${f.optional ? "?" : ""}: ${typeBlock(f.type)}`);
  const notes: string[] = [];
  if (f.description) notes.push(f.description);
  if (f.optional) notes.push("*optional: guard it with `has`, `!= null` or `??`*");
  if (f.sensitive) notes.push("*sensitive: redacted in audit records*");
  return [head, ...notes].join("\n\n");
}

/** `deny` rule `id` — agent, tools, condition, because. */
export function ruleSummary(model: PolicyModel, id: string): string {
  const r = ruleById(model, id);
  if (!r) return "";
  if ("effect" in r) {
    const lines = [`**${r.effect}** rule \`${r.id}\`${r.agent !== null ? ` in agent \`${r.agent}\`` : " (every agent)"}`];
    lines.push(`tools: ${listTools(r.tools)}`);
    const text = model.document.text;
    if (r.when) lines.push(`when: \`${oneLine(text.slice(r.when.span.start, r.when.span.end))}\``);
    if (r.unless) lines.push(`unless: \`${oneLine(text.slice(r.unless.span.start, r.unless.span.end))}\``);
    if (r.because !== null) lines.push(`because: ${JSON.stringify(r.because)}`);
    for (const [k, v] of Object.entries(r.annotations)) lines.push(`@${k}: ${JSON.stringify(v)}`);
    return lines.join("\n\n");
  }
  return limitSummary(r);
}

function limitSummary(l: LimitModel): string {
  const window = l.window === null ? "" : l.window === "session" ? " per session" : ` per ${formatMs(l.window)}`;
  const amount = l.kind === "cost" ? `$${(l.max / 1_000_000).toString()}` : String(l.max);
  const what = l.kind === "calls" ? `${amount} calls` : l.kind === "tokens" ? `${amount} tokens` : l.kind === "cost" ? amount : `${amount} repeats`;
  const lines = [`**limit** \`${l.id}\`${l.agent !== null ? ` in agent \`${l.agent}\`` : " (every agent)"}: ${what}${window}`];
  if (l.kind === "calls") lines.push(`tools: ${listTools(l.tools)}`);
  return lines.join("\n\n");
}

function listTools(tools: readonly string[]): string {
  if (tools.length === 0) return "none";
  const shown = tools.slice(0, 12).map((t) => `\`${t}\``);
  if (tools.length > 12) shown.push(`… ${tools.length - 12} more`);
  return shown.join(", ");
}

function formatMs(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, "day"],
    [3_600_000, "hour"],
    [60_000, "minute"],
    [1000, "second"],
  ];
  for (const [size, name] of units) if (ms % size === 0) return ms === size ? name : `${ms / size} ${name}s`;
  return `${ms} ms`;
}
