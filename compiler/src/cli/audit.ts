/** `agentpolicy audit verify LOG.jsonl [--format text|json]` */
import { readFileSync } from "node:fs";
import { verifyAuditLog } from "@agentpolicy/runtime";
import { ExitCode, type Io } from "./io.js";

export function runAuditVerify(file: string, options: { readonly format: "text" | "json" }, io: Io): number {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    io.err(`agentpolicy: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return ExitCode.usage;
  }
  const result = verifyAuditLog(text);
  if (options.format === "json") io.out(JSON.stringify({ file, ...result }));
  else if (result.ok) io.out(`${file}: ok, ${result.records} record${result.records === 1 ? "" : "s"}, hash chain intact`);
  else io.out(`${file}:${result.line}: broken: ${result.reason}`);
  return result.ok ? ExitCode.ok : ExitCode.failed;
}
