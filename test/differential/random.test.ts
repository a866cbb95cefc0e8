// Property: for randomly generated small policies (random rules, conditions from a typed
// grammar over every operator and built-in, agents, defaults, limits), the compiled guard
// decides randomly generated requests exactly as the reference interpreter does.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { generateGuardSource } from "../../compiler/src/emit/generate.js";
import { requestArb, seedsOf } from "./arbitraries.js";
import { MANIFESTS } from "./fixtures.js";
import { policyArb } from "./random-policies.js";
import { evaluateModule, expectSameDecision, interpreterOf, tryModelOf } from "./support.js";

describe("compiled guard = interpreter on random policies", () => {
  it("decides random requests alike", async () => {
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(policyArb(), fc.integer(), async (text, seed) => {
        const model = tryModelOf(text, MANIFESTS);
        if (model === null) return;
        checked++;
        const compiled = (await evaluateModule(await generateGuardSource(model, { format: false }))).program;
        const interpreter = interpreterOf(model);
        for (const { request, session } of fc.sample(requestArb(model, seedsOf(model)), { numRuns: 60, seed })) {
          expectSameDecision(compiled, interpreter, request, session);
        }
      }),
      { numRuns: Number(process.env.DIFF_RUNS ?? 20), seed: Number(process.env.DIFF_SEED ?? 7) },
    );
    expect(checked).toBeGreaterThan(10);
  });
});
