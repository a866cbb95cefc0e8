/**
 * Find references, document highlights and rename, over the checker's resolutions:
 * consts, labels, agents, aliases, tools (references only: a tool is declared in its
 * manifest) and rule ids (`@id("...")` and the rule ids named by `expect ... => EFFECT "ID"`).
 *
 * Rename validates the new name: identifier-shaped and not reserved for consts, labels
 * and aliases; non-empty for agent and rule ids; never a name already declared in the
 * same namespace. A rule can be renamed only when it has an explicit `@id`.
 */
import { isIdentifierShaped, KEYWORDS, policyString, ROOT_NAMES, type Span } from "@agentpolicy/compiler";
import {
  type DocumentHighlight,
  type DocumentHighlightParams,
  DocumentHighlightKind,
  type Location,
  type PrepareRenameParams,
  type Range,
  type ReferenceParams,
  type RenameParams,
  type TextEdit,
  type WorkspaceEdit,
} from "vscode-languageserver";
import type { Snapshot } from "../snapshot.js";
import { idAnnotation, type PolicySymbol, ruleById, symbolAt } from "../symbols.js";
import { walk } from "../tree.js";

export interface Occurrence {
  readonly span: Span;
  /** `name`: written as an identifier (or in backticks); `string`: a string literal. */
  readonly form: "name" | "string";
  readonly declaration: boolean;
}

/** Every place in the document that names `symbol`, in source order. */
export function occurrences(snapshot: Snapshot, symbol: PolicySymbol): Occurrence[] {
  const model = snapshot.checked.model;
  const out: Occurrence[] = [];
  const seen = new Set<number>();
  const push = (span: Span, form: Occurrence["form"], declaration: boolean) => {
    if (seen.has(span.start) || span.end <= span.start) return;
    seen.add(span.start);
    out.push({ span, form, declaration });
  };
  const ruleDecl = symbol.kind === "rule" ? ruleById(model, symbol.id)?.decl : undefined;
  walk(snapshot.checked.document, (node, parent) => {
    if (symbol.kind === "rule") {
      if (node.kind === "Expect" && node.ruleId?.value === symbol.id) push(node.ruleId.span, "string", false);
      if (node === ruleDecl) {
        const ann = idAnnotation(ruleDecl);
        push(ann ? ann.value.span : (ruleDecl.kind === "Rule" ? ruleDecl.effectSpan : ruleDecl.span), "string", true);
      }
      return;
    }
    // A selector and its tool identifier (or a `session.count` argument and its property) both resolve: keep the identifier.
    if (node.kind === "ToolSelector" || node.kind === "MemberExpr") return;
    const r = model.resolutions.get(node);
    if (!r) return;
    switch (symbol.kind) {
      case "const":
        if (r.kind === "const" && r.name === symbol.name) push(node.span, "name", parent?.kind === "ConstDecl");
        return;
      case "label":
        if (r.kind === "label" && r.name === symbol.name) push(node.span, "name", parent?.kind === "LabelDecl");
        return;
      case "agent":
        if (r.kind === "agent" && r.id === symbol.id && node.kind === "StringLiteral")
          push(node.span, "string", parent?.kind === "AgentDecl" && parent.id === node);
        return;
      case "alias":
        if (r.kind === "alias" && r.alias === symbol.alias && (node.kind === "Identifier" || node.kind === "NameRef"))
          push(node.span, "name", parent?.kind === "ToolsDecl");
        return;
      case "tool":
        if (r.kind === "tool" && r.qualified === symbol.qualified && node.kind === "Identifier") push(node.span, "name", false);
        return;
      default:
        return;
    }
  });
  return out.sort((a, b) => a.span.start - b.span.start);
}

const REFERABLE: ReadonlySet<PolicySymbol["kind"]> = new Set(["const", "label", "agent", "alias", "tool", "rule"]);

export function handleReferences(snapshot: Snapshot, params: ReferenceParams): Location[] {
  const found = symbolAt(snapshot, snapshot.lines.offset(params.position));
  if (!found || !REFERABLE.has(found.symbol.kind)) return [];
  return occurrences(snapshot, found.symbol)
    .filter((o) => params.context.includeDeclaration || !o.declaration)
    .map((o) => ({ uri: snapshot.uri, range: snapshot.lines.range(o.span) }));
}

export function handleDocumentHighlight(snapshot: Snapshot, params: DocumentHighlightParams): DocumentHighlight[] {
  const found = symbolAt(snapshot, snapshot.lines.offset(params.position));
  if (!found || !REFERABLE.has(found.symbol.kind)) return [];
  return occurrences(snapshot, found.symbol).map((o) => ({
    range: snapshot.lines.range(o.span),
    kind: o.declaration ? DocumentHighlightKind.Write : DocumentHighlightKind.Read,
  }));
}

