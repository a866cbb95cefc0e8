/** `agentpolicy check FILE... [--format text|json]` */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { toJsonDiagnostics } from "../diagnostics/format.js";
import { checkFile, type CheckedPolicy } from "../program.js";
import { displayPath, ExitCode, type Io, renderDiagnostics } from "./io.js";

export interface CheckOptions {
  readonly format: "text" | "json";
}

export function runCheck(files: readonly string[], options: CheckOptions, io: Io): number {
  const checked: CheckedPolicy[] = [];
  let unreadable = false;
  for (const f of files) {
    const r = checkFile(f);
    if (r.ok) checked.push(r.policy);
    else {
      io.err(`agentpolicy: ${r.error}`);
      unreadable = true;
    }
  }
  const diagnostics: Diagnostic[] = checked.flatMap((c) => c.diagnostics);
  const source = (file: string) => {
    for (const c of checked) {
      const t = c.source(file);
      if (t !== undefined) return t;
    }
    return undefined;
  };
  if (options.format === "json") io.out(JSON.stringify(toJsonDiagnostics(diagnostics, source, displayPath(io)), null, 2));
  else if (diagnostics.length > 0) io.out(renderDiagnostics(io, diagnostics, source));
  else io.out(`${checked.length} ${checked.length === 1 ? "policy" : "policies"} checked: no problems`);
  if (unreadable) return ExitCode.usage;
  return checked.every((c) => c.ok) ? ExitCode.ok : ExitCode.failed;
}
