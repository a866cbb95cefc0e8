import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MemoryStore, synchronousMemoryStore } from "./memory-store.js";
import type { LimitAttempt, LimitOutcome, LimitStore } from "./store.js";
import type { LimitCheck, SessionView, UsageCharge } from "./types.js";

const calls = (max: number, window: number | "session" = 1_000, key = "agent:r"): LimitCheck => ({
  id: "calls",
  kind: "calls",
  key,
  window,
  max,
  amount: 1,
});
const cost = (max: number, amount: number, window: number | "session" = 1_000): LimitCheck => ({
  id: "cost",
  kind: "cost",
  key: "agent:r",
  window,
  max,
  amount,
});
const tokens = (max: number, window: number | "session" = 1_000): LimitCheck => ({
  id: "tokens",
  kind: "tokens",
  key: "agent:r",
  window,
  max,
  amount: 0,
});
const repeats = (max: number, fingerprint: string): LimitCheck => ({
  id: "repeats",
  kind: "repeats",
  key: "agent:r|session:s",
  window: null,
  max,
  amount: 0,
  fingerprint,
});
const attempt = (checks: LimitCheck[], now: number, tool = "a.x", labels: string[] = []): LimitAttempt => ({
  checks,
  session: "s",
  tool,
  labels,
  now,
});