/** A rename the handler refuses, with the reason shown to the user. */
export class RenameError extends Error {}

export interface PrepareRenameResult {
  readonly range: Range;
  readonly placeholder: string;
}

/** Whether the name at the cursor can be renamed: its range and current name, or a RenameError. */
export function handlePrepareRename(snapshot: Snapshot, params: PrepareRenameParams): PrepareRenameResult | RenameError {
  const found = symbolAt(snapshot, snapshot.lines.offset(params.position));
  if (!found) return new RenameError("Nothing to rename here.");
  const current = currentName(snapshot, found.symbol);
  if (current instanceof RenameError) return current;
  return { range: snapshot.lines.range(found.node.span), placeholder: current };
}

export function handleRename(snapshot: Snapshot, params: RenameParams): WorkspaceEdit | RenameError {
  const found = symbolAt(snapshot, snapshot.lines.offset(params.position));
  if (!found) return new RenameError("Nothing to rename here.");
  const current = currentName(snapshot, found.symbol);
  if (current instanceof RenameError) return current;
  const newName = params.newName;
  if (newName === current) return { changes: { [snapshot.uri]: [] } };
  const invalid = validateName(snapshot, found.symbol, newName);
  if (invalid) return invalid;
  const edits: TextEdit[] = occurrences(snapshot, found.symbol).map((o) => ({
    range: snapshot.lines.range(o.span),
    newText: o.form === "string" ? policyString(newName) : newName,
  }));
  return { changes: { [snapshot.uri]: edits } };
}

/** The symbol's current name, or why it cannot be renamed. */
function currentName(snapshot: Snapshot, s: PolicySymbol): string | RenameError {
  const model = snapshot.checked.model;
  switch (s.kind) {
    case "const":
      return model.consts.has(s.name) ? s.name : new RenameError(`No const \`${s.name}\` is declared.`);
    case "label":
      return model.labels.has(s.name) ? s.name : new RenameError(`No label \`${s.name}\` is declared.`);
    case "agent":
      return model.agents.has(s.id) ? s.id : new RenameError(`No agent "${s.id}" is declared.`);
    case "alias":
      return model.aliases.has(s.alias) ? s.alias : new RenameError(`No \`tools ${s.alias}\` line is declared.`);
    case "rule": {
      const r = ruleById(model, s.id);
      if (!r) return new RenameError(`No rule has the id "${s.id}".`);
      if (!idAnnotation(r.decl)) return new RenameError(`The rule "${s.id}" has no @id to rename; add @id("...") to it first.`);
      return s.id;
    }
    case "tool":
      return new RenameError("A tool is named by its manifest; rename it there.");
    default:
      return new RenameError("Only consts, labels, agents, aliases and rule ids can be renamed.");
  }
}

const RESERVED: ReadonlySet<string> = new Set(KEYWORDS);

function validateName(snapshot: Snapshot, s: PolicySymbol, name: string): RenameError | null {
  const model = snapshot.checked.model;
  const identifier = (what: string, taken: (n: string) => boolean): RenameError | null => {
    if (!isIdentifierShaped(name)) return new RenameError(`\`${name}\` is not a valid ${what} name: use letters, digits and \`_\`, not starting with a digit.`);
    if (RESERVED.has(name)) return new RenameError(`\`${name}\` is a reserved word.`);
    if (taken(name)) return new RenameError(`A ${what} named \`${name}\` already exists.`);
    return null;
  };
  switch (s.kind) {
    case "const":
      if (ROOT_NAMES.has(name) || name === "url" || name === "path") return new RenameError(`\`${name}\` is a built-in name.`);
      return identifier("const", (n) => model.consts.has(n) || model.labels.has(n));
    case "label":
      return identifier("label", (n) => model.labels.has(n) || model.consts.has(n));
    case "alias":
      return identifier("tools alias", (n) => model.aliases.has(n));
    case "agent":
      if (name.length === 0) return new RenameError("An agent id cannot be empty.");
      if (model.agents.has(name)) return new RenameError(`An agent "${name}" already exists.`);
      return null;
    case "rule":
      if (name.length === 0) return new RenameError("A rule id cannot be empty.");
      if (ruleById(model, name)) return new RenameError(`A rule with the id "${name}" already exists.`);
      return null;
    default:
      return new RenameError("This cannot be renamed.");
  }
}

