import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FileAuditSink, MemoryAuditSink, verifyAuditLog } from "./audit.js";
import type { AuditRecord, AuditSink } from "./audit.js";
import { limitKey, repeatFingerprint, sessionCount, sessionHas } from "./builtins.js";
import { PolicyDenied } from "./errors.js";
import { createGuard, decideHoldingReview } from "./guard.js";
import type { GuardOptions, Reviewer } from "./guard.js";
import { MemoryStore } from "./memory-store.js";
import type { LimitStore } from "./store.js";
import type { SpanAttributeValue, TracerLike } from "./telemetry.js";
import { LimitKeyError } from "./types.js";
import type { Decision, LimitCheck, PolicyProgram, SessionView, ToolRequest, UsageCharge, Verdict } from "./types.js";

/*
 * A hand-written program standing in for a compiled policy:
 *
 *   policy tiny
 *   label pii on a.secret
 *   label reviewed on a.y
 *   cost a.y = $0.40 per call
 *   agent "r" {
 *     allow a.x, a.secret, a.send, a.by
 *     @team("payments") review a.y because "a.y needs a human"
 *     deny a.send when session.has(pii) because "pii may not leave"
 *     @id("x-rate") limit a.x, a.y to 3 calls per second
 *     @id("budget") limit cost to $1 per day
 *     @id("tok") limit tokens to 100 per second
 *     @id("by-user") limit a.by to 5 calls per session by ctx.user
 *     @id("rep") limit repeats to 2
 *   }
 */
const TOOLS = new Set(["a.x", "a.y", "a.secret", "a.send", "a.by"]);
const SECOND = 1_000;
const DAY = 86_400_000;

function verdictFor(request: ToolRequest, session: SessionView | undefined): Verdict {
  const tool = request.tool;
  if (!TOOLS.has(tool)) return { effect: "deny", rules: ["unknown_tool"], reasons: ["no manifest has this tool"], errors: [], tool: null };
  if (request.agent !== "r") return { effect: "deny", rules: ["default"], reasons: [], errors: [], tool };
  if (tool === "a.y") {
    return {
      effect: "review",
      rules: ["r/review/a.y"],
      reasons: ["a.y needs a human"],
      errors: [],
      tool,
      annotations: { team: "payments" },
    };
  }
  if (tool === "a.send" && sessionHas(session, "pii")) {
    return { effect: "deny", rules: ["r/deny/a.send"], reasons: ["pii may not leave"], errors: [], tool };
  }
  return { effect: "allow", rules: ["r/allow/a.x,a.secret,a.send,a.by"], reasons: [], errors: [], tool };
}

function limitsFor(request: ToolRequest, verdict: Verdict): LimitCheck[] {
  const tool = verdict.tool as string;
  const session = request.session ?? "";
  const agent = { agent: request.agent };
  const checks: LimitCheck[] = [];
  if (tool === "a.x" || tool === "a.y") {
    checks.push({ id: "x-rate", kind: "calls", key: limitKey(agent, SECOND, session), window: SECOND, max: 3, amount: 1 });
  }
  if (tool === "a.by") {
    const user = (request.context as { user?: unknown } | undefined)?.user;
    if (user === undefined) throw new LimitKeyError("by-user", "ctx.user is missing");
    checks.push({ id: "by-user", kind: "calls", key: limitKey({ by: user }, "session", session), window: "session", max: 5, amount: 1 });
  }
  checks.push({ id: "budget", kind: "cost", key: limitKey(agent, DAY, session), window: DAY, max: 1_000_000, amount: tool === "a.y" ? 400_000 : 0 });
  checks.push({ id: "tok", kind: "tokens", key: limitKey(agent, SECOND, session), window: SECOND, max: 100, amount: 0 });
  checks.push({
    id: "rep",
    kind: "repeats",
    key: limitKey(agent, null, session),
    window: null,
    max: 2,
    amount: 0,
    fingerprint: repeatFingerprint(tool, request.args),
  });
  return checks;
}

const program: PolicyProgram = {
  policy: { name: "tiny", version: "1", hash: "sha256:abc", source: "tiny.agentpolicy" },
  evaluate: verdictFor,
  limitsFor,
  chargesFor(usage): UsageCharge[] {
    const key = `agent:${usage.agent}`;
    const charges: UsageCharge[] = [{ id: "tok", kind: "tokens", key, window: SECOND, amount: usage.inputTokens + usage.outputTokens }];
    if (usage.costUsd !== undefined) charges.push({ id: "budget", kind: "cost", key, window: DAY, amount: Math.ceil(usage.costUsd * 1e6) });
    return charges;
  },
  labelsFor: (tool) => (tool === "a.secret" ? ["pii"] : tool === "a.y" ? ["reviewed"] : []),
  redact(tool, args) {
    if (tool !== "a.secret" || args === null || typeof args !== "object") return args;
    return { ...(args as object), password: "[redacted]" };
  },
  toolsFor: (agent) => (agent === "r" ? [...TOOLS] : []),
};

