// Property: the rest of the compiled PolicyProgram — chargesFor, labelsFor, redact, toolsFor,
// policy metadata — answers exactly as the interpreter does.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { PolicyProgram, Usage } from "@agentpolicy/runtime";
import type { PolicyModel } from "../../compiler/src/semantic/model.js";
import { anyJson, recordArb, seedsOf } from "./arbitraries.js";
import { MANIFESTS, POLICIES } from "./fixtures.js";
import { interpreterOf, loadCompiled, modelOf } from "./support.js";

const engines = new Map<string, { model: PolicyModel; compiled: PolicyProgram; interpreter: PolicyProgram }>();

beforeAll(async () => {
  for (const [name, text] of Object.entries(POLICIES)) {
    const model = modelOf(text, MANIFESTS, `/virtual/${name}.agentpolicy`);
    engines.set(name, { model, compiled: (await loadCompiled(model)).program, interpreter: interpreterOf(model) });
  }
});

function usageArb(model: PolicyModel): fc.Arbitrary<Usage> {
  const agents = [...model.agents.keys(), "stranger"];
  const models = [...model.prices.keys(), "other-model"];
  const tokens = fc.oneof(fc.nat(200_000), fc.constantFrom(0, -5, 1.5, Number.NaN, Number.POSITIVE_INFINITY));
  return fc
    .record(
      {
        agent: fc.constantFrom(...agents),
        session: fc.constantFrom("", "s1"),
        model: fc.constantFrom(...models),
        inputTokens: tokens,
        outputTokens: tokens,
        costUsd: fc.oneof(fc.double({ min: 0, max: 10, noNaN: true }), fc.constantFrom(0.07, -1, 0)),
      },
      { requiredKeys: ["agent", "inputTokens", "outputTokens"] },
    )
    .map((u) => u as Usage);
}

describe("compiled program = interpreter beyond evaluate", () => {
  for (const name of Object.keys(POLICIES)) {
    it(name, () => {
      const { model, compiled, interpreter } = engines.get(name)!;
      expect(compiled.policy).toEqual({ ...interpreter.policy, source: `${name}.agentpolicy` });
      const names: unknown[] = [...model.tools.keys(), ...model.toolsByBareName.keys(), "nope.x", "", 5, null];
      for (const t of names) expect(compiled.labelsFor(t as string), String(t)).toEqual(interpreter.labelsFor(t as string));
      for (const a of [...model.agents.keys(), "stranger", "", 7]) expect(compiled.toolsFor(a as string), String(a)).toEqual(interpreter.toolsFor(a as string));
      fc.assert(
        fc.property(usageArb(model), (u) => {
          expect(compiled.chargesFor(u)).toEqual(interpreter.chargesFor(u));
        }),
        { numRuns: 200, seed: 3 },
      );
      const seeds = seedsOf(model);
      const redactions = fc.constantFrom(...model.tools.keys()).chain((tool) =>
        fc.tuple(fc.constant(tool), fc.oneof(recordArb(model.tools.get(tool)!.input, seeds), anyJson)),
      );
      fc.assert(
        fc.property(redactions, ([tool, args]) => {
          const c = compiled.redact(tool, args);
          expect(c).toEqual(interpreter.redact(tool, args));
          // Redaction copies what it changes and never mutates its input.
          if (c !== args) expect(JSON.stringify(c)).toContain("[redacted]");
        }),
        { numRuns: 200, seed: 4 },
      );
    });
  }
  it("charges of malformed usage reports", () => {
    const { compiled, interpreter } = engines.get("agents")!;
    for (const u of [null, 5, "u", {}, { agent: 3 }, { agent: "base", inputTokens: "9", outputTokens: null }]) {
      expect(compiled.chargesFor(u as unknown as Usage)).toEqual(interpreter.chargesFor(u as unknown as Usage));
    }
  });
});
