/**
 * I_UNCOVERED (LANGUAGE.md §9, §12 "Analyses"): information about each manifest tool that no
 * rule (`allow`, `deny`, `review`; top level or in any agent) mentions. `ALIAS.*` and `*`
 * mention every tool they cover. Such a tool is decided by the `default` effect alone.
 *
 * Reported at the `tools` declaration that loads the tool, with a related span at the
 * tool's entry in its manifest.
 */
import { createDiagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import { Messages } from "../diagnostics/messages.js";
import type { PolicyModel } from "../semantic/model.js";

export function findUncoveredTools(model: PolicyModel): Diagnostic[] {
  const mentioned = new Set<string>();
  for (const r of model.rules) for (const t of r.tools) mentioned.add(t);
  const out: Diagnostic[] = [];
  for (const [qualified, tool] of model.tools) {
    if (mentioned.has(qualified)) continue;
    const alias = model.aliases.get(tool.alias);
    if (!alias) continue;
    const related = tool.source?.file
      ? [{ file: tool.source.file, span: tool.source.nameSpan ?? tool.source.span, message: `\`${qualified}\` is defined here; the \`default ${model.defaultEffect}\` decides its calls` }]
      : [];
    out.push(createDiagnostic(Messages.Uncovered, model.file, alias.decl.span, [qualified], { related }));
  }
  return out;
}