let n = 0;
/** A request from agent "r" with fresh arguments (so `repeats` stays quiet unless a test wants it). */
const req = (tool: string, at: number, extra: Partial<ToolRequest> = {}): ToolRequest => ({
  agent: "r",
  tool,
  args: { n: n++ },
  session: "s",
  at,
  ...extra,
});

const approve: Reviewer = async () => ({ approved: true, by: "alice" });

function setup(options: GuardOptions = {}, p: PolicyProgram = program) {
  const store = (options.store as MemoryStore | undefined) ?? new MemoryStore();
  const audit = new MemoryAuditSink();
  const guard = createGuard(p, { store, audit, ...options });
  return { guard, store, audit };
}

describe("createGuard: rules and limits", () => {
  it("allows by the rules and carries the policy metadata", async () => {
    const { guard } = setup();
    expect(await guard.decide(req("a.x", 0))).toEqual({
      effect: "allow",
      rules: ["r/allow/a.x,a.secret,a.send,a.by"],
      reasons: [],
      limit: null,
      errors: [],
      policy: "tiny",
      policyHash: "sha256:abc",
    });
    expect(guard.policy.name).toBe("tiny");
    expect((await guard.decide(req("a.nope", 0))).rules).toEqual(["unknown_tool"]);
    expect((await guard.decide({ ...req("a.x", 0), agent: "other" })).rules).toEqual(["default"]);
  });

  it("turns an allow into a deny naming the limit once it is reached", async () => {
    const { guard } = setup();
    for (let i = 0; i < 3; i++) expect((await guard.decide(req("a.x", i))).effect).toBe("allow");
    expect(await guard.decide(req("a.x", 3))).toEqual({
      effect: "deny",
      rules: ["x-rate"],
      reasons: ["limit `x-rate` reached: 3 calls per 1 second"],
      limit: { id: "x-rate", kind: "calls", window: 1_000, max: 3 },
      errors: [],
      policy: "tiny",
      policyHash: "sha256:abc",
    });
  });

  it("slides the window: a call at exactly now − W is outside", async () => {
    const { guard } = setup();
    for (const t of [0, 1, 2]) expect((await guard.decide(req("a.x", t))).effect).toBe("allow");
    expect((await guard.decide(req("a.x", 999))).effect).toBe("deny");
    expect((await guard.decide(req("a.x", 1_000))).effect).toBe("allow"); // the call at 0 left
    expect((await guard.decide(req("a.x", 1_000))).effect).toBe("deny");
    expect((await guard.decide(req("a.x", 1_001))).effect).toBe("allow"); // the call at 1 left
  });

  it("uses the clock when a request has no `at`, and time never runs backwards", async () => {
    let now = 10_000;
    const { guard } = setup({ clock: () => now });
    for (let i = 0; i < 3; i++) await guard.decide({ agent: "r", tool: "a.x", args: { i }, session: "s" });
    expect((await guard.decide(req("a.x", 5_000))).effect).toBe("deny"); // 5000 counts as 10000
    now = 11_000;
    expect((await guard.decide({ agent: "r", tool: "a.x", args: { i: 9 }, session: "s" })).effect).toBe("allow");
  });

  it("allows exactly R of N concurrent requests", async () => {
    const { guard } = setup();
    await guard.decide(req("a.x", 0));
    const decisions = await Promise.all(Array.from({ length: 25 }, () => guard.decide(req("a.x", 1))));
    expect(decisions.filter((d) => d.effect === "allow")).toHaveLength(2);
    expect(decisions.filter((d) => d.rules[0] === "x-rate")).toHaveLength(23);
  });

  it("brakes repeats: the third identical call in a row is denied", async () => {
    const { guard } = setup();
    const same = { args: { q: 1 } };
    expect((await guard.decide(req("a.send", 0, same))).effect).toBe("allow");
    expect((await guard.decide(req("a.send", 1, { args: { q: 1.0 } }))).effect).toBe("allow");
    const third = await guard.decide(req("a.send", 2, same));
    expect(third).toMatchObject({ effect: "deny", rules: ["rep"], limit: { kind: "repeats", window: null, max: 2 } });
    expect(third.reasons).toEqual(["limit `rep` reached: 2 identical calls in a row"]);
    expect((await guard.decide(req("a.send", 3))).effect).toBe("allow");
    expect((await guard.decide(req("a.send", 4, same))).effect).toBe("allow");
  });

  it("attaches labels only when a call is finally allowed, and evaluate sees them", async () => {
    const { guard, store } = setup();
    expect((await guard.decide(req("a.send", 0))).effect).toBe("allow");
    expect((await guard.decide(req("a.secret", 1))).effect).toBe("allow");
    expect(await guard.decide(req("a.send", 2))).toMatchObject({ effect: "deny", reasons: ["pii may not leave"] });
    expect((await guard.decide(req("a.send", 3, { session: "other" }))).effect).toBe("allow");
    await guard.decide(req("a.y", 4)); // pending review: no label
    const view = await store.sessionView("s");
    expect(sessionHas(view, "reviewed")).toBe(false);
    expect(sessionCount(view, ["a.send", "a.secret", "a.y"])).toBe(2);
  });

  it("denies when a `by` key errs, listing the error", async () => {
    const { guard } = setup();
    expect(await guard.decide(req("a.by", 0, { context: {} }))).toMatchObject({
      effect: "deny",
      rules: ["by-user"],
      limit: null,
      errors: [{ rule: "by-user", message: "ctx.user is missing" }],
    });
    for (let i = 0; i < 5; i++) expect((await guard.decide(req("a.by", i, { context: { user: { id: 1 } } }))).effect).toBe("allow");
    expect((await guard.decide(req("a.by", 9, { context: { user: { id: 1.0 } } }))).rules).toEqual(["by-user"]);
    expect((await guard.decide(req("a.by", 9, { context: { user: { id: 2 } } }))).effect).toBe("allow");
  });

  it("copies the deciding rules' annotations into the decision", async () => {
    const { guard } = setup();
    expect((await guard.decide(req("a.y", 0))).annotations).toEqual({ team: "payments" });
    expect((await guard.decide(req("a.x", 0))).annotations).toBeUndefined();
  });
});

