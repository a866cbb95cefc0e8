/**
 * `@agentpolicy/compiler/vitest`: run a project's policy tests and invariants inside its own
 * vitest suite — one `describe` per policy, one `it` per `test` block and per invariant.
 *
 * ```ts
 * import { describePolicies } from "@agentpolicy/compiler/vitest";
 * describePolicies(["policies/inventory.agentpolicy"], { runs: 300, seed: 1 });
 * ```
 *
 * The policy is parsed and checked when the suite is collected (so the `it`s can be named);
 * the guard is compiled once per policy in a `beforeAll`. A policy with errors gets one
 * failing `it` that lists them. A failing test or invariant throws an error whose message is
 * the same text `agentpolicy test` prints (expected vs actual, deciding rules, location, and
 * for an invariant the counterexample as an `expect` line).
 */
import { fileURLToPath } from "node:url";
import { beforeAll, describe, it } from "vitest";
import type { PolicyProgram } from "@agentpolicy/runtime";
import type { Engine } from "../guard-loader.js";
import { checkFile } from "../program.js";
import { formatDiagnosticText } from "../diagnostics/format.js";
import { checkInvariant, defaultSeed } from "./invariants.js";
import { collectLiterals } from "./literals.js";
import { renderResult, type RenderContext } from "./report.js";
import { plainStyle } from "../diagnostics/format.js";
import { runTestBlock } from "./run-tests.js";
import { programFor } from "./suite.js";

export interface PolicyTestOptions {
  /** Requests per invariant; default 500. */
  readonly runs?: number;
  /** fast-check seed; default a fresh one (printed in a failure). */
  readonly seed?: number;
  /** `compiled` (default) or `interpreter`. */
  readonly engine?: Engine;
  /** Per-`it` timeout in ms; default 60 000. */
  readonly timeout?: number;
}

const DEFAULT_VITEST_RUNS = 500;

/** One `describe` for the policy at `file` (a path, relative to the working directory, or a file URL). */
export function describePolicy(file: string | URL, options: PolicyTestOptions = {}): void {
  const path = typeof file === "string" ? (file.startsWith("file:") ? fileURLToPath(file) : file) : fileURLToPath(file);
  const timeout = options.timeout ?? 60_000;
  const loaded = checkFile(path);
  if (!loaded.ok) {
    describe(path, () => {
      it("can be read", () => {
        throw new Error(loaded.error);
      });
    });
    return;
  }
  const policy = loaded.policy;
  const model = policy.model;
  const name = model.name ? `policy ${model.name} (${path})` : path;
  const ctx: RenderContext = { source: (f) => policy.source(f), path: (f) => f, style: plainStyle };

  describe(name, () => {
    if (!policy.ok) {
      it("checks without errors", () => {
        const errors = policy.diagnostics.filter((d) => d.severity === "error");
        throw new Error(errors.map((d) => formatDiagnosticText(d, (f) => policy.source(f))).join("\n\n"));
      });
      return;
    }
    let program: PolicyProgram | null = null;
    let loadError: string | null = null;
    beforeAll(async () => {
      const p = await programFor(model, options.engine ?? "compiled");
      if (p.ok) program = p.program;
      else loadError = p.error;
    }, timeout);
    const ready = (): PolicyProgram => {
      if (program === null) throw new Error(loadError ?? "the guard was not loaded");
      return program;
    };

    for (const t of model.tests) {
      it(`test ${JSON.stringify(t.name?.value ?? "")}`, async () => {
        const r = await runTestBlock(model, ready(), t);
        if (!r.ok) throw new Error(renderResult(r, ctx).join("\n"));
      }, timeout);
    }
    const seed = options.seed ?? defaultSeed();
    const pool = collectLiterals([model]);
    for (const inv of model.invariants) {
      it(`invariant ${inv.name?.name ?? ""}`, async () => {
        const r = await checkInvariant(model, ready(), inv, { runs: options.runs ?? DEFAULT_VITEST_RUNS, seed }, pool);
        if (!r.ok) throw new Error(renderResult(r, ctx).join("\n"));
      }, timeout);
    }
  });
}

/** `describePolicy` for each file. */
export function describePolicies(files: readonly (string | URL)[], options: PolicyTestOptions = {}): void {
  for (const f of files) describePolicy(f, options);
}