describe("MemoryStore", () => {
  it("counts calls in the half-open window (now − W, now]", async () => {
    const store = new MemoryStore();
    expect((await store.admit(attempt([calls(2)], 1_000))).ok).toBe(true);
    expect((await store.admit(attempt([calls(2)], 1_500))).ok).toBe(true);
    expect(await store.admit(attempt([calls(2)], 1_999))).toEqual({ ok: false, failed: calls(2) });
    // the call at 1000 sits exactly at now − W = 1000: outside
    expect((await store.admit(attempt([calls(2)], 2_000))).ok).toBe(true);
    expect((await store.admit(attempt([calls(2)], 2_000))).ok).toBe(false);
    expect((await store.admit(attempt([calls(2)], 2_500))).ok).toBe(true);
  });

  it("keeps separate counters per key and per limit id", async () => {
    const store = new MemoryStore();
    expect((await store.admit(attempt([calls(1, 1_000, "agent:a")], 0))).ok).toBe(true);
    expect((await store.admit(attempt([calls(1, 1_000, "agent:b")], 0))).ok).toBe(true);
    expect((await store.admit(attempt([calls(1, 1_000, "agent:a")], 1))).ok).toBe(false);
    expect((await store.admit(attempt([{ ...calls(1, 1_000, "agent:a"), id: "other" }], 1))).ok).toBe(true);
  });

  it("never expires a per-session window while its session lives", async () => {
    const store = new MemoryStore({ sessionTtlMs: Infinity });
    expect((await store.admit(attempt([calls(2, "session", "agent:r|session:s")], 0))).ok).toBe(true);
    expect((await store.admit(attempt([calls(2, "session", "agent:r|session:s")], 1e12))).ok).toBe(true);
    expect((await store.admit(attempt([calls(2, "session", "agent:r|session:s")], 2e12))).ok).toBe(false);
    expect((await store.admit(attempt([calls(2, "session", "agent:r|session:t")], 2e12))).ok).toBe(true);
  });

  describe("session state expires sessionTtlMs after its last write", () => {
    const TTL = 1_000;
    const perSession = calls(1, "session", "agent:r|session:s");

    it("labels, counts, repeat runs and per-session counters read as absent once expired", async () => {
      const store = new MemoryStore({ sessionTtlMs: TTL });
      expect((await store.admit(attempt([perSession, repeats(1, "A")], 0, "a.x", ["pii"]))).ok).toBe(true);
      // written at 0: alive up to (not at) 0 + TTL; a check refreshes nothing
      expect((await store.check(attempt([perSession], 999))).ok).toBe(false);
      expect(await store.admit(attempt([repeats(1, "A")], 999))).toEqual({ ok: false, failed: repeats(1, "A") });
      expect([...(await store.sessionView("s")).labels]).toEqual(["pii"]);
      await store.check(attempt([], 1_000)); // the store's clock reaches 0 + TTL
      const view = await store.sessionView("s");
      expect([...view.labels]).toEqual([]);
      expect([...view.counts]).toEqual([]);
      expect((await store.admit(attempt([perSession, repeats(1, "A")], 1_000))).ok).toBe(true);
    });

    it("a write keeps the session alive", async () => {
      const store = new MemoryStore({ sessionTtlMs: TTL });
      for (let t = 0; t <= 5_000; t += 900) await store.admit(attempt([], t, "a.x", t === 0 ? ["pii"] : []));
      expect([...(await store.sessionView("s")).labels]).toEqual(["pii"]);
      expect((await store.sessionView("s")).counts.get("a.x")).toBe(6);
    });

    it("the default is 7 days, and sweeps drop what expired", async () => {
      const week = 7 * 86_400_000;
      const store = new MemoryStore();
      for (let i = 0; i < 200; i++) {
        await store.admit({ ...attempt([{ ...perSession, key: `k${i}` }, { ...repeats(3, "A"), key: `r${i}` }], i, "a.x", ["pii"]), session: `s${i}` });
      }
      expect(store.stats()).toMatchObject({ sessions: 200, repeatRuns: 200, counters: 200 });
      await store.check(attempt([], week + 198));
      expect([...store.peekSession("s198").labels]).toEqual([]);
      expect([...store.peekSession("s199").labels]).toEqual(["pii"]);
      for (let i = 0; i < 200; i++) await store.check(attempt([], week + 200 + i));
      expect(store.stats()).toMatchObject({ sessions: 0, repeatRuns: 0, counters: 0 });
    });
  });

  it("consumes all checks or none, and reports the first failing one in array order", async () => {
    const store = new MemoryStore();
    const a = { ...calls(1), id: "a" };
    const b = { ...calls(5), id: "b" };
    expect((await store.admit(attempt([b], 0))).ok).toBe(true);
    expect((await store.admit(attempt([a], 0))).ok).toBe(true);
    // `a` is full: `b` must not be consumed by this failing attempt
    expect(await store.admit(attempt([b, a], 1))).toEqual({ ok: false, failed: a });
    const c = { ...calls(0), id: "c" };
    expect(await store.admit(attempt([c, a], 1))).toEqual({ ok: false, failed: c });
    for (let i = 0; i < 4; i++) expect((await store.admit(attempt([b], 2))).ok).toBe(true);
    expect((await store.admit(attempt([b], 2))).ok).toBe(false);
  });

  it("check() never consumes or records", async () => {
    const store = new MemoryStore();
    for (let i = 0; i < 5; i++) expect((await store.check(attempt([calls(1)], 0, "a.x", ["pii"]))).ok).toBe(true);
    const view = await store.sessionView("s");
    expect([...view.labels]).toEqual([]);
    expect((await store.admit(attempt([calls(1)], 0))).ok).toBe(true);
    expect(await store.check(attempt([calls(1)], 0))).toEqual({ ok: false, failed: calls(1) });
  });

  it("records admitted calls: session counts per tool and labels", async () => {
    const store = new MemoryStore();
    await store.admit(attempt([], 0, "a.x", ["pii"]));
    await store.admit(attempt([], 0, "a.x", []));
    await store.admit(attempt([], 0, "a.y", ["ext"]));
    await store.admit(attempt([calls(0)], 0, "a.z", ["never"]));
    const view = await store.sessionView("s");
    expect(new Set(view.labels)).toEqual(new Set(["pii", "ext"]));
    expect(new Map(view.counts as Map<string, number>)).toEqual(new Map([["a.x", 2], ["a.y", 1]]));
    const other = await store.sessionView("t");
    expect([...other.labels]).toEqual([]);
  });

  it("returns snapshots from sessionView", async () => {
    const store = new MemoryStore();
    const before = await store.sessionView("s");
    await store.admit(attempt([], 0, "a.x", ["pii"]));
    expect([...before.labels]).toEqual([]);
  });

  it("cost: denied when spent + amount > max; a free call is denied only once spending passed max", async () => {
    const store = new MemoryStore();
    expect((await store.admit(attempt([cost(100, 60)], 0))).ok).toBe(true);
    expect((await store.admit(attempt([cost(100, 50)], 1))).ok).toBe(false);
    expect((await store.admit(attempt([cost(100, 40)], 2))).ok).toBe(true); // exactly 100
    expect((await store.admit(attempt([cost(100, 0)], 3))).ok).toBe(true); // 100 + 0 is not past 100
    await store.charge([{ id: "cost", kind: "cost", key: "agent:r", window: 1_000, amount: 1 }], 4);
    expect((await store.admit(attempt([cost(100, 0)], 5))).ok).toBe(false);
    expect((await store.admit(attempt([cost(100, 0)], 1_000))).ok).toBe(true); // the 60 at t=0 left the window
  });

  it("tokens: denied once charged tokens in the window reach max; a call consumes nothing", async () => {
    const store = new MemoryStore();
    const charge = (amount: number, now: number) =>
      store.charge([{ id: "tokens", kind: "tokens", key: "agent:r", window: 1_000, amount }], now);
    for (let i = 0; i < 10; i++) expect((await store.admit(attempt([tokens(100)], 0))).ok).toBe(true);
    await charge(99, 10);
    expect((await store.admit(attempt([tokens(100)], 15))).ok).toBe(true);
    await charge(1, 20);
    expect((await store.admit(attempt([tokens(100)], 30))).ok).toBe(false);
    expect((await store.admit(attempt([tokens(100)], 1_009))).ok).toBe(false);
    expect((await store.admit(attempt([tokens(100)], 1_010))).ok).toBe(true); // the 99 at t=10 left
  });

  it("repeats: the trailing run of identical admitted calls", async () => {
    const store = new MemoryStore();
    const admit = async (fp: string) => (await store.admit(attempt([repeats(2, fp)], 0))).ok;
    expect(await admit("A")).toBe(true);
    expect(await admit("A")).toBe(true);
    expect(await admit("A")).toBe(false);
    expect(await admit("A")).toBe(false); // denied calls do not extend the run...
    expect(await admit("B")).toBe(true); // ...and a different call restarts it
    expect(await admit("A")).toBe(true);
    expect(await admit("A")).toBe(true);
    expect(await admit("A")).toBe(false);
  });

  it("repeats: a call denied by another limit neither extends nor breaks the run", async () => {
    const store = new MemoryStore();
    const full = { ...calls(0), id: "full" };
    expect((await store.admit(attempt([repeats(1, "A")], 0))).ok).toBe(true);
    expect((await store.admit(attempt([repeats(1, "B"), full], 0))).ok).toBe(false);
    expect(await store.admit(attempt([repeats(1, "A")], 0))).toEqual({ ok: false, failed: repeats(1, "A") });
  });

  it("never lets time run backwards", async () => {
    const store = new MemoryStore();
    expect((await store.admit(attempt([calls(1)], 5_000))).ok).toBe(true);
    // t=4500 counts as 5000: the call at 5000 is inside the window
    expect((await store.admit(attempt([calls(1)], 4_500))).ok).toBe(false);
    expect((await store.admit(attempt([calls(1)], 100))).ok).toBe(false);
    expect((await store.admit(attempt([calls(1)], 6_000))).ok).toBe(true);
  });

  it("admits exactly R of N concurrent attempts", async () => {
    const store = new MemoryStore();
    for (let i = 0; i < 7; i++) await store.admit(attempt([calls(20)], 0));
    const results = await Promise.all(Array.from({ length: 50 }, () => store.admit(attempt([calls(20)], 1))));
    expect(results.filter((r) => r.ok)).toHaveLength(13);
  });

  it("drops expired entries and idle counters", async () => {
    const store = new MemoryStore();
    for (let t = 0; t < 20_000; t++) {
      await store.admit(attempt([calls(1_000, 10, `agent:${t % 500}`)], t));
    }
    // every counter holds at most the entries of the last 10 ms
    expect(store.stats().entries).toBeLessThanOrEqual(20);
    for (let t = 0; t < 2_000; t++) await store.admit(attempt([calls(1, 10, "agent:x")], 100_000 + t));
    expect(store.stats().counters).toBeLessThanOrEqual(2);
    expect(store.stats().entries).toBeLessThanOrEqual(2);
  });

  it("rejects malformed checks and times without changing anything", async () => {
    const store = new MemoryStore();
    await expect(store.admit(attempt([{ ...calls(1), kind: "bogus" as "calls" }], 0))).rejects.toThrow(TypeError);
    await expect(store.admit(attempt([{ ...calls(1), window: -1 }], 0))).rejects.toThrow(TypeError);
    await expect(store.admit(attempt([{ ...calls(1), amount: NaN }], 0))).rejects.toThrow(TypeError);
    await expect(store.admit(attempt([{ ...repeats(1, "A"), fingerprint: undefined }], 0))).rejects.toThrow(TypeError);
    await expect(store.admit(attempt([calls(1)], NaN))).rejects.toThrow(TypeError);
    await expect(store.admit(attempt([calls(1), { ...calls(1), id: "bad", max: Infinity }], 0))).rejects.toThrow(TypeError);
    expect((await store.admit(attempt([calls(1)], 0))).ok).toBe(true);
    expect([...(await store.sessionView("s")).labels]).toEqual([]);
  });
});

