/**
 * Turns a checked policy into a running `PolicyProgram`: the reference interpreter, or
 * the very guard module `compile` emits, written where Node resolves
 * `@agentpolicy/runtime` (inside this package's `node_modules/.cache`) and imported.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { PolicyProgram } from "@agentpolicy/runtime";
import { generateGuard } from "./emit/generate.js";
import { createInterpreter } from "./interpret/interpreter.js";
import type { PolicyModel } from "./semantic/model.js";

export type Engine = "compiled" | "interpreter";

/** `compiler/node_modules/.cache/agentpolicy`: inside the package, so the runtime resolves from it. */
export function guardCacheDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return join(here, "..", "node_modules", ".cache", "agentpolicy");
}

/** Generated module of a guard, imported as an ES module. */
export interface GuardModule {
  readonly program: PolicyProgram;
}

/**
 * Imports the compiled guard of `model`, generating it only when this build of the compiler
 * has not generated it before: the cache key covers the policy and its manifests
 * (`model.hash`), the file's name (it appears in the module) and the compiler's own code.
 */
export async function importCompiledGuard(model: PolicyModel): Promise<GuardModule> {
  const key = createHash("sha256").update(`${model.hash}\n${basename(model.file)}\n${compilerFingerprint()}`).digest("hex").slice(0, 24);
  const dir = join(guardCacheDir(), key);
  const file = join(dir, "guard.mjs");
  if (!existsSync(file)) {
    const { js } = await generateGuard(model, { emit: "js", declarations: false });
    if (js === undefined) throw new Error("the code generator returned no JavaScript");
    mkdirSync(dir, { recursive: true });
    // Write then rename: a concurrent process never imports a half-written module.
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, js);
    renameSync(partial, file);
  }
  return (await import(pathToFileURL(file).href)) as GuardModule;
}

let fingerprint: string | undefined;

/** A digest of the compiler's built code (names and contents of every module), computed once per process. */
function compilerFingerprint(): string {
  if (fingerprint !== undefined) return fingerprint;
  const root = dirname(fileURLToPath(import.meta.url));
  const hash = createHash("sha256");
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.[cm]?[jt]s$/.test(entry.name) && !entry.name.endsWith(".d.ts")) hash.update(`${relative(root, path)}\0`).update(readFileSync(path)).update("\0");
    }
  };
  walk(root);
  fingerprint = hash.digest("hex");
  return fingerprint;
}

export async function loadProgram(model: PolicyModel, engine: Engine): Promise<PolicyProgram> {
  if (engine === "interpreter") return createInterpreter(model);
  return (await importCompiledGuard(model)).program;
}
