/**
 * The code generator's facade: checked policy → guard module text. Pure: string in,
 * strings out; the CLI writes the files.
 *
 * checked model → plan (plan.ts, plain data) → TypeScript (emit-ts.ts, ts-morph) →
 * Prettier (format.ts) → optionally JavaScript + declarations (the TypeScript bundled in
 * ts-morph: `transpileModule` and `transpileDeclaration`; no type checking needed, since
 * every export of a guard carries an explicit type).
 */
import { basename } from "node:path";
import type { PolicyModel } from "../semantic/model.js";
import { emitModule } from "./emit-ts.js";
import { formatTypeScript } from "./format.js";
import { planGuard } from "./plan.js";

export interface GeneratedGuard {
  /** `NAME.guard`, NAME being the policy file's name without `.agentpolicy`. */
  readonly baseName: string;
  readonly ts: string;
  /** With `emit: "js"`: the module as JavaScript (ES2022, ESM). */
  readonly js?: string;
  /** With `emit: "js"`: its declarations. */
  readonly dts?: string;
}

export interface GenerateOptions {
  readonly emit?: "ts" | "js";
  /**
   * With `emit: "js"`: whether to produce `dts` too (default true). A caller that only runs
   * the module (the compiled engine's loader) can pass false and skip the declaration pass.
   */
  readonly declarations?: boolean;
}

/**
 * Generates the guard module of a checked policy. Rejects (a programming error) when the
 * model is incomplete (the policy has errors) or when the generated code does not parse.
 */
export async function generateGuard(model: PolicyModel, options: GenerateOptions = {}): Promise<GeneratedGuard> {
  const baseName = `${basename(model.file).replace(/\.agentpolicy$/, "")}.guard`;
  const ts = await generateGuardSource(model, { format: true });
  if (options.emit !== "js") return { baseName, ts };
  const { ts: typescript } = await import("ts-morph");
  const compilerOptions = {
    target: typescript.ScriptTarget.ES2022,
    module: typescript.ModuleKind.ESNext,
    declaration: true,
    isolatedDeclarations: true,
    strict: true,
  };
  const js = typescript.transpileModule(ts, { compilerOptions, fileName: `${baseName}.ts`, reportDiagnostics: false }).outputText;
  if (options.declarations === false) return { baseName, ts, js };
  const decl = typescript.transpileDeclaration(ts, { compilerOptions, fileName: `${baseName}.ts`, reportDiagnostics: true });
  const problems = (decl.diagnostics ?? []).filter((d) => d.category === typescript.DiagnosticCategory.Error);
  if (problems.length > 0) {
    const text = problems.map((d) => typescript.flattenDiagnosticMessageText(d.messageText, "\n")).join("; ");
    throw new Error(`the generated guard has no isolated declarations: ${text}`);
  }
  return { baseName, ts, js, dts: decl.outputText };
}

/**
 * The guard module's TypeScript; `format: false` skips Prettier (same code, unformatted:
 * for tests that compile many policies).
 */
export async function generateGuardSource(model: PolicyModel, options: { readonly format: boolean }): Promise<string> {
  if (!model.complete) throw new Error("cannot generate a guard for a policy with errors");
  const text = await emitModule(planGuard(model));
  return options.format ? formatTypeScript(text) : text;
}