describe("createGuard: review", () => {
  it("without a reviewer a review stays `review` and consumes nothing", async () => {
    const { guard } = setup();
    for (let i = 0; i < 5; i++) expect((await guard.decide(req("a.y", 0))).effect).toBe("review");
    for (let i = 0; i < 3; i++) expect((await guard.decide(req("a.x", 0))).effect).toBe("allow");
  });

  it("an approval allows, consumes the limits, attaches labels and is recorded", async () => {
    const asked: Decision[] = [];
    const { guard, store, audit } = setup({
      reviewer: async (_request, pending) => {
        asked.push(pending);
        return { approved: true, by: "alice", note: "ok" };
      },
    });
    const decision = await guard.decide(req("a.y", 0));
    expect(decision).toMatchObject({
      effect: "allow",
      rules: ["r/review/a.y"],
      reasons: ["a.y needs a human"],
      review: { approved: true, by: "alice", note: "ok" },
    });
    expect(asked[0].effect).toBe("review");
    expect(sessionHas(await store.sessionView("s"), "reviewed")).toBe(true);
    expect(audit.records[0].review).toEqual({ status: "approved", by: "alice", note: "ok" });
    // a.y cost $0.40 and one x-rate call: two more a.y fit the calls but only one more the budget
    expect((await guard.decide(req("a.y", 1))).effect).toBe("allow");
    expect(await guard.decide(req("a.y", 2))).toMatchObject({ effect: "deny", rules: ["budget"], reasons: ["limit `budget` reached: $1 per 1 day"] });
  });

  it("a rejection denies, naming the reviewer", async () => {
    const { guard, audit } = setup({ reviewer: async () => ({ approved: false, by: "bob", note: "too risky" }) });
    const decision = await guard.decide(req("a.y", 0));
    expect(decision).toMatchObject({
      effect: "deny",
      rules: ["r/review/a.y"],
      reasons: ["a.y needs a human", "rejected in review by bob: too risky"],
      review: { approved: false, by: "bob", note: "too risky" },
    });
    expect(audit.records[0].review).toEqual({ status: "rejected", by: "bob", note: "too risky" });
    for (let i = 0; i < 3; i++) expect((await guard.decide(req("a.x", 0))).effect).toBe("allow"); // nothing consumed
  });

  it("no answer within reviewTimeoutMs is a denial", async () => {
    const { guard, audit } = setup({ reviewer: () => new Promise(() => {}), reviewTimeoutMs: 20 });
    const decision = await guard.decide(req("a.y", 0));
    expect(decision.effect).toBe("deny");
    expect(decision.reasons).toEqual(["a.y needs a human", "no review answer within 20 ms"]);
    expect(decision.review).toBeUndefined();
    expect(audit.records[0].review).toEqual({ status: "timeout", afterMs: 20 });
  });

  it("an approval is a denial when the limits ran out meanwhile", async () => {
    let guard: ReturnType<typeof createGuard> | null = null;
    const reviewer: Reviewer = async () => {
      for (let i = 0; i < 3; i++) await guard?.decide(req("a.x", 1));
      return { approved: true, by: "alice" };
    };
    const env = setup({ reviewer });
    guard = env.guard;
    const decision = await guard.decide(req("a.y", 0));
    expect(decision).toMatchObject({
      effect: "deny",
      rules: ["x-rate"],
      limit: { id: "x-rate", kind: "calls" },
      review: { approved: true, by: "alice" },
    });
    expect(sessionHas(await env.store.sessionView("s"), "reviewed")).toBe(false);
  });

  it("does not ask the reviewer when the limits are already exhausted", async () => {
    let asked = 0;
    const { guard } = setup({
      reviewer: async () => {
        asked++;
        return { approved: true, by: "alice" };
      },
    });
    for (let i = 0; i < 3; i++) await guard.decide(req("a.x", 0));
    expect((await guard.decide(req("a.y", 0))).rules).toEqual(["x-rate"]);
    expect(asked).toBe(0);
  });

  it("a reviewer that throws or answers nonsense denies with the error", async () => {
    const thrower = setup({ reviewer: async () => Promise.reject(new Error("pager down")) });
    expect(await thrower.guard.decide(req("a.y", 0))).toMatchObject({
      effect: "deny",
      errors: [{ rule: "review", message: "pager down" }],
    });
    const nonsense = setup({ reviewer: (async () => "yes") as unknown as Reviewer });
    expect((await nonsense.guard.decide(req("a.y", 0))).effect).toBe("deny");
  });
});

