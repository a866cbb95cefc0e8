/**
 * Queries over the compiler's AST for the handlers: the chain of nodes at an offset, and
 * a generic walk. The tree is the compiler's (recovered when the text is broken); nothing
 * here parses.
 */
import { type ast, childrenOf } from "@agentpolicy/compiler";

/** Visits every node in source order, parents before children. */
export function walk(root: ast.Node, visit: (node: ast.Node, parent: ast.Node | null) => void): void {
  const stack: { node: ast.Node; parent: ast.Node | null }[] = [{ node: root, parent: null }];
  while (stack.length > 0) {
    const { node, parent } = stack.pop()!;
    visit(node, parent);
    const kids = childrenOf(node);
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ node: kids[i], parent: node });
  }
}

const contains = (n: ast.Node, offset: number, atEnd: boolean): boolean =>
  n.span.start <= offset && (offset < n.span.end || (atEnd && offset === n.span.end));

/**
 * The nodes whose span holds `offset`, outermost (the document) first. With `atEnd`, a
 * node ending exactly at `offset` also holds it (a cursor just after a word); a node that
 * starts at `offset` is preferred to one that ends there.
 */
export function pathAt(document: ast.Document, offset: number, atEnd = false): ast.Node[] {
  const path: ast.Node[] = [document];
  let node: ast.Node = document;
  for (;;) {
    const kids = childrenOf(node);
    let next: ast.Node | undefined;
    for (const k of kids) {
      if (!k || !k.span) continue;
      if (contains(k, offset, false)) {
        next = k;
        break;
      }
      if (atEnd && !next && contains(k, offset, true)) next = k;
    }
    if (!next) return path;
    path.push(next);
    node = next;
  }
}

/** Node kinds a cursor "names": identifiers, names, strings, selectors. */
const NAMING: ReadonlySet<string> = new Set(["Identifier", "NameRef", "StringLiteral", "ToolSelector"]);

/**
 * The path to the name under the cursor: the node at `offset`, or — when that is not a
 * name — the one just before it (a cursor right after a word names the word).
 */
export function namePathAt(document: ast.Document, offset: number): ast.Node[] {
  const here = pathAt(document, offset);
  if (NAMING.has(here[here.length - 1].kind)) return here;
  const before = pathAt(document, offset, true);
  if (NAMING.has(before[before.length - 1].kind)) return before;
  return here;
}

/** The innermost declaration (or agent-block member) on a path. */
export function declarationOn(path: readonly ast.Node[]): ast.Declaration | null {
  for (let i = path.length - 1; i >= 0; i--) {
    const n = path[i];
    switch (n.kind) {
      case "ToolsDecl":
      case "ContextDecl":
      case "ConstDecl":
      case "LabelDecl":
      case "CostDecl":
      case "PriceDecl":
      case "DefaultDecl":
      case "AgentDecl":
      case "Rule":
      case "Limit":
      case "Invariant":
      case "TestDecl":
        return n;
      default:
        break;
    }
  }
  return null;
}
