/** `agentpolicy compile FILE... --out DIR [--emit ts|js]` */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { generateGuard } from "../emit/generate.js";
import { checkFile, type CheckedPolicy } from "../program.js";
import { displayPath, ExitCode, type Io, renderDiagnostics } from "./io.js";

export interface CompileOptions {
  readonly out: string;
  readonly emit: "ts" | "js";
}

/** The module name of a policy file: `inventory.agentpolicy` → `inventory.guard`. */
export function guardBaseName(file: string): string {
  return `${basename(file).replace(/\.agentpolicy$/, "")}.guard`;
}

export async function runCompile(files: readonly string[], options: CompileOptions, io: Io): Promise<number> {
  const policies: CheckedPolicy[] = [];
  for (const f of files) {
    const r = checkFile(f);
    if (!r.ok) {
      io.err(`agentpolicy: ${r.error}`);
      return ExitCode.usage;
    }
    policies.push(r.policy);
  }
  // Refuse to write anything when any policy has errors.
  const failed = policies.filter((p) => !p.ok);
  for (const p of policies) {
    const shown = p.ok ? p.diagnostics.filter((d) => d.severity === "warning") : p.diagnostics;
    if (shown.length > 0) io.err(renderDiagnostics(io, shown, p.source));
  }
  if (failed.length > 0) return ExitCode.failed;
  const outDir = resolve(io.cwd, options.out);
  mkdirSync(outDir, { recursive: true });
  for (const p of policies) {
    const generated = await generateGuard(p.model, { emit: options.emit });
    const base = guardBaseName(p.file);
    const written: string[] = [];
    if (options.emit === "js") {
      if (generated.js === undefined || generated.dts === undefined) throw new Error("the code generator returned no JavaScript");
      written.push(write(join(outDir, `${base}.js`), generated.js), write(join(outDir, `${base}.d.ts`), generated.dts));
    } else {
      written.push(write(join(outDir, `${base}.ts`), generated.ts));
    }
    io.err(`compiled ${displayPath(io)(p.file)} → ${written.map(displayPath(io)).join(", ")}`);
  }
  return ExitCode.ok;
}

/** Writes through a temporary file and a rename, so a reader never sees a half-written module. */
function write(file: string, text: string): string {
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, text);
  renameSync(partial, file);
  return file;
}