describe("createGuard: a review settled by the host's approval", () => {
  it("an approval given to decide allows, consumes the limits and is audited, without asking the reviewer", async () => {
    let asked = 0;
    const { guard, store, audit } = setup({
      reviewer: async () => {
        asked++;
        return { approved: false, by: "nobody" };
      },
    });
    const approval = { approved: true, by: "carol (framework approval)" };
    const decision = await guard.decide(req("a.y", 0), { approval });
    expect(decision).toMatchObject({ effect: "allow", rules: ["r/review/a.y"], review: { approved: true, by: "carol (framework approval)" } });
    expect(asked).toBe(0);
    expect(sessionHas(await store.sessionView("s"), "reviewed")).toBe(true);
    expect(audit.records[0].review).toEqual({ status: "approved", by: "carol (framework approval)" });
    // $0.40 each against a $1 budget: the third a.y is over it before any approval counts
    expect((await guard.decide(req("a.y", 1), { approval })).effect).toBe("allow");
    const third = await guard.decide(req("a.y", 2), { approval });
    expect(third).toMatchObject({ effect: "deny", rules: ["budget"] });
    expect(third.review).toBeUndefined();
  });

  it("a rejection denies; an allow or a deny by the rules is left as it is", async () => {
    const { guard } = setup();
    expect(await guard.decide(req("a.y", 0), { approval: { approved: false, by: "dan", note: "no" } })).toMatchObject({
      effect: "deny",
      reasons: ["a.y needs a human", "rejected in review by dan: no"],
    });
    expect((await guard.decide(req("a.x", 0), { approval: { approved: false, by: "dan" } })).effect).toBe("allow");
    expect((await guard.decide(req("a.nope", 0), { approval: { approved: true, by: "dan" } })).effect).toBe("deny");
  });

  it("a malformed approval, or options that throw, deny", async () => {
    const { guard } = setup();
    const malformed = await guard.decide(req("a.y", 0), { approval: { approved: "yes", by: 1 } as never });
    expect(malformed).toMatchObject({ effect: "deny", reasons: ["a.y needs a human", "the review failed"] });
    expect(malformed.errors).toEqual([{ rule: "review", message: expect.stringContaining("not { approved: boolean, by: string }") }]);
    const throwing = Object.defineProperty({}, "approval", {
      get: () => {
        throw new Error("no options");
      },
    });
    expect(await guard.decide(req("a.y", 0), throwing)).toMatchObject({ effect: "deny", rules: ["internal_error"] });
  });

  it("comes through wrap as the identity's approval; shadow mode ignores it", async () => {
    const { guard } = setup();
    const ran: unknown[] = [];
    const y = guard.wrap("a.y", async (args: unknown) => ran.push(args), { agent: "r", session: "s", approval: { approved: true, by: "erin" } });
    await y({ n: 1 });
    expect(ran).toEqual([{ n: 1 }]);
    const shadow = setup({ mode: "shadow" });
    expect(await shadow.guard.decide(req("a.y", 0), { approval: { approved: true, by: "erin" } })).toMatchObject({ effect: "review", shadow: true });
  });
});

describe("decideHoldingReview (a framework that pauses the run for the review)", () => {
  const who = () => ({ agent: "r", session: "s" });

  it("holds a pending review's record until audit(), which writes it once", async () => {
    const { guard, audit, store } = setup();
    const held = await decideHoldingReview(guard, "a.y", { n: 1 }, who);
    expect(held?.decision).toMatchObject({ effect: "review", rules: ["r/review/a.y"] });
    expect(audit.records).toHaveLength(0);
    const [first, again] = await Promise.all([held!.audit(), held!.audit()]);
    expect(first).toBe(again);
    expect(first.effect).toBe("review");
    expect(audit.records.map((r) => r.decision.effect)).toEqual(["review"]);
    // a pending review consumes nothing
    expect(sessionHas(await store.sessionView("s"), "reviewed")).toBe(false);
  });

  it("audits any other decision before it resolves (an allow has consumed its limits)", async () => {
    const { guard, audit, store } = setup();
    const allowed = await decideHoldingReview(guard, "a.x", { n: 2 }, who);
    expect(allowed?.decision.effect).toBe("allow");
    expect(audit.records.map((r) => r.decision.effect)).toEqual(["allow"]);
    expect(await allowed!.audit()).toBe(allowed!.decision);
    expect(audit.records).toHaveLength(1);
    expect(((await store.sessionView("s")).counts as ReadonlyMap<string, number>).get("a.x")).toBe(1);
    const shadow = setup({ mode: "shadow" });
    const inShadow = await decideHoldingReview(shadow.guard, "a.y", { n: 3 }, who);
    expect(inShadow?.decision).toMatchObject({ effect: "review", shadow: true });
    expect(shadow.audit.records).toHaveLength(1);
  });

  it("a held record that cannot be written is a denial; a guard createGuard did not make gets null", async () => {
    const failing: AuditSink = { write: async () => Promise.reject(new Error("disk full")) };
    const guard = createGuard(program, { audit: failing });
    const held = await decideHoldingReview(guard, "a.y", { n: 4 }, who);
    expect(held?.decision.effect).toBe("review");
    expect(await held!.audit()).toMatchObject({ effect: "deny", rules: ["internal_error"] });
    expect(decideHoldingReview({ ...guard }, "a.y", {}, who)).toBeNull();
  });
});

