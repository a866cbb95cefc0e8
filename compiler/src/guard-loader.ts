/**
 * Turns a checked policy into a running `PolicyProgram`: the reference interpreter, or
 * the very guard module `compile` emits, written where Node resolves
 * `@agentpolicy/runtime` (inside this package's `node_modules/.cache`) and imported.
 */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
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

/** Emits, writes and imports the compiled guard of `model` (cached by content). */
export async function importCompiledGuard(model: PolicyModel): Promise<GuardModule> {
  const { js } = await generateGuard(model, { emit: "js" });
  if (js === undefined) throw new Error("the code generator returned no JavaScript");
  const digest = createHash("sha256").update(js).digest("hex").slice(0, 16);
  const dir = join(guardCacheDir(), digest);
  const file = join(dir, "guard.mjs");
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, js);
  }
  return (await import(pathToFileURL(file).href)) as GuardModule;
}

export async function loadProgram(model: PolicyModel, engine: Engine): Promise<PolicyProgram> {
  if (engine === "interpreter") return createInterpreter(model);
  return (await importCompiledGuard(model)).program;
}
