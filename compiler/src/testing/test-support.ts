/**
 * Test support for the test runner, invariants and diff: fixture policies and inline
 * policies checked beside `__fixtures__/` (manifests `tools.json` and `shop.tools.json`).
 * Not public API.
 */
import { fileURLToPath } from "node:url";
import type { PolicyProgram } from "@agentpolicy/runtime";
import { createInterpreter } from "../interpret/interpreter.js";
import { checkFile, checkSource, type CheckedPolicy } from "../program.js";
import type { PolicyModel } from "../semantic/model.js";

export const FIXTURES = fileURLToPath(new URL("./__fixtures__/", import.meta.url));

export const fixture = (name: string): string => `${FIXTURES}${name}`;

function ensureOk(p: CheckedPolicy): CheckedPolicy {
  const errors = p.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) throw new Error(`policy has errors:\n${errors.map((d) => `${d.code}: ${d.message}`).join("\n")}`);
  return p;
}

/** A fixture policy file, checked (throws on errors). */
export function fixturePolicy(name: string): CheckedPolicy {
  const r = checkFile(fixture(name));
  if (!r.ok) throw new Error(r.error);
  return ensureOk(r.policy);
}

/** Policy text checked as if it were `__fixtures__/inline.agentpolicy` (throws on errors). */
export function inlinePolicy(text: string, name = "inline.agentpolicy"): CheckedPolicy {
  return ensureOk(checkSource(text, fixture(name)));
}

/** The reference interpreter of a model: the unit tests' fast stand-in for the compiled guard. */
export function interpreterOf(model: PolicyModel): PolicyProgram {
  return createInterpreter(model);
}