const checkArb = fc.oneof(
  fc.record({ max: fc.integer({ min: 0, max: 3 }), window: fc.constantFrom(500, 1_000, "session" as const), key: fc.constantFrom("k1", "k2") }).map(
    ({ max, window, key }): LimitCheck => ({ ...calls(max, window, key) }),
  ),
  fc.record({ max: fc.integer({ min: 0, max: 100 }), amount: fc.constantFrom(0, 30, 60) }).map(({ max, amount }) => cost(max, amount)),
  fc.integer({ min: 0, max: 50 }).map((max) => tokens(max)),
  fc.record({ max: fc.integer({ min: 1, max: 2 }), fp: fc.constantFrom("A", "B") }).map(({ max, fp }) => repeats(max, fp)),
);
const opArb = fc.record({
  op: fc.constantFrom("admit", "admit", "check", "charge"),
  dt: fc.constantFrom(0, 250, 500, -250),
  checks: fc.array(checkArb, { maxLength: 3 }),
  session: fc.constantFrom("s", "t"),
  tool: fc.constantFrom("a.x", "a.y"),
  labels: fc.subarray(["L1", "L2"]),
  amount: fc.constantFrom(0, 10, 40),
});
const view = (v: SessionView) => ({
  labels: [...v.labels].sort(),
  counts: (v.counts instanceof Map ? [...v.counts] : Object.entries(v.counts)).sort(),
});

