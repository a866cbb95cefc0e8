/**
 * The root names `args`, `ctx`, `tool`, `session` and `agent` cannot name a const
 * (LANGUAGE.md §12): E_TYPE at the name. (Lambda parameters: expressions.ts.)
 */
import { Messages } from "../../diagnostics/messages.js";
import type * as ast from "../../syntax/ast.js";
import { ROOT_NAMES } from "../binder.js";
import type { CheckContext } from "../check-context.js";

export function checkReservedConstNames(cx: CheckContext, consts: readonly ast.ConstDecl[]): void {
  for (const c of consts) {
    const name = c.name?.name;
    if (name && ROOT_NAMES.has(name)) cx.report(Messages.Type, c.name.span, [`\`${name}\` is a built-in name and cannot name a const`]);
  }
}
