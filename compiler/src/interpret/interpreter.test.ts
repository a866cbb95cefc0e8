import { describe, expect, it } from "vitest";
import type { PolicyProgram, SessionView, ToolRequest, Verdict } from "@agentpolicy/runtime";
import { createInterpreter, INTERNAL_ERROR_REASON } from "./interpreter.js";
import { ARGS_NOT_OBJECT, CONTEXT_NOT_OBJECT, unknownToolReason } from "./request.js";
import { HEADER, POLICY_FILE, modelOf } from "./test-support.js";

const programOf = (body: string): PolicyProgram => createInterpreter(modelOf(`${HEADER}${body}`));

function req(tool: string, args?: unknown, more: Partial<ToolRequest> = {}): ToolRequest {
  return { agent: "a", tool, ...(args === undefined ? {} : { args }), ...more };
}

/** The parts of a verdict two engines must agree on, without error wording. */
const shape = (v: Verdict) => ({ effect: v.effect, rules: v.rules, reasons: v.reasons, errors: v.errors.map((e) => e.rule), tool: v.tool });

describe("request order", () => {
  const p = programOf(`
context { user: { id: string }, team?: string }
allow *
`);
  const ctx = { user: { id: "u" } };

  it("unknown tools: undeclared alias, unknown name, ambiguous bare name", () => {
    for (const tool of ["x.op", "t.nope", "op", "nope", "", ".op", "t."]) {
      expect(shape(p.evaluate(req(tool, {}, { context: ctx })))).toEqual({
        effect: "deny",
        rules: ["unknown_tool"],
        reasons: [unknownToolReason(tool)],
        errors: [],
        tool: null,
      });
    }
  });
  it("resolves qualified names and unique bare names", () => {
    expect(p.evaluate(req("solo", {}, { context: ctx })).tool).toBe("u.solo");
    expect(p.evaluate(req("ping", undefined, { context: ctx })).tool).toBe("t.ping");
    expect(p.evaluate(req("u.op", {}, { context: ctx })).effect).toBe("allow");
  });
  it("invalid arguments come before the context, after the tool", () => {
    const bad = p.evaluate(req("t.op", {}, { context: "nonsense" }));
    expect(bad.rules).toEqual(["invalid_arguments"]);
    expect(bad.reasons.length).toBeGreaterThan(0);
    expect(bad.tool).toBe("t.op");
    expect(p.evaluate(req("t.nope", { s: 1 }, { context: "nonsense" })).rules).toEqual(["unknown_tool"]);
    expect(p.evaluate(req("t.op", { s: 1 }, { context: ctx })).rules).toEqual(["invalid_arguments"]);
    expect(p.evaluate(req("u.solo", { q: "x", extra: 1 }, { context: ctx })).rules).toEqual(["invalid_arguments"]);
  });
  it("non-object arguments are invalid; absent arguments are {}", () => {
    for (const args of [null, [], "x", 3, true]) {
      const v = p.evaluate(req("t.ping", args, { context: ctx }));
      expect(shape(v)).toEqual({ effect: "deny", rules: ["invalid_arguments"], reasons: [ARGS_NOT_OBJECT], errors: [], tool: "t.ping" });
    }
    expect(p.evaluate(req("t.ping", undefined, { context: ctx })).effect).toBe("allow");
    expect(p.evaluate(req("t.op", undefined, { context: ctx })).rules).toEqual(["invalid_arguments"]);
  });
  it("the context must satisfy the declaration", () => {
    expect(p.evaluate(req("t.ping", {}, { context: ctx })).effect).toBe("allow");
    expect(p.evaluate(req("t.ping", {}, { context: { ...ctx, extra: [1] } })).effect).toBe("allow");
    expect(p.evaluate(req("t.ping", {})).rules).toEqual(["invalid_context"]);
    expect(p.evaluate(req("t.ping", {}, { context: { user: {} } })).rules).toEqual(["invalid_context"]);
    expect(p.evaluate(req("t.ping", {}, { context: { ...ctx, team: null } })).rules).toEqual(["invalid_context"]);
    expect(p.evaluate(req("t.ping", {}, { context: { user: { id: 5 } } })).rules).toEqual(["invalid_context"]);
    const v = p.evaluate(req("t.ping", {}, { context: [] }));
    expect(shape(v)).toEqual({ effect: "deny", rules: ["invalid_context"], reasons: [CONTEXT_NOT_OBJECT], errors: [], tool: "t.ping" });
  });
  it("without a context declaration any context is accepted and ctx is {}", () => {
    const q = programOf(`allow t.op when ctx == {}\n`);
    for (const context of [undefined, null, "x", { a: 1 }, []]) {
      expect(q.evaluate(req("t.op", { s: "x" }, context === undefined ? {} : { context })).effect).toBe("allow");
    }
  });
});