describe("MemoryStore: the synchronous twins", () => {
  it("answer as the async methods do, on any sequence of operations", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 40 }), async (ops) => {
        const viaAsync = new MemoryStore();
        const viaSync = new MemoryStore();
        let now = 10_000;
        for (const op of ops) {
          now += op.dt;
          if (op.op === "charge") {
            const charges: UsageCharge[] = [{ id: "tokens", kind: "tokens", key: "agent:r", window: 1_000, amount: op.amount }];
            await viaAsync.charge(charges, now);
            viaSync.chargeSync(charges, now);
            continue;
          }
          const a: LimitAttempt = { checks: op.checks, session: op.session, tool: op.tool, labels: op.labels, now };
          const expected = op.op === "admit" ? await viaAsync.admit(a) : await viaAsync.check(a);
          expect(op.op === "admit" ? viaSync.admitSync(a) : viaSync.checkSync(a)).toEqual(expected);
          for (const session of ["s", "t", "never"]) {
            expect(view(viaSync.peekSession(session))).toEqual(view(await viaAsync.sessionView(session)));
          }
        }
        expect(viaSync.stats()).toEqual(viaAsync.stats());
      }),
      { numRuns: 150 },
    );
  });

  it("throw where the async methods reject", () => {
    const store = new MemoryStore();
    expect(() => store.admitSync(attempt([{ ...calls(1), window: -1 }], 0))).toThrow(TypeError);
    expect(() => store.checkSync(attempt([calls(1)], NaN))).toThrow(TypeError);
    expect(() => store.chargeSync([{ id: "t", kind: "calls", key: "k", window: 1, amount: 1 } as unknown as UsageCharge], 0)).toThrow(TypeError);
    expect(store.admitSync(attempt([calls(1)], 0))).toEqual({ ok: true });
  });

  it("peekSession is the live, read-only state; sessionView a snapshot", async () => {
    const store = new MemoryStore();
    const empty = store.peekSession("s");
    expect(Object.isFrozen(empty) && Object.isFrozen(empty.labels) && Object.isFrozen(empty.counts)).toBe(true);
    expect([...empty.labels]).toEqual([]);
    store.admitSync(attempt([], 0, "a.x", ["pii"]));
    const live = store.peekSession("s");
    const snapshot = await store.sessionView("s");
    store.admitSync(attempt([], 0, "a.y", ["ext"]));
    expect([...live.labels]).toEqual(["pii", "ext"]);
    expect([...snapshot.labels]).toEqual(["pii"]);
    expect([...empty.labels]).toEqual([]);
  });
});