describe("createGuard: shadow mode", () => {
  it("decides and audits but lets every call run; limits are consumed only by real allows", async () => {
    let now = 0;
    const { guard, audit } = setup({ mode: "shadow", reviewer: approve, clock: () => now });
    const ran: number[] = [];
    const tool = guard.wrap("a.x", (args: { i: number }) => {
      ran.push(args.i);
      return args.i * 2;
    }, { agent: "r", session: "s" });
    for (let i = 0; i < 3; i++) expect(await tool({ i })).toBe(i * 2);
    now = 500;
    for (let i = 3; i < 5; i++) expect(await tool({ i })).toBe(i * 2);
    expect(ran).toEqual([0, 1, 2, 3, 4]);
    expect(audit.records.map((r) => [r.decision.effect, r.decision.shadow])).toEqual([
      ["allow", true],
      ["allow", true],
      ["allow", true],
      ["deny", true],
      ["deny", true],
    ]);
    // the shadow denials at t=500 consumed nothing: at t=1000 the window is empty again
    now = 1_000;
    for (let i = 5; i < 8; i++) await tool({ i });
    expect(audit.records.slice(5).map((r) => r.decision.effect)).toEqual(["allow", "allow", "allow"]);
    // the reviewer is not asked in shadow mode
    expect(await guard.decide(req("a.y", 5_000))).toMatchObject({ effect: "review", shadow: true });
    const denied = guard.wrap("a.nope", () => "ran", { agent: "r" });
    expect(await denied()).toBe("ran");
  });
});

describe("createGuard: fail closed", () => {
  const broken = (patch: Partial<PolicyProgram>): PolicyProgram => ({ ...program, ...patch });

  it.each<[string, Partial<PolicyProgram>, string]>([
    ["evaluate throws", { evaluate: () => { throw new Error("boom in evaluate"); } }, "boom in evaluate"],
    ["evaluate returns junk", { evaluate: () => ({}) as Verdict }, "malformed verdict"],
    ["limitsFor throws", { limitsFor: () => { throw new TypeError("boom in limits"); } }, "boom in limits"],
    ["labelsFor throws", { labelsFor: () => { throw new Error("boom in labels"); } }, "boom in labels"],
    ["limitsFor gives a bad check", { limitsFor: () => [{ id: "z", kind: "calls", key: "k", window: -5, max: 1, amount: 1 }] }, "invalid window"],
    ["redact throws", { redact: () => { throw new Error("boom in redact"); } }, "boom in redact"],
  ])("%s → deny with the error", async (_name, patch, message) => {
    const { guard, audit } = setup({}, broken(patch));
    const decision = await guard.decide(req("a.x", 0));
    expect(decision.effect).toBe("deny");
    expect(decision.rules).toEqual(["internal_error"]);
    expect(decision.errors.some((e) => e.rule === "internal_error" && e.message.includes(message))).toBe(true);
    expect(audit.records).toHaveLength(1);
  });

  it("a store that throws denies", async () => {
    const store = new MemoryStore();
    store.admit = async () => {
      throw new Error("redis is down");
    };
    const { guard } = setup({ store });
    expect(await guard.decide(req("a.x", 0))).toMatchObject({ effect: "deny", rules: ["internal_error"] });
  });

  it("an audit sink that fails denies", async () => {
    const failing: AuditSink = { write: async () => Promise.reject(new Error("disk full")) };
    const guard = createGuard(program, { audit: [new MemoryAuditSink(), failing] });
    const decision = await guard.decide(req("a.x", 0));
    expect(decision).toMatchObject({ effect: "deny", rules: ["internal_error"] });
    expect(decision.errors[0].message).toMatch(/disk full/);
  });

  it("a malformed request is `invalid_request`", async () => {
    const { guard, audit } = setup();
    for (const bad of [null, 42, { tool: "a.x" }, { agent: "r", tool: 1 }, { agent: "r", tool: "a.x", at: "now" }]) {
      expect((await guard.decide(bad as unknown as ToolRequest)).rules).toEqual(["invalid_request"]);
    }
    expect(audit.records).toHaveLength(5);
  });

  it("a program whose metadata throws still yields decisions", async () => {
    const p = Object.create(program, { policy: { get: () => { throw new Error("no meta"); } } }) as PolicyProgram;
    const guard = createGuard(p);
    expect(await guard.decide(req("a.x", 0))).toMatchObject({ effect: "allow", policy: "", policyHash: "" });
  });
});

