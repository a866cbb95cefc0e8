// Property: on policies that use every operator and built-in, the compiled guard decides every
// generated request exactly as the reference interpreter does (effect, rules, reasons, tool,
// annotations, errors by rule id) and computes the same limit checks.
import fc from "fast-check";
import { beforeAll, describe, it } from "vitest";
import type { PolicyProgram } from "@agentpolicy/runtime";
import { requestArb, seedsOf } from "./arbitraries.js";
import { MANIFESTS, POLICIES } from "./fixtures.js";
import { expectSameDecision, interpreterOf, loadCompiled, modelOf } from "./support.js";
import type { PolicyModel } from "../../compiler/src/semantic/model.js";

describe("compiled guard = interpreter on the fixture policies", () => {
  const engines = new Map<string, { model: PolicyModel; compiled: PolicyProgram; interpreter: PolicyProgram }>();

  beforeAll(async () => {
    for (const [name, text] of Object.entries(POLICIES)) {
      const model = modelOf(text, MANIFESTS, `/virtual/${name}.agentpolicy`);
      engines.set(name, { model, compiled: (await loadCompiled(model)).program, interpreter: interpreterOf(model) });
    }
  });

  for (const name of Object.keys(POLICIES)) {
    it(name, () => {
      const { model, compiled, interpreter } = engines.get(name)!;
      fc.assert(
        fc.property(requestArb(model, seedsOf(model)), ({ request, session }) => {
          expectSameDecision(compiled, interpreter, request, session);
        }),
        { numRuns: 400, seed: 42 },
      );
    });
  }
});