describe("synchronousMemoryStore", () => {
  it("is the store only when its async methods are MemoryStore's own", () => {
    const plain = new MemoryStore();
    expect(synchronousMemoryStore(plain)).toBe(plain);
    class Counting extends MemoryStore {
      extra = 0;
    }
    const counting = new Counting();
    expect(synchronousMemoryStore(counting)).toBe(counting);
    class Overriding extends MemoryStore {
      override async admit(a: LimitAttempt): Promise<LimitOutcome> {
        return super.admit(a);
      }
    }
    expect(synchronousMemoryStore(new Overriding())).toBeNull();
    const patched = new MemoryStore();
    patched.sessionView = async () => ({ labels: ["x"], counts: {} });
    expect(synchronousMemoryStore(patched)).toBeNull();
    const delegating: LimitStore = {
      sessionView: (s) => plain.sessionView(s),
      admit: (a) => plain.admit(a),
      check: (a) => plain.check(a),
      charge: (c, n) => plain.charge(c, n),
    };
    expect(synchronousMemoryStore(delegating)).toBeNull();
  });
});

describe("MemoryStore: snapshots", () => {
  it("a store restored from its snapshot (through JSON) answers every later operation alike", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 30 }), fc.array(opArb, { maxLength: 30 }), fc.constantFrom(Infinity, 2_000), async (before, after, ttl) => {
        const original = new MemoryStore({ sessionTtlMs: ttl });
        let now = 10_000;
        const apply = (store: MemoryStore, op: (typeof before)[number], at: number) => {
          if (op.op === "charge") {
            store.chargeSync([{ id: "tokens", kind: "tokens", key: "agent:r", window: 1_000, amount: op.amount }], at);
            return null;
          }
          const a: LimitAttempt = { checks: op.checks, session: op.session, tool: op.tool, labels: op.labels, now: at };
          return op.op === "admit" ? store.admitSync(a) : store.checkSync(a);
        };
        for (const op of before) apply(original, op, (now += op.dt));
        const restored = MemoryStore.fromSnapshot(JSON.parse(JSON.stringify(original.snapshot())), { sessionTtlMs: ttl });
        for (const op of after) {
          now += op.dt;
          expect(apply(restored, op, now)).toEqual(apply(original, op, now));
          for (const session of ["s", "t"]) expect(view(restored.peekSession(session))).toEqual(view(original.peekSession(session)));
        }
        expect(restored.snapshot()).toEqual(original.snapshot());
      }),
      { numRuns: 150 },
    );
  });

  it("restores a counter's entries as they were, even one used with two windows", () => {
    const original = new MemoryStore({ sessionTtlMs: Infinity });
    original.admitSync(attempt([calls(1, 500, "k1")], 10_000));
    original.admitSync(attempt([calls(2, 500, "k1"), calls(2, "session", "k1")], 10_000));
    const restored = MemoryStore.fromSnapshot(JSON.parse(JSON.stringify(original.snapshot())));
    expect(restored.snapshot()).toEqual(original.snapshot());
    for (const t of [10_000, 10_400, 10_600]) {
      const a = attempt([calls(3, 500, "k1")], t);
      expect(restored.admitSync(a)).toEqual(original.admitSync(a));
    }
  });

  it("refuses what is not a snapshot", () => {
    for (const bad of [null, 1, {}, { version: 2 }, { version: 1, latest: null, counters: [["x", -1, null, []]], runs: [], sessions: [] }, { version: 1, latest: null, counters: [["x", 10, null, [[5, 1], [4, 1]]]], runs: [], sessions: [] }, { version: 1, latest: "now", counters: [], runs: [], sessions: [] }]) {
      expect(() => MemoryStore.fromSnapshot(bad)).toThrow(TypeError);
    }
  });
});