describe("errors while evaluating, per effect", () => {
  const p = programOf(`
agent "allow" { allow t.op when args.opt == "x" }
agent "deny" { allow t.op  deny t.op when args.opt == "x" because "d" }
agent "review" { allow t.op  review t.op when args.opt == "x" because "r" }
agent "unless" { allow t.op unless args.opt == "x" }
agent "skipped" { allow t.op  deny t.op when args.b unless args.opt == "x" }
`);
  it("an erroring allow does not apply but is listed", () => {
    const v = p.evaluate({ agent: "allow", tool: "t.op", args: { s: "" } });
    expect(shape(v)).toEqual({ effect: "deny", rules: ["default"], reasons: [], errors: ["allow/allow/t.op"], tool: "t.op" });
    expect(v.errors[0].message.length).toBeGreaterThan(0);
  });
  it("an erroring deny applies", () => {
    expect(shape(p.evaluate({ agent: "deny", tool: "t.op", args: { s: "" } }))).toEqual({
      effect: "deny",
      rules: ["deny/deny/t.op"],
      reasons: ["d"],
      errors: ["deny/deny/t.op"],
      tool: "t.op",
    });
  });
  it("an erroring review applies", () => {
    expect(shape(p.evaluate({ agent: "review", tool: "t.op", args: { s: "" } }))).toEqual({
      effect: "review",
      rules: ["review/review/t.op"],
      reasons: ["r"],
      errors: ["review/review/t.op"],
      tool: "t.op",
    });
  });
  it("an erroring unless makes an allow not apply", () => {
    expect(shape(p.evaluate({ agent: "unless", tool: "t.op", args: { s: "" } })).errors).toEqual(["unless/allow/t.op"]);
    expect(p.evaluate({ agent: "unless", tool: "t.op", args: { s: "" } }).effect).toBe("deny");
    expect(p.evaluate({ agent: "unless", tool: "t.op", args: { s: "", opt: "y" } }).effect).toBe("allow");
  });
  it("unless is evaluated only when `when` held", () => {
    expect(shape(p.evaluate({ agent: "skipped", tool: "t.op", args: { s: "", b: false } }))).toEqual({
      effect: "allow",
      rules: ["skipped/allow/t.op"],
      reasons: [],
      errors: [],
      tool: "t.op",
    });
    expect(shape(p.evaluate({ agent: "skipped", tool: "t.op", args: { s: "", b: true } }))).toMatchObject({ effect: "deny", errors: ["skipped/deny/t.op"] });
  });
});