describe("createGuard: audit", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "agentpolicy-guard-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes a verifiable chain to a file, with redacted arguments, and detects tampering at the right line", async () => {
    const path = join(dir, "audit.jsonl");
    const sink = new FileAuditSink(path);
    const guard = createGuard(program, { audit: sink, reviewer: approve });
    const secret = { user: "u", password: "hunter2" };
    let seenByTool: unknown;
    const tool = guard.wrap("a.secret", (args: typeof secret) => {
      seenByTool = args;
    }, { agent: "r", session: "s", context: { tenant: "t1" }, callId: "call-1" });
    await tool(secret);
    await guard.decide(req("a.x", 1));
    await guard.decide(req("a.y", 2));
    await guard.decide(req("a.nope", 3));
    // decide resolved: every record is in the file
    const text = await readFile(path, "utf8");
    await sink.close();
    expect(verifyAuditLog(text)).toEqual({ ok: true, records: 4 });
    expect(seenByTool).toEqual(secret);
    expect(text).not.toContain("hunter2");
    const records = text.trimEnd().split("\n").map((l) => JSON.parse(l) as AuditRecord);
    expect(records[0].request).toEqual({
      agent: "r",
      tool: "a.secret",
      args: { user: "u", password: "[redacted]" },
      context: { tenant: "t1" },
      session: "s",
      callId: "call-1",
    });
    expect(records[0].decision.effect).toBe("allow");
    expect(records[2].review).toEqual({ status: "approved", by: "alice" });
    expect(records[2].decision.review).toEqual({ approved: true, by: "alice" });

    const lines = text.trimEnd().split("\n");
    lines[2] = lines[2].replace('"approved":true', '"approved":false');
    await writeFile(path, `${lines.join("\n")}\n`);
    expect(verifyAuditLog(await readFile(path, "utf8"))).toMatchObject({ ok: false, line: 3 });
  });

  it("emits one execute_tool span per decision when given a tracer", async () => {
    const spans: { name: string; attributes: Record<string, SpanAttributeValue>; status?: number; ended: boolean }[] = [];
    const tracer: TracerLike = {
      startSpan(name, options) {
        const span = { name, attributes: { ...(options?.attributes ?? {}) }, status: undefined as number | undefined, ended: false };
        spans.push(span);
        return {
          setAttribute: (key, value) => (span.attributes[key] = value),
          setStatus: (s) => (span.status = s.code),
          end: () => (span.ended = true),
        };
      },
    };
    const guard = createGuard(program, { tracer, agent: "r" });
    await guard.decide(req("a.x", 0, { callId: "c1" }));
    await expect(guard.wrap("a.nope", () => 1)()).rejects.toThrow(PolicyDenied);
    expect(spans[0]).toMatchObject({
      name: "execute_tool a.x",
      ended: true,
      attributes: {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "a.x",
        "gen_ai.tool.call.id": "c1",
        "gen_ai.agent.id": "r",
        "agentpolicy.decision.effect": "allow",
        "agentpolicy.policy.name": "tiny",
      },
    });
    expect(spans[1]).toMatchObject({ name: "execute_tool a.nope", ended: true, status: 2 });
  });
});

describe("createGuard: wrap and wrapTools", () => {
  it("runs the tool on allow and throws PolicyDenied otherwise", async () => {
    const guard = createGuard(program, { agent: "r", session: "s" });
    const tools = guard.wrapTools({
      "a.x": async (args: { q: string }, extra?: string) => `x:${args.q}:${extra ?? ""}`,
      "a.y": (_args: { q: string }) => "y",
      "a.send": (_args: { to: string }) => {
        throw new RangeError("tool failed");
      },
    });
    expect(await tools["a.x"]({ q: "1" }, "e")).toBe("x:1:e");
    const pending = await tools["a.y"]({ q: "1" }).catch((e: unknown) => e);
    expect(pending).toBeInstanceOf(PolicyDenied);
    expect((pending as PolicyDenied).pending).toBe(true);
    expect((pending as PolicyDenied).decision.effect).toBe("review");
    expect((pending as PolicyDenied).message).toContain("a.y needs a human");
    await expect(tools["a.send"]({ to: "x" })).rejects.toThrow(RangeError);
  });

  it("takes the identity per call, falling back to the guard options", async () => {
    const guard = createGuard(program, { agent: "nobody", session: "s" });
    const seen: ToolRequest[] = [];
    const spy = createGuard({ ...program, evaluate: (r, s) => (seen.push(r), verdictFor(r, s)) }, { agent: "r" });
    const perCall = spy.wrap("a.x", (args: { who: string }) => args.who, (args) => ({ agent: (args as { who: string }).who, callId: "c" }));
    expect(await perCall({ who: "r" })).toBe("r");
    await expect(perCall({ who: "mallory" })).rejects.toThrow(PolicyDenied);
    expect(seen.map((r) => [r.agent, r.callId, r.session])).toEqual([
      ["r", "c", undefined],
      ["mallory", "c", undefined],
    ]);
    await expect(guard.wrap("a.x", () => 1)()).rejects.toThrow(PolicyDenied);
    const noAgent = createGuard(program);
    const denied = await noAgent.wrap("a.x", () => 1)().then(() => null, (e: PolicyDenied) => e.decision);
    expect(denied?.rules).toEqual(["invalid_request"]);
    const resolverThrows = spy.wrap("a.x", () => 1, () => {
      throw new Error("no session cookie");
    });
    const failed = await resolverThrows().then(() => null, (e: PolicyDenied) => e.decision);
    expect(failed).toMatchObject({ effect: "deny", rules: ["internal_error"] });
    expect(failed?.errors[0].message).toBe("no session cookie");
  });
});

