/**
 * E_MANIFEST / W_SCHEMA_UNSUPPORTED: a manifest that could not be loaded, and every
 * problem its loader found, reported at the `tools` declaration that loads it, with a
 * related location inside the manifest when the loader knows one.
 */
import { Messages } from "../../diagnostics/messages.js";
import type { Manifest } from "../../manifest/types.js";
import type { ToolsDecl } from "../../syntax/ast.js";
import type { CheckContext } from "../check-context.js";

export function checkManifestProblems(cx: CheckContext, decl: ToolsDecl, manifest: Manifest | null | undefined): void {
  const path = decl.path?.value ?? "";
  if (!manifest) {
    cx.report(Messages.ManifestUnreadable, decl.span, [path, path === "" ? "no path given" : "the file could not be loaded"]);
    return;
  }
  const problems = Array.isArray(manifest.problems) ? manifest.problems : [];
  for (const p of problems) {
    const related = p.span ? [cx.related(p.span, "the problem is here", manifest.file)] : [];
    const message = typeof p.message === "string" ? p.message : String(p.message);
    if (p.severity === "warning") cx.report(Messages.SchemaUnsupported, decl.span, [path, message], { related });
    else cx.report(Messages.ManifestInvalid, decl.span, [path, message], { related });
  }
}