describe("combination: order never matters, every winner is listed in source order", () => {
  const p = programOf(`
allow t.op because "a1"
@id("r2") review t.op when args.n > 1 because "r2"
deny t.op when args.n > 10 because "d1"
allow t.* because "a2"
allow t.op
@id("r3") review t.op when args.n > 2
@owner("sec") @ticket("T-1") deny t.op when args.n > 100
@ticket("T-2") deny t.op when args.n > 100 because "d2"
@id("uq") review u.op when args.q == "x"
`);
  it("allow: every applicable allow", () => {
    expect(shape(p.evaluate(req("t.op", { s: "", n: 0 })))).toEqual({
      effect: "allow",
      rules: ["*/allow/t.op", "*/allow/t.*", "*/allow/t.op#2"],
      reasons: ["a1", "a2"],
      errors: [],
      tool: "t.op",
    });
  });
  it("review beats allow", () => {
    expect(shape(p.evaluate(req("t.op", { s: "", n: 2 })))).toMatchObject({ effect: "review", rules: ["r2"], reasons: ["r2"] });
    expect(shape(p.evaluate(req("t.op", { s: "", n: 5 })))).toMatchObject({ effect: "review", rules: ["r2", "r3"], reasons: ["r2"] });
  });
  it("deny beats review", () => {
    expect(shape(p.evaluate(req("t.op", { s: "", n: 20 })))).toMatchObject({ effect: "deny", rules: ["*/deny/t.op"], reasons: ["d1"] });
  });
  it("annotations of the winners are merged in rule order", () => {
    const v = p.evaluate(req("t.op", { s: "", n: 200 }));
    expect(v.rules).toEqual(["*/deny/t.op", "*/deny/t.op#2", "*/deny/t.op#3"]);
    expect(v.reasons).toEqual(["d1", "d2"]);
    expect(v.annotations).toEqual({ owner: "sec", ticket: "T-2" });
    expect(p.evaluate(req("t.op", { s: "", n: 0 })).annotations).toEqual({});
  });
  it("erroring denies and reviews apply; rules of other tools are not evaluated", () => {
    expect(shape(p.evaluate(req("t.op", { s: "" })))).toEqual({
      effect: "deny",
      rules: ["*/deny/t.op", "*/deny/t.op#2", "*/deny/t.op#3"],
      reasons: ["d1", "d2"],
      errors: ["r2", "*/deny/t.op", "r3", "*/deny/t.op#2", "*/deny/t.op#3"],
      tool: "t.op",
    });
    expect(shape(p.evaluate(req("u.op", {})))).toEqual({ effect: "review", rules: ["uq"], reasons: [], errors: ["uq"], tool: "u.op" });
    expect(shape(p.evaluate(req("u.op", { q: "y" })))).toEqual({ effect: "deny", rules: ["default"], reasons: [], errors: [], tool: "u.op" });
  });
});

describe("agents", () => {
  const p = programOf(`
@id("top") allow t.ping because "top"
agent "base" { @id("base-allow") allow t.op because "base" }
agent "l" extends "base" { @id("l-deny") deny u.op }
agent "r" extends "base" { }
agent "d" extends "l", "r" { @id("d-allow") allow t.op because "d" }
agent "fwd" extends "later" { }
agent "later" { @id("later-review") review t.op }
`);
  it("a diamond counts an inherited rule once", () => {
    expect(shape(p.evaluate({ agent: "d", tool: "t.op", args: { s: "" } }))).toMatchObject({ effect: "allow", rules: ["base-allow", "d-allow"], reasons: ["base", "d"] });
    expect(p.evaluate({ agent: "d", tool: "u.op", args: {} }).rules).toEqual(["l-deny"]);
    expect(p.evaluate({ agent: "r", tool: "u.op", args: {} }).rules).toEqual(["default"]);
  });
  it("extends may refer forward", () => {
    expect(p.evaluate({ agent: "fwd", tool: "t.op", args: { s: "" } }).rules).toEqual(["later-review"]);
  });
  it("an undeclared agent gets the top-level rules only", () => {
    expect(p.evaluate({ agent: "nobody", tool: "t.op", args: { s: "" } }).rules).toEqual(["default"]);
    expect(p.evaluate({ agent: "nobody", tool: "t.ping", args: {} }).rules).toEqual(["top"]);
    expect(p.evaluate({ agent: "__proto__", tool: "t.ping", args: {} }).rules).toEqual(["top"]);
  });
});

