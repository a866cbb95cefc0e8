// Property: on policies that use every operator and built-in, the compiled guard decides every
// generated request exactly as the reference interpreter does (effect, rules, reasons, tool,
// annotations, errors by rule id) and computes the same limit checks.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { createGuard, MemoryStore, type Decision, type PolicyProgram } from "@agentpolicy/runtime";
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

describe("guards around both engines decide sequences alike (limits, usage, sessions, time)", () => {
  for (const name of ["agents"]) {
    it(name, async () => {
      const model = modelOf(POLICIES[name], MANIFESTS, `/virtual/${name}.agentpolicy`);
      const mod = await loadCompiled(model);
      const interpreter = interpreterOf(model);
      // A small pool of requests, repeated at short intervals, so that limits (calls, repeats,
      // per-session, `by` keys, cost, tokens after usage reports) are reached.
      const pool = fc.array(requestArb(model), { minLength: 1, maxLength: 4 });
      const usage = fc
        .record({ agent: fc.constantFrom(...model.agents.keys(), "x"), session: fc.constantFrom("", "s1", "run-7"), model: fc.constantFrom("m1", "m2"), inputTokens: fc.nat(40_000), outputTokens: fc.nat(40_000) })
        .map((u) => ({ kind: "usage" as const, usage: u }));
      const steps = fc.tuple(pool, fc.array(fc.tuple(fc.oneof({ weight: 6, arbitrary: fc.nat(3).map((i) => ({ kind: "pick" as const, i })) }, { weight: 1, arbitrary: usage }), fc.nat(8_000)), { minLength: 1, maxLength: 40 }));
      let limited = 0;
      await fc.assert(
        fc.asyncProperty(steps, async ([requests, seq]) => {
          let now = 1_700_000_000_000;
          const compiled = mod.createGuard({ store: new MemoryStore(), clock: () => now });
          const reference = createGuard(interpreter, { store: new MemoryStore(), clock: () => now });
          for (const [s, dt] of seq) {
            now += dt;
            if (s.kind === "usage") {
              expect(await compiled.recordUsage(s.usage)).toEqual(await reference.recordUsage(s.usage));
              continue;
            }
            const request = requests[s.i % requests.length].request;
            const view = (d: Decision) => ({ effect: d.effect, rules: d.rules, reasons: d.reasons, limit: d.limit, errors: d.errors.map((e) => e.rule) });
            const c = await compiled.decide(request);
            if (c.limit !== null) limited++;
            expect(view(c)).toEqual(view(await reference.decide(request)));
          }
        }),
        { numRuns: 60, seed: 11 },
      );
      expect(limited).toBeGreaterThan(0);
    });
  }
});
