import fc from "fast-check";
import { Redis as IoRedis } from "ioredis";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisAvailable, startRedis } from "../../../test/redis/redis-server.js";
import type { RedisServer } from "../../../test/redis/redis-server.js";
import { startSilentProxy } from "../../../test/redis/silent-proxy.js";
import { createGuard, INTERNAL_ERROR_RULE } from "../guard.js";
import { MemoryStore } from "../memory-store.js";
import type { LimitAttempt, LimitStore } from "../store.js";
import type { LimitCheck, PolicyProgram, SessionView, UsageCharge } from "../types.js";
import { RedisStore, RedisStoreError } from "./redis-store.js";

type NodeRedis = ReturnType<typeof createClient>;

const hasRedis = redisAvailable();
let server: RedisServer;
let client: NodeRedis;
let prefixes = 0;
const nextPrefix = () => `t${process.pid}-${prefixes++}:`;

beforeAll(async () => {
  if (!hasRedis) return;
  server = await startRedis();
  client = createClient({ url: server.url });
  client.on("error", () => undefined);
  await client.connect();
});

afterAll(async () => {
  if (!hasRedis) return;
  await client?.close();
  await server?.stop();
});

const calls = (id: string, key: string, window: number | "session", max: number): LimitCheck => ({
  id,
  kind: "calls",
  key,
  window,
  max,
  amount: 1,
});

const attempt = (checks: LimitCheck[], now: number, extra: Partial<LimitAttempt> = {}): LimitAttempt => ({
  checks,
  session: "s",
  tool: "a.x",
  labels: [],
  now,
  ...extra,
});