describe("default effect", () => {
  it("is deny when absent", () => {
    expect(shape(programOf("").evaluate(req("t.ping", {})))).toEqual({ effect: "deny", rules: ["default"], reasons: [], errors: [], tool: "t.ping" });
  });
  it("can be allow", () => {
    const p = programOf("default allow\ndeny t.write\n");
    expect(shape(p.evaluate(req("t.ping", {})))).toEqual({ effect: "allow", rules: ["default"], reasons: [], errors: [], tool: "t.ping" });
    expect(p.evaluate(req("t.write", { path: "/x" })).effect).toBe("deny");
  });
});

describe("session", () => {
  const p = programOf(`
label pii on t.op
deny u.* when session.has(pii) because "no pii out"
review t.ping when session.count(t.ping) >= 2
allow *
`);
  it("labels and counts come from the session view", () => {
    const empty: SessionView = { labels: [], counts: {} };
    expect(p.evaluate(req("u.op", {}), empty).effect).toBe("allow");
    expect(p.evaluate(req("u.op", {}), { labels: ["pii"], counts: {} }).reasons).toEqual(["no pii out"]);
    expect(p.evaluate(req("u.op", {})).effect).toBe("allow");
    expect(p.evaluate(req("t.ping", {}), { labels: [], counts: { "t.ping": 1 } }).effect).toBe("allow");
    expect(p.evaluate(req("t.ping", {}), { labels: [], counts: { "t.ping": 2 } }).effect).toBe("review");
  });
  it("labelsFor", () => {
    expect(p.labelsFor("t.op")).toEqual(["pii"]);
    expect(p.labelsFor("t.ping")).toEqual([]);
    expect(p.labelsFor("nope")).toEqual([]);
  });
});

