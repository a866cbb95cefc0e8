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
 * its guard is compiled once, in a `beforeAll`. A policy with errors (or a file that cannot be
 * read) gets one failing `it` that lists them. A failing test or invariant fails its `it`
 * with the text `agentpolicy test` prints: expected vs actual effect, deciding rules,
 * location, and for an invariant the shrunk counterexample as an `expect` line.
 */
import { fileURLToPath } from "node:url";
import { beforeAll, describe, it } from "vitest";
import { policySuite, type PolicySuiteOptions } from "./suite.js";

export interface PolicyTestOptions extends PolicySuiteOptions {
  /** Per-`it` (and guard compilation) timeout in ms; default 60 000. */
  readonly timeout?: number;
}

/** Requests per invariant inside a vitest suite unless `runs` says otherwise. */
export const DEFAULT_VITEST_RUNS = 500;

/** One `describe` for the policy at `file` (a path relative to the working directory, or a file URL). */
export function describePolicy(file: string | URL, options: PolicyTestOptions = {}): void {
  const path = typeof file !== "string" ? fileURLToPath(file) : file.startsWith("file:") ? fileURLToPath(file) : file;
  const timeout = options.timeout ?? 60_000;
  const suite = policySuite(path, { ...options, runs: options.runs ?? DEFAULT_VITEST_RUNS });
  describe(suite.title, () => {
    beforeAll(() => suite.setup(), timeout);
    for (const c of suite.cases) it(c.name, () => c.run(), timeout);
  });
}

/** `describePolicy` for each file. */
export function describePolicies(files: readonly (string | URL)[], options: PolicyTestOptions = {}): void {
  for (const f of files) describePolicy(f, options);
}
