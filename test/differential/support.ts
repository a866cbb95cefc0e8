/**
 * Shared support of the differential tests: policies checked from text against in-memory
 * manifests, the compiled guard of a model loaded into this process, and the comparison of
 * compiled and interpreted answers.
 *
 * The generated module is transpiled to CommonJS and evaluated with a `require` that hands
 * it the very runtime module the interpreter uses (runtime/src through vitest's alias), so
 * both engines share one set of built-ins and error classes.
 */
import { basename } from "node:path";
import * as runtime from "@agentpolicy/runtime";
import type { LimitCheck, PolicyProgram, ToolRequest, Verdict } from "@agentpolicy/runtime";
import { expect } from "vitest";
import { checkSource } from "../../compiler/src/program.js";
import type { PolicyModel } from "../../compiler/src/semantic/model.js";
import { generateGuard, generateGuardSource } from "../../compiler/src/emit/generate.js";
import { createInterpreter } from "../../compiler/src/interpret/interpreter.js";

export const POLICY_FILE = "/virtual/policy.agentpolicy";

/** The checked model of `policy`; `manifests` maps file names (as the `tools` lines give them) to manifests. Throws on errors. */
export function modelOf(policy: string, manifests: Readonly<Record<string, unknown>>, file = POLICY_FILE): PolicyModel {
  const checked = checkSource(policy, file, hostOf(manifests));
  const errors = checked.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) {
    const text = errors.map((d) => `${d.code}: ${d.message} [${policy.slice(d.span.start, d.span.end)}]`).join("\n");
    throw new Error(`policy has errors:\n${text}\n---\n${policy}`);
  }
  return checked.model;
}

/** Like `modelOf`, but null when the policy has errors (for generated policies). */
export function tryModelOf(policy: string, manifests: Readonly<Record<string, unknown>>): PolicyModel | null {
  const checked = checkSource(policy, POLICY_FILE, hostOf(manifests));
  return checked.diagnostics.some((d) => d.severity === "error") ? null : checked.model;
}

function hostOf(manifests: Readonly<Record<string, unknown>>) {
  return {
    readFile(path: string): string {
      const name = basename(path);
      if (!Object.hasOwn(manifests, name)) throw new Error(`ENOENT: ${path}`);
      const m = manifests[name];
      return typeof m === "string" ? m : JSON.stringify(m);
    },
  };
}

/** What a generated guard module exports. */
export interface GuardModule {
  readonly program: PolicyProgram;
  readonly evaluate: PolicyProgram["evaluate"];
  readonly policy: PolicyProgram["policy"];
  readonly createGuard: (options?: runtime.GuardOptions) => runtime.Guard;
}

/**
 * Generates the guard of `model` and loads it into this process. Unformatted by default (the
 * same code; Prettier only lays it out, see generate.test.ts), `format: true` for the exact
 * text `compile` writes.
 */
export async function loadCompiled(model: PolicyModel, options: { readonly format?: boolean } = {}): Promise<GuardModule> {
  if (options.format === true) return evaluateModule((await generateGuard(model)).ts);
  return evaluateModule(await generateGuardSource(model, { format: false }));
}

/** Loads generated TypeScript (transpiled to CommonJS; `@agentpolicy/runtime` is this process's runtime). */
export async function evaluateModule(ts: string): Promise<GuardModule> {
  const { ts: typescript } = await import("ts-morph");
  const js = typescript.transpileModule(ts, {
    compilerOptions: { target: typescript.ScriptTarget.ES2022, module: typescript.ModuleKind.CommonJS },
  }).outputText;
  const exports: Record<string, unknown> = {};
  const require = (name: string): unknown => {
    if (name === "@agentpolicy/runtime") return runtime;
    throw new Error(`a generated guard may import only @agentpolicy/runtime, not ${name}`);
  };
  new Function("require", "exports", "module", js)(require, exports, { exports });
  return exports as unknown as GuardModule;
}

export function interpreterOf(model: PolicyModel): PolicyProgram {
  return createInterpreter(model);
}

/** The parts of a verdict both engines must agree on (errors by rule id). */
export function comparable(v: Verdict): unknown {
  return {
    effect: v.effect,
    rules: [...v.rules],
    reasons: [...v.reasons],
    tool: v.tool,
    errors: v.errors.map((e) => e.rule),
    annotations: { ...(v.annotations ?? {}) },
  };
}

type LimitsOutcome = { readonly ok: true; readonly checks: readonly unknown[] } | { readonly ok: false; readonly limit: string | null };

function limitsOutcome(p: PolicyProgram, request: ToolRequest, verdict: Verdict): LimitsOutcome {
  try {
    const checks = p.limitsFor(request, verdict).map((c: LimitCheck) => ({ ...c }));
    return { ok: true, checks };
  } catch (e) {
    return { ok: false, limit: e instanceof runtime.LimitKeyError ? e.limitId : null };
  }
}

/** Asserts that both engines decide `request` alike, and compute the same limit checks. */
export function expectSameDecision(compiled: PolicyProgram, interpreter: PolicyProgram, request: ToolRequest, session?: runtime.SessionView): void {
  const c = compiled.evaluate(request, session);
  const i = interpreter.evaluate(request, session);
  expect(comparable(c), `request ${describeRequest(request)}`).toEqual(comparable(i));
  if (i.effect !== "deny") {
    expect(limitsOutcome(compiled, request, c), `limits of ${describeRequest(request)}`).toEqual(limitsOutcome(interpreter, request, i));
  }
}

export function describeRequest(r: unknown): string {
  try {
    const s = JSON.stringify(r);
    return s.length > 400 ? `${s.slice(0, 400)}…` : s;
  } catch {
    return String(r);
  }
}