describe("labelsFor, toolsFor, redact, policy", () => {
  const p = programOf(`
label pii on t.op, u.*
label all on *
agent "a" { allow t.op when args.n > 1  review t.write  deny t.write when args.path == "/x" }
agent "b" { allow t.*  deny t.write }
agent "c" { allow t.op  deny * unless session.id == "c" }
`);
  it("labelsFor, in declaration order, qualified or unique bare names", () => {
    expect(p.labelsFor("t.op")).toEqual(["pii", "all"]);
    expect(p.labelsFor("solo")).toEqual(["pii", "all"]);
    expect(p.labelsFor("t.ping")).toEqual(["all"]);
  });
  it("toolsFor: allowed or reviewed somewhere, minus unconditional denies", () => {
    expect(p.toolsFor("a")).toEqual(["t.op", "t.write"]);
    expect(p.toolsFor("b")).toEqual(["t.op", "t.ping"]);
    expect(p.toolsFor("c")).toEqual(["t.op"]);
    expect(p.toolsFor("nobody")).toEqual([]);
    expect(programOf("default allow\ndeny u.*\n").toolsFor("x")).toEqual(["t.op", "t.write", "t.ping"]);
  });
  it("redact replaces sensitive values on a copy", () => {
    const args = deepFreeze({
      path: "/p",
      token: "tok",
      creds: { user: "me", password: "pw" },
      list: [{ secret: "s1", keep: "k" }, { keep: "k2" }, "odd"],
    });
    expect(p.redact("t.write", args)).toEqual({
      path: "/p",
      token: "[redacted]",
      creds: { user: "me", password: "[redacted]" },
      list: [{ secret: "[redacted]", keep: "k" }, { keep: "k2" }, "odd"],
    });
    expect(args.token).toBe("tok");
    const plain = { s: "x" };
    expect(p.redact("t.op", plain)).toEqual(plain);
    expect(p.redact("nope", plain)).toBe(plain);
    expect(p.redact("t.write", null)).toBe(null);
    expect(p.redact("t.write", { path: "/p" })).toEqual({ path: "/p" });
  });
  it("policy metadata", () => {
    const model = modelOf(`${HEADER}allow *\n`);
    const q = createInterpreter(model);
    expect(q.policy).toEqual({ name: "p", version: "1.0.0", hash: model.hash, source: POLICY_FILE });
    expect(q.policy.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe("totality", () => {
  const p = programOf(`
context { user: { id: string } }
allow t.op when args.xs.contains("a") or args.items.contains({ name: "n", qty: 1 }) or args.s.length > 3
deny t.op when args.rec == { a: "x" }
allow *
`);
  const ctx = { user: { id: "u" } };
  it("never throws, whatever the request", () => {
    let deep: unknown = "leaf";
    for (let i = 0; i < 10_000; i++) deep = [deep];
    let deepRec: unknown = {};
    for (let i = 0; i < 10_000; i++) deepRec = { a: deepRec };
    const hostile: unknown[] = [
      null,
      undefined,
      5,
      "t.op",
      [],
      { agent: 5, tool: "t.op" },
      { agent: "a", tool: {} },
      { agent: "a", tool: "t.op", session: 5, args: { s: "x" }, context: ctx },
      { agent: "a", tool: "t.op", args: JSON.parse('{"__proto__": {"s": "x"}}'), context: ctx },
      { agent: "a", tool: "t.op", args: JSON.parse('{"s": "x", "__proto__": {"xs": ["a"]}}'), context: ctx },
      { agent: "a", tool: "t.op", args: { s: NaN }, context: ctx },
      { agent: "a", tool: "t.op", args: { s: "x", n: NaN, xs: ["b"] }, context: ctx },
      { agent: "a", tool: "t.op", args: { s: "x", xs: deep }, context: ctx },
      { agent: "a", tool: "t.op", args: { s: "x", deep }, context: ctx },
      { agent: "a", tool: "t.op", args: { s: "x", rec: deepRec }, context: ctx },
      { agent: "a", tool: "t.op", args: { s: "x", items: [deepRec] }, context: ctx },
      { agent: "a", tool: "t.op", args: { s: "x".repeat(5_000_000) }, context: ctx },
      { agent: "a", tool: "t.op", args: { s: "x", xs: new Array(200_000).fill("b") }, context: ctx },
      { agent: "a", tool: "t.op", args: { s: "x" }, context: { user: deepRec } },
      { agent: "a".repeat(100_000), tool: "t.".repeat(100_000), args: {} },
    ];
    for (const r of hostile) {
      const v = p.evaluate(r as ToolRequest);
      expect(["allow", "deny", "review"]).toContain(v.effect);
      expect(Array.isArray(v.rules)).toBe(true);
    }
  });
  it("malformed requests are invalid_request", () => {
    expect(p.evaluate(null as unknown as ToolRequest).rules).toEqual(["invalid_request"]);
    expect(p.evaluate({ agent: 5, tool: "t.op" } as unknown as ToolRequest).rules).toEqual(["invalid_request"]);
    expect(p.evaluate({ agent: "a", tool: 5 } as unknown as ToolRequest).rules).toEqual(["invalid_request"]);
    expect(p.evaluate({ agent: "a", tool: "t.op", session: 1 } as unknown as ToolRequest).rules).toEqual(["invalid_request"]);
  });
  it("an exception inside evaluation is a deny with the error listed", () => {
    const throwing = { agent: "a", tool: "t.op", context: ctx, get args(): unknown { throw new Error("boom"); } };
    const v = p.evaluate(throwing as unknown as ToolRequest);
    expect(v).toMatchObject({ effect: "deny", rules: ["internal_error"], reasons: [INTERNAL_ERROR_REASON] });
    expect(v.errors[0].message).toContain("boom");
  });
  it("does not mutate the request", () => {
    const r = deepFreeze({ agent: "a", tool: "t.op", args: { s: "x", rec: { a: "x" } }, context: ctx, session: "s" });
    expect(p.evaluate(r).effect).toBe("deny");
  });
});

function deepFreeze<T>(v: T): T {
  if (typeof v === "object" && v !== null) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}
