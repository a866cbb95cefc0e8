/**
 * The outline: the policy header, `tools` lines (with their tools' count), `context` and
 * its fields, consts, labels, costs, prices, the default, agents with their rules and
 * limits, top-level rules and limits, invariants, and tests with their expectations.
 * Rules are named by their id.
 */
import { type ast, type PolicyModel, showType } from "@agentpolicy/compiler";
import { type DocumentSymbol, type DocumentSymbolParams, SymbolKind } from "vscode-languageserver";
import type { Snapshot } from "../snapshot.js";

export function handleDocumentSymbols(snapshot: Snapshot, _params?: DocumentSymbolParams): DocumentSymbol[] {
  const doc = snapshot.checked.document;
  const model = snapshot.checked.model;
  const ids = new Map<ast.Node, string>();
  for (const r of model.rules) ids.set(r.decl, r.id);
  for (const l of model.limits) ids.set(l.decl, l.id);
  const sym = (name: string, kind: SymbolKind, node: ast.Node, selection: ast.Span, detail?: string, children?: DocumentSymbol[]): DocumentSymbol => {
    const range = snapshot.lines.range(node.span);
    // INVARIANT (protocol): the selection range lies inside the range.
    const sel = selection.start >= node.span.start && selection.end <= node.span.end ? snapshot.lines.range(selection) : range;
    return { name: name || "(unnamed)", kind, range, selectionRange: sel, ...(detail ? { detail } : {}), ...(children && children.length > 0 ? { children } : {}) };
  };
  const out: DocumentSymbol[] = [];
  if (doc.header) out.push(sym(doc.header.name?.name ?? "", SymbolKind.Namespace, doc.header, doc.header.name?.span ?? doc.header.span, doc.header.version ? `version ${doc.header.version.value}` : "policy"));
  for (const d of doc.declarations) {
    const s = declarationSymbol(d, model, ids, sym);
    if (s) out.push(s);
  }
  return out;
}

type Sym = (name: string, kind: SymbolKind, node: ast.Node, selection: ast.Span, detail?: string, children?: DocumentSymbol[]) => DocumentSymbol;

function declarationSymbol(d: ast.Declaration, model: PolicyModel, ids: ReadonlyMap<ast.Node, string>, sym: Sym): DocumentSymbol | null {
  switch (d.kind) {
    case "ToolsDecl": {
      const a = model.aliases.get(d.alias?.name);
      const n = a && a.decl === d && a.manifest ? `${a.manifest.tools.length} tools` : "";
      return sym(d.alias?.name ?? "", SymbolKind.Module, d, d.alias?.span ?? d.span, [`from ${JSON.stringify(d.path?.value ?? "")}`, n].filter(Boolean).join(", "));
    }
    case "ContextDecl":
      return sym("context", SymbolKind.Struct, d, d.span, undefined, d.fields.map((f) => fieldSymbol(f, model, sym)));
    case "ConstDecl": {
      const c = model.consts.get(d.name?.name);
      return sym(d.name?.name ?? "", SymbolKind.Constant, d, d.name?.span ?? d.span, c && c.decl === d ? showType(c.type) : undefined);
    }
    case "LabelDecl":
      return sym(d.name?.name ?? "", SymbolKind.Key, d, d.name?.span ?? d.span, `label on ${d.selectors.map((s) => s.text).join(", ")}`);
    case "CostDecl":
      return sym(`cost ${d.selectors.map((s) => s.text).join(", ")}`, SymbolKind.Property, d, d.span, `$${d.amount.micros / 1_000_000} per call`);
    case "PriceDecl":
      return sym(`price ${JSON.stringify(d.model?.value ?? "")}`, SymbolKind.Property, d, d.span);
    case "DefaultDecl":
      return sym(`default ${d.effect}`, SymbolKind.Property, d, d.span);
    case "AgentDecl": {
      const children = d.body.map((m) => memberSymbol(m, ids, sym));
      const parents = d.extends.map((e) => JSON.stringify(e.value)).join(", ");
      return sym(d.id?.value ?? "", SymbolKind.Class, d, d.id?.span ?? d.span, parents ? `extends ${parents}` : "agent", children);
    }
    case "Rule":
    case "Limit":
      return memberSymbol(d, ids, sym);
    case "Invariant":
      return sym(d.name?.name ?? "", SymbolKind.Boolean, d, d.name?.span ?? d.span, `invariant => ${d.effects.map((e) => e.effect).join(" | ")}`);
    case "TestDecl": {
      const expects = d.expects.map((x) =>
        sym(`${x.agent?.value ?? ""} calls ${x.tool?.text ?? ""}`, SymbolKind.Event, x, x.tool?.span ?? x.span, `=> ${x.effect?.effect ?? ""}${x.ruleId ? ` ${JSON.stringify(x.ruleId.value)}` : ""}`),
      );
      return sym(d.name?.value ?? "", SymbolKind.Function, d, d.name?.span ?? d.span, "test", expects);
    }
    default:
      return null;
  }
}

function memberSymbol(m: ast.Rule | ast.Limit, ids: ReadonlyMap<ast.Node, string>, sym: Sym): DocumentSymbol {
  const id = ids.get(m);
  if (m.kind === "Rule") {
    const selectors = m.selectors.map((s) => s.text).join(", ");
    return sym(id ?? `${m.effect} ${selectors}`, SymbolKind.Method, m, m.effectSpan, `${m.effect} ${selectors}`);
  }
  const what = m.limitKind === "calls" ? m.selectors.map((s) => s.text).join(", ") : m.limitKind;
  return sym(id ?? `limit ${what}`, SymbolKind.Event, m, m.span, `limit ${what}`);
}

function fieldSymbol(f: ast.FieldDecl, model: PolicyModel, sym: Sym): DocumentSymbol {
  const children = f.type?.kind === "RecordType" ? f.type.fields.map((g) => fieldSymbol(g, model, sym)) : undefined;
  return sym(f.name?.name ?? "", SymbolKind.Field, f, f.name?.span ?? f.span, `${f.optional ? "optional " : ""}${typeExprText(f.type)}`, children);
}

function typeExprText(t: ast.TypeExpr | undefined): string {
  if (!t) return "";
  switch (t.kind) {
    case "PrimitiveType":
      return t.name;
    case "LiteralUnionType":
      return t.members.map((m) => JSON.stringify(m.value)).join(" | ");
    case "ListType":
      return `[${typeExprText(t.element)}]`;
    case "RecordType":
      return "{ ... }";
    default:
      return "";
  }
}
