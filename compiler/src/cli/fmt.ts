/**
 * `agentpolicy fmt FILE... [--check]` (TOOLCHAIN.md "CLI").
 *
 * - Without `--check`: rewrites each file that is not in the canonical layout (only
 *   those; unchanged files are not touched) and prints the path of each one rewritten.
 * - With `--check`: writes nothing; prints the path of each file that is not formatted
 *   and exits 1 if there is one.
 * - A file with syntax errors is never written: its diagnostics are printed and the
 *   exit code is 1. An unreadable file is reported on stderr and the exit code is 2.
 *   Every file is processed even after a failure.
 */
import { readFile, writeFile } from "node:fs/promises";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { formatText } from "../format/format.js";
import { displayPath, ExitCode, type Io, renderDiagnostics } from "./io.js";

export interface FmtOptions {
  readonly check: boolean;
}

export async function runFmt(files: string[], options: FmtOptions, io: Io): Promise<number> {
  const show = displayPath(io);
  const sources = new Map<string, string>();
  const diagnostics: Diagnostic[] = [];
  const unformatted: string[] = [];
  let unreadable = false;
  let failed = false;

  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (e) {
      io.err(`agentpolicy: cannot read ${show(file)}: ${reason(e)}`);
      unreadable = true;
      continue;
    }
    const result = formatText(text, file);
    if (!result.ok) {
      sources.set(file, text);
      diagnostics.push(...result.diagnostics);
      failed = true;
      continue;
    }
    if (result.text === text) continue;
    if (options.check) {
      unformatted.push(file);
      io.out(show(file));
      continue;
    }
    try {
      await writeFile(file, result.text, "utf8");
      io.out(show(file));
    } catch (e) {
      io.err(`agentpolicy: cannot write ${show(file)}: ${reason(e)}`);
      failed = true;
    }
  }

  if (diagnostics.length > 0) io.err(renderDiagnostics(io, diagnostics, (f) => sources.get(f)));
  if (options.check && unformatted.length > 0) {
    const n = unformatted.length;
    io.err(`${n} ${n === 1 ? "file is" : "files are"} not formatted; run \`agentpolicy fmt\` to format ${n === 1 ? "it" : "them"}`);
  }
  if (unreadable) return ExitCode.usage;
  return failed || unformatted.length > 0 ? ExitCode.failed : ExitCode.ok;
}

function reason(e: unknown): string {
  if (e && typeof e === "object" && "code" in e && typeof e.code === "string") {
    if (e.code === "ENOENT") return "no such file";
    if (e.code === "EISDIR") return "is a directory";
    if (e.code === "EACCES") return "permission denied";
  }
  return e instanceof Error ? e.message : String(e);
}
