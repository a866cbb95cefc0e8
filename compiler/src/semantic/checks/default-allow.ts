/** W_DEFAULT_ALLOW (LANGUAGE.md §4): every `default allow`. */
import { Messages } from "../../diagnostics/messages.js";
import type * as ast from "../../syntax/ast.js";
import type { CheckContext } from "../check-context.js";

export function checkDefaultAllow(cx: CheckContext, defaults: readonly ast.DefaultDecl[]): void {
  for (const d of defaults) if (d.effect === "allow") cx.report(Messages.DefaultAllow, d.span);
}