describe("createGuard: usage", () => {
  it("charges tokens and cost limits", async () => {
    const { guard } = setup();
    expect(await guard.recordUsage({ agent: "r", inputTokens: 60, outputTokens: 39, at: 0 })).toEqual({ ok: true, charges: 1 });
    expect((await guard.decide(req("a.x", 1))).effect).toBe("allow"); // 99 < 100
    await guard.recordUsage({ agent: "r", inputTokens: 1, outputTokens: 0, at: 2 });
    expect(await guard.decide(req("a.x", 3))).toMatchObject({
      effect: "deny",
      rules: ["tok"],
      reasons: ["limit `tok` reached: 100 tokens per 1 second"],
      limit: { id: "tok", kind: "tokens", window: 1_000, max: 100 },
    });
    expect((await guard.decide(req("a.x", 1_000))).effect).toBe("allow"); // the 99 at t=0 left the window

    const env = setup({ reviewer: approve });
    await env.guard.recordUsage({ agent: "r", inputTokens: 0, outputTokens: 0, costUsd: 0.7, at: 0 });
    expect(await env.guard.decide(req("a.y", 1))).toMatchObject({ effect: "deny", rules: ["budget"] }); // 0.7 + 0.4 > 1
    expect((await env.guard.decide(req("a.x", 2))).effect).toBe("allow"); // free: 0.7 + 0 ≤ 1
    await env.guard.recordUsage({ agent: "r", inputTokens: 0, outputTokens: 0, costUsd: 0.300001, at: 3 });
    expect((await env.guard.decide(req("a.x", 4))).rules).toEqual(["budget"]); // past $1: even free calls stop
  });

  it("reports malformed usage instead of throwing", async () => {
    const { guard } = setup();
    expect((await guard.recordUsage({ agent: "r", inputTokens: -1, outputTokens: 0 })).ok).toBe(false);
    expect((await guard.recordUsage(null as never)).ok).toBe(false);
    const throwing = createGuard({ ...program, chargesFor: () => { throw new Error("no price"); } });
    expect(await throwing.recordUsage({ agent: "r", inputTokens: 1, outputTokens: 1 })).toEqual({ ok: false, error: "no price" });
  });
});

describe("createGuard: the synchronous path over a MemoryStore", () => {
  /** A store that answers through promises only (the path every other store takes). */
  const asyncOnly = (inner: MemoryStore): LimitStore => ({
    sessionView: (s) => inner.sessionView(s),
    admit: (a) => inner.admit(a),
    check: (a) => inner.check(a),
    charge: (c, t) => inner.charge(c, t),
  });
  const requestArb = fc.record({
    tool: fc.constantFrom("a.x", "a.y", "a.secret", "a.send", "a.by", "a.nope"),
    dt: fc.constantFrom(0, 0, 1, 300, 1_000),
    args: fc.constantFrom({ q: 1 }, { q: 2 }, { password: "p" }, undefined),
    context: fc.constantFrom(undefined, {}, { user: { id: 1 } }, { user: { id: 2 } }),
    session: fc.constantFrom("s", "t", undefined),
    agent: fc.constantFrom("r", "r", "other"),
  });

  it("decides and audits exactly as through the async store interface", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(requestArb, { minLength: 1, maxLength: 30 }), async (requests) => {
        const direct = setup({ store: new MemoryStore() });
        const viaPromises = setup({ store: asyncOnly(new MemoryStore()) });
        let at = 0;
        for (const r of requests) {
          at += r.dt;
          const request: ToolRequest = {
            agent: r.agent,
            tool: r.tool,
            at,
            ...(r.args === undefined ? {} : { args: r.args }),
            ...(r.context === undefined ? {} : { context: r.context }),
            ...(r.session === undefined ? {} : { session: r.session }),
          };
          expect(await direct.guard.decide(request)).toEqual(await viaPromises.guard.decide(request));
        }
        expect(direct.audit.text()).toBe(viaPromises.audit.text());
      }),
      { numRuns: 100 },
    );
  });

  it("keeps the decision fields in the order of a decision line", async () => {
    const { guard } = setup();
    const order = ["effect", "rules", "reasons", "limit", "errors", "policy", "policyHash"];
    expect(Object.keys(await guard.decide(req("a.x", 0)))).toEqual(order);
    expect(Object.keys(await guard.decide(req("a.nope", 0)))).toEqual(order);
    for (let i = 0; i < 3; i++) await guard.decide(req("a.x", 1));
    expect(Object.keys(await guard.decide(req("a.x", 2)))).toEqual(order); // limit-denied
    expect(Object.keys(await guard.decide(req("a.y", 2_000)))).toEqual([...order, "annotations"]);
  });

  it("notices a store method replaced after the guard was made", async () => {
    const store = new MemoryStore();
    const { guard } = setup({ store });
    expect((await guard.decide(req("a.x", 0))).effect).toBe("allow");
    store.admit = async () => {
      throw new Error("replaced");
    };
    const denied = await guard.decide(req("a.x", 1));
    expect(denied).toMatchObject({ effect: "deny", rules: ["internal_error"] });
    expect(denied.errors[0].message).toBe("replaced");
  });
});

