/** Diagnostics of a snapshot, as the protocol publishes them. */
import type { Diagnostic } from "vscode-languageserver";
import { type CodeDocs, toLspDiagnostic } from "../convert.js";
import type { Snapshot } from "../snapshot.js";

/**
 * Every diagnostic of the policy itself (diagnostics located in a manifest are shown at
 * the `tools` line by the compiler, with the manifest spot as related information).
 */
export function handleDiagnostics(snapshot: Snapshot, docs: CodeDocs = null): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const d of snapshot.checked.diagnostics) {
    if (d.file !== snapshot.file) continue;
    out.push(toLspDiagnostic(d, snapshot.lines, snapshot.files, docs));
  }
  return out;
}
