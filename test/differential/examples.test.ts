// Property: on the example policies (the shared conformance case, every policy under
// examples/, the benchmark policy), the compiled guard decides generated requests exactly as
// the interpreter does.
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, it } from "vitest";
import { checkSource } from "../../compiler/src/program.js";
import { requestArb, seedsOf } from "./arbitraries.js";
import { expectSameDecision, interpreterOf, loadCompiled } from "./support.js";

function policiesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === "node_modules" ? [] : policiesUnder(p);
    return name.endsWith(".agentpolicy") ? [p] : [];
  });
}

const FILES = [
  ...["/work/shared/conformance/cases/inventory/policy.agentpolicy", join(process.cwd(), "..", "shared", "conformance", "cases", "inventory", "policy.agentpolicy")].filter(existsSync).slice(0, 1),
  ...policiesUnder(join(process.cwd(), "examples")),
  ...policiesUnder(join(process.cwd(), "test", "bench", "fixtures")),
];

describe("compiled guard = interpreter on the example policies", () => {
  for (const file of FILES) {
    it(file.replace(process.cwd(), "."), async () => {
      const checked = checkSource(readFileSync(file, "utf8"), file);
      if (!checked.ok) return; // a policy with errors has no guard (the examples' own tests report it)
      const compiled = (await loadCompiled(checked.model)).program;
      const interpreter = interpreterOf(checked.model);
      fc.assert(
        fc.property(requestArb(checked.model, seedsOf(checked.model)), ({ request, session }) => {
          expectSameDecision(compiled, interpreter, request, session);
        }),
        { numRuns: 300, seed: 21 },
      );
    });
  }
});
