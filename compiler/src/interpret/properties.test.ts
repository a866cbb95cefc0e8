import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LimitKeyError, type SessionView, type ToolRequest } from "@agentpolicy/runtime";
import { createInterpreter } from "./interpreter.js";
import { HEADER, modelOf } from "./test-support.js";

const POLICY = `
context { user: { id: string }, team?: string }
label pii on t.op
deny t.op when args.s.startsWith("x") and (args.opt ?? "") == "" because "x"
review t.op when args.items.any(it => it.qty > (args.n ?? 0) * 2) unless session.has(pii)
allow t.op when args.xs.contains("a") or url(args.s).host.endsWith(".example.com") or path(args.s).under("/tmp")
allow t.op when args has kind or (args.rec.inner.c ?? "").glob("**/*.md")
allow t.write when path(args.path).under("/tmp") unless args.content.contains("secret")
allow u.* unless args.q.matches("^drop")
allow t.ping
limit t.* to 3 calls per minute by ctx.team
limit repeats to 2
`;

const program = createInterpreter(modelOf(HEADER + POLICY));

const toolName = fc.constantFrom("t.op", "t.write", "t.ping", "u.op", "u.solo", "solo", "op", "ping", "x.y", "t.", "__proto__", "constructor");
const hostileValue = fc.oneof(
  fc.jsonValue(),
  fc.anything(),
  fc.constantFrom(NaN, Infinity, -0, null, undefined, "__proto__", Object.create(null) as object),
);
const argsArb = fc.oneof(
  fc.record(
    {
      s: fc.oneof(fc.string(), fc.constantFrom("https://a.example.com/x", "/tmp/../etc", "xyz", "/tmp/a")),
      n: fc.integer({ min: -5, max: 50 }),
      opt: fc.string(),
      xs: fc.array(fc.constantFrom("a", "b")),
      items: fc.array(fc.record({ name: fc.string(), qty: fc.integer({ min: -5, max: 200 }) })),
      kind: fc.constantFrom("a", "b", "z"),
      rec: fc.record({ inner: fc.record({ c: fc.constantFrom("a/b.md", "x.md", "y") }, { requiredKeys: [] }) }, { requiredKeys: [] }),
      q: fc.constantFrom("drop table", "select"),
      path: fc.oneof(fc.string(), fc.constantFrom("/tmp/x", "/tmp/../x")),
      content: fc.constantFrom("secret", "ok"),
      extra: hostileValue,
    },
    { requiredKeys: ["s"] },
  ),
  fc.record({ s: fc.anything(), n: fc.double() }, { requiredKeys: [] }),
  hostileValue,
);
const contextArb = fc.oneof(
  fc.record({ user: fc.record({ id: fc.string() }), team: fc.string() }, { requiredKeys: ["user"] }),
  fc.record({ user: fc.anything(), team: fc.constant(null) }, { requiredKeys: [] }),
  hostileValue,
);
const sessionArb: fc.Arbitrary<SessionView | undefined> = fc.option(
  fc.record({ labels: fc.array(fc.constantFrom("pii", "other")), counts: fc.dictionary(fc.constantFrom("t.op", "u.op"), fc.nat()) }),
  { nil: undefined },
);
const requestArb = fc.record(
  {
    agent: fc.oneof(fc.string(), fc.constantFrom("a", "__proto__")),
    tool: toolName,
    args: argsArb,
    context: contextArb,
    session: fc.string(),
  },
  { requiredKeys: ["agent", "tool"] },
);

describe("properties of the interpreter", () => {
  it("evaluate is total and well formed; limitsFor throws only LimitKeyError", () => {
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(requestArb, sessionArb, (request, session) => {
        const v = program.evaluate(request as ToolRequest, session);
        const outcome = `${v.effect}:${v.rules[0]}`;
        seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
        expect(["allow", "deny", "review"]).toContain(v.effect);
        expect(v.rules.length).toBeGreaterThan(0);
        expect(new Set(v.rules).size).toBe(v.rules.length);
        for (const e of v.errors) expect(typeof e.message).toBe("string");
        if (v.effect !== "deny") {
          expect(v.tool).not.toBeNull();
          try {
            const checks = program.limitsFor(request as ToolRequest, v);
            for (const c of checks) expect(typeof c.key).toBe("string");
          } catch (e) {
            expect(e).toBeInstanceOf(LimitKeyError);
          }
        }
        expect(() => program.redact(request.tool, request.args)).not.toThrow();
      }),
      { numRuns: 400, seed: 42 },
    );
    // The generators reach every stage of a request, not only its early refusals.
    for (const k of ["deny:unknown_tool", "deny:invalid_arguments", "deny:invalid_context", "deny:default"]) expect(seen.get(k)).toBeGreaterThan(0);
    expect([...seen.keys()].some((k) => k.startsWith("allow:"))).toBe(true);
    expect([...seen.keys()].some((k) => k.startsWith("review:"))).toBe(true);
  });

  it("evaluate is deterministic and does not depend on earlier requests", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(requestArb, sessionArb), { minLength: 2, maxLength: 6 }), (pairs) => {
        const fresh = createInterpreter(modelOf(HEADER + POLICY));
        for (const [r, s] of pairs) expect(program.evaluate(r as ToolRequest, s)).toEqual(fresh.evaluate(r as ToolRequest, s));
      }),
      { numRuns: 15, seed: 7 },
    );
  });

  it("the order of rules never changes the effect or the set of deciding rules", () => {
    const lines = [
      `@id("d1") deny t.op when args.n > 10 because "big"`,
      `@id("d2") deny t.op when args.opt == "x"`,
      `@id("r1") review t.op when args.n > 5`,
      `@id("r2") review t.op when (args.opt ?? "") == "r"`,
      `@id("a1") allow t.op when args.n > 1`,
      `@id("a2") allow t.*`,
      `@id("a3") allow t.op when args.kind == "a"`,
    ];
    const requests: ToolRequest[] = [
      { agent: "a", tool: "t.op", args: { s: "", n: 0 } },
      { agent: "a", tool: "t.op", args: { s: "", n: 6 } },
      { agent: "a", tool: "t.op", args: { s: "", n: 20, kind: "a" } },
      { agent: "a", tool: "t.op", args: { s: "", opt: "r", n: 2 } },
      { agent: "a", tool: "t.op", args: { s: "", opt: "x" } },
      { agent: "a", tool: "t.op", args: { s: "" } },
      { agent: "a", tool: "t.ping", args: {} },
    ];
    const summary = (p: ReturnType<typeof createInterpreter>) =>
      requests.map((r) => {
        const v = p.evaluate(r);
        return { effect: v.effect, rules: [...v.rules].sort(), reasons: [...v.reasons].sort(), errors: v.errors.map((e) => e.rule).sort() };
      });
    const reference = summary(createInterpreter(modelOf(HEADER + lines.join("\n"))));
    fc.assert(
      fc.property(fc.shuffledSubarray(lines, { minLength: lines.length, maxLength: lines.length }), (shuffled) => {
        expect(summary(createInterpreter(modelOf(HEADER + shuffled.join("\n"))))).toEqual(reference);
      }),
      { numRuns: 20, seed: 3 },
    );
  });
});