describe("createGuard: shared decisions and synchronous sinks", () => {
  /** `program`, but each distinct verdict is frozen and returned again for the same outcome (as generated guards do). */
  const frozenVerdicts = (): PolicyProgram => {
    const cache = new Map<string, Verdict>();
    return {
      ...program,
      evaluate(request, session) {
        const v = verdictFor(request, session);
        const key = JSON.stringify(v);
        let shared = cache.get(key);
        if (shared === undefined) {
          shared = Object.freeze({
            ...v,
            rules: Object.freeze([...v.rules]),
            reasons: Object.freeze([...v.reasons]),
            errors: Object.freeze([]),
            ...(v.annotations === undefined ? {} : { annotations: Object.freeze({ ...v.annotations }) }),
          });
          cache.set(key, shared);
        }
        return shared;
      },
    };
  };

  it("gives one frozen decision per frozen verdict, equal to the one built afresh", async () => {
    const shared = setup({}, frozenVerdicts());
    const fresh = setup();
    const first = await shared.guard.decide(req("a.nope", 0));
    const second = await shared.guard.decide(req("a.nope", 1));
    expect(second).toBe(first);
    expect(Object.isFrozen(first) && Object.isFrozen(first.rules) && Object.isFrozen(first.errors)).toBe(true);
    expect(first).toEqual(await fresh.guard.decide(req("a.nope", 0)));
    expect(second).toEqual(await fresh.guard.decide(req("a.nope", 1)));
    const review = await shared.guard.decide(req("a.y", 2));
    expect(review).toEqual(await fresh.guard.decide(req("a.y", 2)));
    expect(Object.isFrozen(review.annotations)).toBe(true);
    expect(shared.audit.records.map((r) => r.decision)).toEqual(fresh.audit.records.map((r) => r.decision));
    expect(verifyAuditLog(shared.audit.text())).toEqual({ ok: true, records: 3 });
  });

  it("calls `writeSync` instead of `write` when every sink has it, and writes the same chain", async () => {
    const records: unknown[] = [];
    const viaSync = new MemoryAuditSink();
    const calls = { write: 0, writeSync: 0 };
    const spy: AuditSink = {
      write: async () => {
        calls.write++;
      },
      writeSync: (entry) => {
        calls.writeSync++;
        records.push(entry);
      },
    };
    const viaPromise = new MemoryAuditSink();
    const asyncOnly: AuditSink = { write: (entry) => viaPromise.write(entry) };
    const sync = createGuard(frozenVerdicts(), { audit: [viaSync, spy] });
    const async = createGuard(frozenVerdicts(), { audit: asyncOnly });
    for (const tool of ["a.x", "a.y", "a.nope", "a.secret", "a.x"]) {
      const r = req(tool, 5);
      expect(await sync.decide(r)).toEqual(await async.decide(r));
    }
    expect(calls).toEqual({ write: 0, writeSync: 5 });
    expect(viaSync.text()).toBe(viaPromise.text());
    expect(verifyAuditLog(viaSync.text())).toEqual({ ok: true, records: 5 });
  });

  it("denies when a `writeSync` throws, and still writes the other sinks", async () => {
    const kept = new MemoryAuditSink();
    const failing: AuditSink = {
      write: async () => undefined,
      writeSync: () => {
        throw new Error("disk full");
      },
    };
    const guard = createGuard(frozenVerdicts(), { audit: [failing, kept] });
    const decision = await guard.decide(req("a.x", 0));
    expect(decision).toMatchObject({ effect: "deny", rules: ["internal_error"] });
    expect(decision.errors[0].message).toMatch(/audit failed: disk full/);
    expect(kept.records).toHaveLength(1);
    const shadow = createGuard(frozenVerdicts(), { audit: failing, mode: "shadow" });
    expect(await shadow.decide(req("a.x", 0))).toMatchObject({ effect: "deny", rules: ["internal_error"], shadow: true });
  });

  it("marks shadow decisions without touching the shared ones", async () => {
    const p = frozenVerdicts();
    const enforce = createGuard(p);
    const shadow = createGuard(p, { mode: "shadow" });
    const marked = await shadow.decide(req("a.nope", 0));
    expect(marked).toMatchObject({ effect: "deny", rules: ["unknown_tool"], shadow: true });
    const plain = await enforce.decide(req("a.nope", 0));
    expect(plain.shadow).toBeUndefined();
    expect(Object.keys(marked)).toEqual([...Object.keys(plain), "shadow"]);
  });
});