function normalView(view: SessionView): { labels: string[]; counts: [string, number][] } {
  const labels = [...(view.labels as Iterable<string>)].sort();
  const counts = [...(view.counts as ReadonlyMap<string, number>).entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  return { labels, counts };
}

describe.skipIf(!hasRedis)("RedisStore", () => {
  it("admits exactly max calls in a sliding window; an entry at exactly now − window is outside", async () => {
    const store = new RedisStore({ client, prefix: nextPrefix() });
    const rate = calls("rate", "agent:r", 1_000, 2);
    expect(await store.admit(attempt([rate], 10_000))).toEqual({ ok: true });
    expect(await store.admit(attempt([rate], 10_500))).toEqual({ ok: true });
    expect(await store.admit(attempt([rate], 10_999))).toEqual({ ok: false, failed: rate });
    expect(await store.admit(attempt([rate], 11_000))).toEqual({ ok: true });
    expect(await store.check(attempt([rate], 11_000))).toEqual({ ok: false, failed: rate });
    const view = normalView(await store.sessionView("s"));
    expect(view.counts).toEqual([["a.x", 3]]);
  });

  it("consumes all limits or none, and reports the first failing one in order", async () => {
    const store = new RedisStore({ client, prefix: nextPrefix() });
    const wide = calls("wide", "k", 60_000, 5);
    const narrow = calls("narrow", "k", 60_000, 1);
    expect(await store.admit(attempt([wide, narrow], 1_000, { labels: ["pii"] }))).toEqual({ ok: true });
    expect(await store.admit(attempt([wide, narrow], 1_001, { labels: ["other"] }))).toEqual({ ok: false, failed: narrow });
    // the failed attempt consumed nothing: `wide` still has 4 left
    for (let i = 0; i < 4; i++) expect((await store.admit(attempt([wide], 1_002 + i))).ok).toBe(true);
    expect((await store.admit(attempt([wide], 1_010))).ok).toBe(false);
    expect(normalView(await store.sessionView("s"))).toEqual({ labels: ["pii"], counts: [["a.x", 5]] });
  });

  it("keeps one clock per prefix that never runs backwards, shared by every store on it", async () => {
    const prefix = nextPrefix();
    const one = new RedisStore({ client, prefix });
    const two = new RedisStore({ client, prefix });
    const rate = calls("rate", "k", 1_000, 1);
    expect((await one.admit(attempt([rate], 50_000))).ok).toBe(true);
    // another process with a clock behind: counts as 50 000, so the window still holds the call
    expect(await two.admit(attempt([rate], 10_000))).toEqual({ ok: false, failed: rate });
    expect((await two.admit(attempt([rate], 51_000))).ok).toBe(true);
  });

  it("sets time-to-live on every key it writes", async () => {
    const prefix = nextPrefix();
    const store = new RedisStore({ client, prefix, ttlMarginMs: 5_000, sessionTtlMs: 3_600_000 });
    const checks: LimitCheck[] = [
      calls("rate", "k", 10_000, 5),
      calls("per-session", "k|session:s", "session", 5),
      { id: "cost", kind: "cost", key: "k", window: 60_000, max: 100, amount: 7 },
      { id: "rep", kind: "repeats", key: "k|session:s", window: null, max: 3, amount: 0, fingerprint: '["a.x"]' },
    ];
    expect((await store.admit(attempt(checks, Date.now(), { labels: ["pii"] }))).ok).toBe(true);
    await store.charge([{ id: "tok", kind: "tokens", key: "k", window: 1_000, amount: 30 }], Date.now());
    const keys = (await client.keys(`${prefix}*`)).filter((key) => key !== `${prefix}clock`);
    expect(keys.length).toBe(10);
    for (const key of keys) {
      const ttl = await client.pTTL(key);
      expect(ttl, key).toBeGreaterThan(0);
      const limit = key.includes('"rate"') ? 15_000 : key.includes('"cost"') ? 65_000 : key.includes('"tok"') ? 6_000 : 3_600_000;
      expect(ttl, key).toBeLessThanOrEqual(limit);
    }
  });

  it("falls back to EVAL when the server has no cached script (NOSCRIPT)", async () => {
    const store = new RedisStore({ client, prefix: nextPrefix() });
    await client.scriptFlush();
    expect((await store.admit(attempt([calls("rate", "k", 1_000, 1)], 1))).ok).toBe(true);
    await client.scriptFlush();
    await store.charge([{ id: "tok", kind: "tokens", key: "k", window: 1_000, amount: 1 }], 2);
    await client.scriptFlush();
    expect(normalView(await store.sessionView("s")).counts).toEqual([["a.x", 1]]);
  });

  it("rejects malformed checks and charges like MemoryStore, advancing the clock first", async () => {
    const store = new RedisStore({ client, prefix: nextPrefix() });
    const bad = { ...calls("rate", "k", 1_000, 1), amount: -1 };
    await expect(store.admit(attempt([bad], 90_000))).rejects.toThrow(TypeError);
    await expect(store.charge([{ id: "t", kind: "calls", key: "k", window: 1, amount: 1 } as unknown as UsageCharge], 1)).rejects.toThrow(
      TypeError,
    );
    await expect(store.admit(attempt([], Number.NaN))).rejects.toThrow(TypeError);
    // the clock moved to 90 000: a call at 1 000 counts as 90 000
    const rate = calls("rate", "k", 1_000, 1);
    expect((await store.admit(attempt([rate], 1_000))).ok).toBe(true);
    expect((await store.admit(attempt([rate], 90_999))).ok).toBe(false);
  });

  it("throws TypeError on bad options", () => {
    expect(() => new RedisStore({})).toThrow(TypeError);
    expect(() => new RedisStore({ client, url: "redis://x" })).toThrow(TypeError);
    expect(() => new RedisStore({ client: {} as never })).toThrow(TypeError);
  });

  it("works with an ioredis client too", async () => {
    const io = new IoRedis(server.port, "127.0.0.1", { lazyConnect: true });
    await io.connect();
    try {
      const prefix = nextPrefix();
      const store = new RedisStore({ client: io, prefix });
      await io.script("FLUSH");
      const rate = calls("rate", "k", 1_000, 2);
      expect((await store.admit(attempt([rate], 1_000, { labels: ["L"] }))).ok).toBe(true);
      expect((await store.admit(attempt([rate], 1_001))).ok).toBe(true);
      expect(await store.check(attempt([rate], 1_002))).toEqual({ ok: false, failed: rate });
      await store.charge([{ id: "tok", kind: "tokens", key: "k", window: 1_000, amount: 5 }], 1_003);
      expect(normalView(await store.sessionView("s"))).toEqual({ labels: ["L"], counts: [["a.x", 2]] });
      // a node-redis store on the same prefix sees the same counters
      const other = new RedisStore({ client, prefix });
      expect(await other.check(attempt([rate], 1_004))).toEqual({ ok: false, failed: rate });
    } finally {
      io.disconnect();
    }
  });

  describe("matches MemoryStore on random sequences", () => {
    const KEYS = ["k1", "k2"];
    const SESSIONS = ["", "s1"];
    const FINGERPRINTS = ['["x.a",{"n":1}]', '["x.a",{"n":2}]'];

    /** One run's limits: each id keeps one kind, window and max, as in a compiled policy. */
    const policyArb = fc.record({
      calls: fc.integer({ min: 0, max: 3 }),
      perSession: fc.integer({ min: 1, max: 3 }),
      tokens: fc.integer({ min: 0, max: 60 }),
      cost: fc.integer({ min: 0, max: 100 }),
      sessionCost: fc.integer({ min: 0, max: 80 }),
      repeats: fc.integer({ min: 1, max: 3 }),
    });
    type Policy = typeof policyArb extends fc.Arbitrary<infer P> ? P : never;

    const LIMITS = ["calls", "perSession", "tokens", "cost", "sessionCost", "repeats"] as const;
    type Pick = { readonly limit: (typeof LIMITS)[number]; readonly key: string; readonly amount: number; readonly fingerprint: string };
    const pickArb: fc.Arbitrary<Pick> = fc.record({
      limit: fc.constantFrom(...LIMITS, "repeats", "repeats"),
      key: fc.constantFrom(...KEYS),
      amount: fc.constantFrom(0, 10, 30),
      fingerprint: fc.constantFrom(FINGERPRINTS[0], FINGERPRINTS[0], FINGERPRINTS[0], FINGERPRINTS[1]),
    });
    function checkOf(policy: Policy, pick: Pick): LimitCheck {
      const { key, amount, fingerprint } = pick;
      switch (pick.limit) {
        case "calls":
          return calls("a", key, 1_000, policy.calls);
        case "perSession":
          return calls("b", key, "session", policy.perSession);
        case "tokens":
          return { id: "t", kind: "tokens", key, window: 500, max: policy.tokens, amount: 0 };
        case "cost":
          return { id: "c", kind: "cost", key, window: 1_000, max: policy.cost, amount };
        case "sessionCost":
          return { id: "cs", kind: "cost", key, window: "session", max: policy.sessionCost, amount };
        case "repeats":
          return { id: "r", kind: "repeats", key, window: null, max: policy.repeats, amount: 0, fingerprint };
      }
    }
    const chargeArb: fc.Arbitrary<UsageCharge> = fc.record({
      target: fc.constantFrom("t", "c", "cs"),
      key: fc.constantFrom(...KEYS),
      amount: fc.constantFrom(0, 5, 20, 40),
    }).map(({ target, key, amount }): UsageCharge =>
      target === "t"
        ? { id: "t", kind: "tokens", key, window: 500, amount }
        : target === "c"
          ? { id: "c", kind: "cost", key, window: 1_000, amount }
          : { id: "cs", kind: "cost", key, window: "session", amount },
    );
    type Op =
      | { readonly op: "admit" | "check"; readonly dt: number; readonly picks: Pick[]; readonly session: string; readonly tool: string; readonly labels: string[] }
      | { readonly op: "charge"; readonly dt: number; readonly charges: UsageCharge[] };
    // steps on a 250 ms grid so entries land exactly on window edges; some steps go back in time
    const dtArb = fc.constantFrom(0, 0, 250, 250, 250, 500, 1_000, -250, -750);
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      {
        weight: 5,
        arbitrary: fc.record({
          op: fc.constantFrom("admit" as const, "admit" as const, "admit" as const, "check" as const),
          dt: dtArb,
          picks: fc.array(pickArb, { minLength: 1, maxLength: 3 }),
          session: fc.constantFrom(...SESSIONS),
          tool: fc.constantFrom("x.a", "x.b"),
          labels: fc.subarray(["L1", "L2"]),
        }),
      },
      { weight: 2, arbitrary: fc.record({ op: fc.constant("charge" as const), dt: dtArb, charges: fc.array(chargeArb, { maxLength: 2 }) }) },
    );

    async function apply(store: LimitStore, policy: Policy, op: Op, now: number): Promise<unknown> {
      if (op.op === "charge") return store.charge(op.charges, now);
      const checks = op.picks.map((pick) => checkOf(policy, pick));
      const a: LimitAttempt = { checks, session: op.session, tool: op.tool, labels: op.labels, now };
      const outcome = op.op === "admit" ? await store.admit(a) : await store.check(a);
      return outcome.ok ? "ok" : checks.indexOf(outcome.failed);
    }

    it("gives identical outcomes and session views", async () => {
      let denied = 0;
      let total = 0;
      await fc.assert(
        fc.asyncProperty(policyArb, fc.array(opArb, { minLength: 1, maxLength: 60 }), async (policy, ops) => {
          const memory = new MemoryStore();
          const redis = new RedisStore({ client, prefix: nextPrefix() });
          let now = 1_000_000;
          for (const [i, op] of ops.entries()) {
            now += op.dt;
            const expected = await apply(memory, policy, op, now);
            const actual = await apply(redis, policy, op, now);
            expect(actual, `op ${i}: ${JSON.stringify(op)}`).toEqual(expected);
            if (op.op !== "charge") total++;
            if (typeof expected === "number") denied++;
            for (const session of SESSIONS) {
              expect(normalView(await redis.sessionView(session))).toEqual(normalView(await memory.sessionView(session)));
            }
          }
        }),
        { numRuns: 60 },
      );
      // the sequences must exercise both outcomes, or the comparison proves little
      expect(denied).toBeGreaterThan(total / 10);
      expect(total - denied).toBeGreaterThan(total / 10);
    });
  });
});

