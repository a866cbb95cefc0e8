/**
 * Rule and limit ids (LANGUAGE.md §12 "Ids"): `@id("NAME")`, else `AGENT/EFFECT/SELECTORS`
 * for rules and `AGENT/limit/KIND[/SELECTORS]` for limits (`*` for AGENT at top level,
 * selectors as written joined by `,`); when ids would repeat, the later ones get `#2`,
 * `#3`, ... in source order. Two `@id`s naming one id (or an `@id` taking an id given
 * earlier) is E_DUPLICATE_ID at the later one.
 */
import { Messages } from "../diagnostics/messages.js";
import type * as ast from "../syntax/ast.js";
import type { CheckContext } from "./check-context.js";

/** The `@id` annotation of a rule or limit, if any (the first one). */
export function explicitIdAnnotation(decl: ast.Rule | ast.Limit): ast.Annotation | null {
  for (const a of decl.annotations ?? []) if (a?.name?.name === "id") return a;
  return null;
}

/** The id a rule or limit gets without `@id` (before `#N` disambiguation). */
export function baseId(decl: ast.Rule | ast.Limit, agent: string | null): string {
  const who = agent ?? "*";
  const sels = (decl.selectors ?? []).map((s) => s?.text ?? "").join(",");
  if (decl.kind === "Rule") return `${who}/${decl.effect}/${sels}`;
  return decl.limitKind === "calls" || sels !== "" ? `${who}/limit/${decl.limitKind}/${sels}` : `${who}/limit/${decl.limitKind}`;
}

/**
 * Assigns every rule and limit its id, in source order. `agentOf` gives the id of the
 * agent block a declaration stands in (null: top level).
 */
export function assignIds(
  cx: CheckContext,
  items: readonly { readonly decl: ast.Rule | ast.Limit; readonly agent: string | null }[],
): Map<ast.Rule | ast.Limit, string> {
  const ids = new Map<ast.Rule | ast.Limit, string>();
  const taken = new Map<string, ast.Node>();
  const nextSuffix = new Map<string, number>();
  for (const { decl, agent } of items) {
    const ann = explicitIdAnnotation(decl);
    if (ann) {
      const id = ann.value?.value ?? "";
      const first = taken.get(id);
      if (first) {
        cx.report(Messages.DuplicateId, ann.value?.span ?? ann.span, ["rule id", id], {
          related: [cx.related(first.span, "first declared here")],
        });
      } else taken.set(id, ann.value ?? ann);
      ids.set(decl, id);
      continue;
    }
    const base = baseId(decl, agent);
    let id = base;
    if (taken.has(id)) {
      let n = nextSuffix.get(base) ?? 2;
      while (taken.has(`${base}#${n}`)) n++;
      id = `${base}#${n}`;
      nextSuffix.set(base, n + 1);
    }
    taken.set(id, decl);
    ids.set(decl, id);
  }
  return ids;
}
