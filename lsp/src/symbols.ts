/**
 * What a name in the document denotes: the resolution the checker recorded for the node
 * under the cursor, plus the declarations themselves (a declared name denotes what it
 * declares). Shared by hover, definition, references and rename.
 */
import type { ast, LimitModel, PolicyModel, Resolution, RuleModel } from "@agentpolicy/compiler";
import type { Snapshot } from "./snapshot.js";
import { namePathAt } from "./tree.js";

/** A resolution the checker records, as it is (names of consts, labels, agents, aliases, tools, lambda parameters)… */
type NamedResolution = Extract<Resolution, { kind: "const" | "label" | "agent" | "alias" | "tool" | "lambda-param" }>;

export type PolicySymbol =
  | NamedResolution
  // … and what only the declarations or the cursor know
  | { readonly kind: "field"; readonly resolution: Extract<Resolution, { kind: "field" }> }
  | { readonly kind: "rule"; readonly id: string }
  | { readonly kind: "root"; readonly root: string }
  | { readonly kind: "manifest"; readonly decl: ast.ToolsDecl }
  | { readonly kind: "context-field"; readonly decl: ast.FieldDecl };

export interface SymbolAt {
  readonly symbol: PolicySymbol;
  /** The node under the cursor that names it. */
  readonly node: ast.Node;
  /** The path from the document to that node. */
  readonly path: readonly ast.Node[];
}

/** The symbol named at `offset`, or null. */
export function symbolAt(snapshot: Snapshot, offset: number): SymbolAt | null {
  const model = snapshot.checked.model;
  const path = namePathAt(snapshot.checked.document, offset);
  const node = path[path.length - 1];
  const parent = path[path.length - 2];
  const r = model.resolutions.get(node);
  if (r) {
    const s = fromResolution(r);
    if (s) return { symbol: s, node, path };
  }
  if (node.kind === "StringLiteral" && parent) {
    if (parent.kind === "Annotation" && parent.name?.name === "id") return { symbol: { kind: "rule", id: node.value }, node, path };
    if (parent.kind === "Expect" && parent.ruleId === node) return { symbol: { kind: "rule", id: node.value }, node, path };
    if (parent.kind === "ToolsDecl" && parent.path === node) return { symbol: { kind: "manifest", decl: parent }, node, path };
    if (parent.kind === "AgentDecl" && parent.id === node) return { symbol: { kind: "agent", id: node.value }, node, path };
  }
  if (node.kind === "Identifier" && parent) {
    if (parent.kind === "ToolsDecl" && parent.alias === node) return { symbol: { kind: "alias", alias: node.name }, node, path };
    if (parent.kind === "ConstDecl" && parent.name === node) return { symbol: { kind: "const", name: node.name }, node, path };
    if (parent.kind === "LabelDecl" && parent.name === node) return { symbol: { kind: "label", name: node.name }, node, path };
    if (parent.kind === "FieldDecl" && parent.name === node) return { symbol: { kind: "context-field", decl: parent }, node, path };
  }
  return null;
}

function fromResolution(r: Resolution): PolicySymbol | null {
  switch (r.kind) {
    case "const":
      return { kind: "const", name: r.name };
    case "label":
      return { kind: "label", name: r.name };
    case "agent":
      return { kind: "agent", id: r.id };
    case "alias":
      return { kind: "alias", alias: r.alias };
    case "tool":
      return { kind: "tool", qualified: r.qualified };
    case "field":
      return { kind: "field", resolution: r };
    case "root":
      return { kind: "root", root: r.root };
    case "lambda-param":
      return { kind: "lambda-param", param: r.param };
    default:
      return null;
  }
}

/** The rule or limit with a given id. */
export function ruleById(model: PolicyModel, id: string): RuleModel | LimitModel | undefined {
  return model.rules.find((r) => r.id === id) ?? model.limits.find((l) => l.id === id);
}

/** The explicit `@id("...")` annotation of a rule or limit, if it has one. */
export function idAnnotation(decl: ast.Rule | ast.Limit): ast.Annotation | undefined {
  return decl.annotations?.find((a) => a.name?.name === "id");
}