/* A one-tool program for guard-level tests: agent "r" may call `a.x`, 100 calls per minute. */
const program: PolicyProgram = {
  policy: { name: "redis-test", version: null, hash: "sha256:0", source: "redis-test.agentpolicy" },
  evaluate: (request) =>
    request.tool === "a.x"
      ? { effect: "allow", rules: ["r/allow/a.x"], reasons: [], errors: [], tool: "a.x" }
      : { effect: "deny", rules: ["unknown_tool"], reasons: ["no manifest has this tool"], errors: [], tool: null },
  limitsFor: (request) => [calls("rate", `agent:${request.agent}`, 60_000, 100)],
  chargesFor: () => [],
  labelsFor: () => [],
  redact: (_tool, args) => args,
  toolsFor: () => ["a.x"],
};

describe.skipIf(!hasRedis)("RedisStore behind a guard when Redis dies", () => {
  it("denies with an error naming Redis, then recovers when Redis is back", async () => {
    const own = await startRedis();
    const store = new RedisStore({ url: own.url, commandTimeoutMs: 500 });
    try {
      const guard = createGuard(program, { store, agent: "r" });
      expect((await guard.decide({ agent: "r", tool: "a.x" })).effect).toBe("allow");

      await own.kill();
      const started = Date.now();
      const denied = await guard.decide({ agent: "r", tool: "a.x" });
      expect(denied.effect).toBe("deny");
      expect(denied.rules).toEqual([INTERNAL_ERROR_RULE]);
      expect(denied.reasons.join(" ")).toMatch(/Redis/);
      expect(denied.errors[0]?.message).toMatch(/^Redis limit store: /);
      expect(Date.now() - started).toBeLessThan(5_000);
      await expect(guard.wrap("a.x", async (_args: unknown) => "ran")({})).rejects.toThrow(/Redis/);
      await expect(store.check(attempt([], 1))).rejects.toBeInstanceOf(RedisStoreError);

      await own.restart();
      let effect = "deny";
      for (let i = 0; i < 60 && effect !== "allow"; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        effect = (await guard.decide({ agent: "r", tool: "a.x" })).effect;
      }
      expect(effect).toBe("allow");
    } finally {
      await store.close();
      await own.stop();
    }
  });

  it("drops a connection that stops answering and opens a new one; close() does not wait on it", async () => {
    const proxy = await startSilentProxy(server.port);
    const store = new RedisStore({ url: proxy.url, commandTimeoutMs: 300 });
    try {
      const guard = createGuard(program, { store, agent: "r" });
      expect((await guard.decide({ agent: "r", tool: "a.x" })).effect).toBe("allow");
      expect(proxy.silence()).toBe(1);

      const denied = await guard.decide({ agent: "r", tool: "a.x" });
      expect(denied.effect).toBe("deny");
      expect(denied.errors[0]?.message).toMatch(/no answer from Redis within 300 ms/);
      // the wedged socket is still open; the next call goes out on a new connection
      expect((await guard.decide({ agent: "r", tool: "a.x" })).effect).toBe("allow");
      expect(proxy.accepted).toBe(2);

      proxy.silence();
      const started = Date.now();
      await store.close();
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      await store.close();
      await proxy.close();
    }
  });

  it("denies when Redis was never reachable", async () => {
    const store = new RedisStore({ url: "redis://127.0.0.1:1", commandTimeoutMs: 300 });
    try {
      const decision = await createGuard(program, { store }).decide({ agent: "r", tool: "a.x" });
      expect(decision.effect).toBe("deny");
      expect(decision.errors[0]?.message).toMatch(/Redis/);
    } finally {
      await store.close();
    }
  });
});
