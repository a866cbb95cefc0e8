/**
 * E_DUPLICATE_ID for declarations (LANGUAGE.md §12 "Ids"): aliases, consts, labels,
 * agents, invariants and tests are each their own namespace; at most one `context` and
 * one `default`; one `price` per model; one of each annotation per rule or limit. Each
 * duplicate is reported at the later occurrence with a related span at the first.
 * (Rule and limit `@id`s: ids.ts. Cost coverage: cost-declarations.ts.)
 */
import { Messages } from "../../diagnostics/messages.js";
import type * as ast from "../../syntax/ast.js";
import type { Declarations } from "../binder.js";
import type { CheckContext } from "../check-context.js";

function unique<T>(cx: CheckContext, what: string, items: readonly T[], key: (t: T) => { name: string; span: ast.Span } | null): void {
  const first = new Map<string, ast.Span>();
  for (const item of items) {
    const k = key(item);
    if (!k || k.name === "") continue;
    const prior = first.get(k.name);
    if (prior) cx.report(Messages.DuplicateId, k.span, [what, k.name], { related: [cx.related(prior, "first declared here")] });
    else first.set(k.name, k.span);
  }
}

export function checkDuplicateDeclarations(cx: CheckContext, d: Declarations): void {
  unique(cx, "tools alias", d.tools, (t) => (t.alias ? { name: t.alias.name, span: t.alias.span } : null));
  unique(cx, "const", d.consts, (c) => (c.name ? { name: c.name.name, span: c.name.span } : null));
  unique(cx, "label", d.labels, (l) => (l.name ? { name: l.name.name, span: l.name.span } : null));
  unique(cx, "agent", d.agents, (a) => (a.id ? { name: a.id.value, span: a.id.span } : null));
  unique(cx, "invariant", d.invariants, (i) => (i.name ? { name: i.name.name, span: i.name.span } : null));
  unique(cx, "test", d.tests, (t) => (t.name ? { name: t.name.value, span: t.name.span } : null));
  unique(cx, "price for model", d.prices, (p) => (p.model ? { name: p.model.value, span: p.model.span } : null));
  unique(cx, "declaration", d.contexts, (c) => ({ name: "context", span: c.span }));
  unique(cx, "declaration", d.defaults, (c) => ({ name: "default", span: c.span }));
  for (const { decl } of d.rulesAndLimits) {
    unique(cx, "annotation", decl.annotations ?? [], (a) => (a?.name ? { name: `@${a.name.name}`, span: a.span } : null));
  }
}
