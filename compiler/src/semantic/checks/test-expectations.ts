/**
 * `test` blocks (LANGUAGE.md §10, §12 "Invariants and tests"): each `expect` names a
 * declared agent (E_UNKNOWN_NAME) and one tool (`ALIAS.TOOL`); its arguments must fit
 * the tool's input type and its `with` record the `context` type (value-conformance.ts),
 * except when the expectation is `invalid_arguments` / `invalid_context` — such a test
 * sends a bad value on purpose. A rule id must be a rule or limit id, `default`,
 * `invalid_arguments` or `invalid_context`.
 */
import { Messages } from "../../diagnostics/messages.js";
import type { RecordType } from "../../manifest/types.js";
import type * as ast from "../../syntax/ast.js";
import type { Binder } from "../binder.js";
import type { CheckContext } from "../check-context.js";
import type { ExpressionChecker } from "../expressions.js";
import { closest } from "../suggest.js";
import { resolveAgentReference } from "./agent-references.js";
import type { ValueConformance } from "./value-conformance.js";

export const BUILT_IN_RULE_IDS: readonly string[] = ["default", "invalid_arguments", "invalid_context"];

export function checkTests(
  cx: CheckContext,
  binder: Binder,
  checker: ExpressionChecker,
  conformance: ValueConformance,
  tests: readonly ast.TestDecl[],
  ruleIds: ReadonlySet<string>,
  ctxType: RecordType,
): void {
  const testScope = checker.scope("test", null);
  for (const t of tests) {
    for (const x of t.expects ?? []) {
      if (!x) continue;
      resolveAgentReference(cx, binder, x.agent);
      const ruleId = x.ruleId?.value ?? null;
      const sel = x.tool;
      let tool = null;
      // (`*` and `ALIAS.*` here are E_SYNTAX, reported by the parser.)
      if (sel && sel.alias && sel.tool) {
        const r = binder.resolveSelector(sel);
        tool = r.tools.length === 1 && r.complete ? r.tools[0] : null;
      }
      if (x.args) {
        checker.value(x.args, testScope);
        if (tool && ruleId !== "invalid_arguments") {
          const declared = tool.source?.file ? { file: tool.source.file, span: tool.source.nameSpan, message: `\`${tool.qualified}\` is defined here` } : null;
          conformance.check(x.args, tool.input, { subject: tool.qualified, declared });
        }
      }
      if (x.context) {
        checker.value(x.context, testScope);
        if (ruleId !== "invalid_context") {
          const c = binder.contextDecl;
          conformance.check(x.context, ctxType, { subject: "context", declared: c ? cx.related(c.span, "`context` is declared here") : null });
        }
      }
      if (x.ruleId && ruleId !== null && !ruleIds.has(ruleId) && !BUILT_IN_RULE_IDS.includes(ruleId)) {
        const s = closest(ruleId, [...ruleIds, ...BUILT_IN_RULE_IDS]);
        const quoted = s === undefined ? undefined : JSON.stringify(s);
        cx.report(Messages.UnknownName, x.ruleId.span, ["rule", ruleId], cx.didYouMean(quoted, x.ruleId.span, quoted));
      }
    }
  }
}
