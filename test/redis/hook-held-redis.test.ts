/**
 * `hook --redis`: calls answered `ask` are held in Redis (`RedisHeldReviews`) until their
 * PostToolUse, which settles them as approved, once only, so approved asks count against the
 * limits shared in Redis; a Redis that cannot be reached fails closed.
 */
import { spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { Readable } from "node:stream";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAuditLog } from "@agentpolicy/runtime";
import { RedisHeldReviews } from "../../compiler/src/cli/hook-held-redis.js";
import { HELD_FOR_MS } from "../../compiler/src/cli/hook-state.js";
import { HOOK_REFUSER, runHook, type HookOptions } from "../../compiler/src/cli/hook.js";
import type { Io } from "../../compiler/src/cli/io.js";
import { auditedCalls, limitedPolicyDir, SETTLED_ASK_AUDIT } from "../../compiler/src/cli/test-support.js";
import { redisAvailable, startRedis } from "./redis-server.js";
import type { RedisServer } from "./redis-server.js";
import { startSilentProxy } from "./silent-proxy.js";

const root = resolve(import.meta.dirname, "../..");
const bin = join(root, "compiler/bin/agentpolicy.js");
const hasRedis = redisAvailable();
let server: RedisServer;
let dir: string;
let serial = 0;

beforeAll(async () => {
  if (!hasRedis) return;
  server = await startRedis();
  dir = limitedPolicyDir("hook-redis");
});

afterAll(async () => {
  if (!hasRedis) return;
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A prefix no other test uses. */
const freshPrefix = (name: string): string => `${name}-${process.pid}-${++serial}:`;

const request = { agent: "a", tool: "t.pay", args: { amount: 5 }, session: "s1", callId: "toolu_1" };

/** Runs the hook in this process on one event for `t.pay`. */
async function hook(event: "PreToolUse" | "PostToolUse", toolUseId: string, extra: Partial<HookOptions>) {
  const errors: string[] = [];
  const outputs: string[] = [];
  const io: Io = { out: (t) => outputs.push(t), err: (t) => errors.push(t), color: false, cwd: dir };
  const input = JSON.stringify({ session_id: "s1", hook_event_name: event, tool_name: "mcp__t__pay", tool_input: { amount: 5 }, tool_use_id: toolUseId });
  const code = await runHook({ policy: "p.agentpolicy", agent: "a", engine: "interpreter", stdin: Readable.from([input]), ...extra }, io);
  const output = outputs.length === 0 ? undefined : (JSON.parse(outputs.join("")) as { hookSpecificOutput: { permissionDecision: string; permissionDecisionReason: string } });
  return { code, errors, decision: output?.hookSpecificOutput.permissionDecision ?? "", reason: output?.hookSpecificOutput.permissionDecisionReason ?? "" };
}

describe.skipIf(!hasRedis)("RedisHeldReviews", () => {
  it("holds a call under its id, with the prefix, for a day, and gives it back once", async () => {
    const prefix = freshPrefix("held");
    const held = new RedisHeldReviews({ url: server.url, prefix });
    const raw = createClient({ url: server.url });
    await raw.connect();
    try {
      await held.hold("toolu_1", request, Date.now());
      const key = held.keyOf("toolu_1");
      expect(key).toBe(`${prefix}held:"toolu_1"`);
      const ttl = await raw.pTTL(key);
      expect(ttl).toBeGreaterThan(HELD_FOR_MS - 60_000);
      expect(ttl).toBeLessThanOrEqual(HELD_FOR_MS);
      expect(await held.take("toolu_unknown")).toBeUndefined();
      expect(await held.take("toolu_1")).toEqual(request);
      expect(await held.take("toolu_1")).toBeUndefined();
      expect(await raw.exists(key)).toBe(0);
      // held a day ago or more: kept only a moment
      await held.hold("toolu_old", request, Date.now() - HELD_FOR_MS);
      expect(await raw.pTTL(held.keyOf("toolu_old"))).toBeLessThanOrEqual(1);
    } finally {
      await held.close();
      await raw.close();
    }
  });

  it("gives a call held once to exactly one of many concurrent takers", async () => {
    const prefix = freshPrefix("race");
    const holder = new RedisHeldReviews({ url: server.url, prefix });
    const takers = Array.from({ length: 12 }, () => new RedisHeldReviews({ url: server.url, prefix }));
    try {
      for (let round = 0; round < 5; round++) {
        await holder.hold(`toolu_${round}`, request, Date.now());
        const taken = await Promise.all(takers.map((t) => t.take(`toolu_${round}`)));
        expect(taken.filter((r) => r !== undefined)).toEqual([request]);
      }
    } finally {
      await Promise.all([holder, ...takers].map((h) => h.close()));
    }
  });

  it("rejects a held value that is not a held call, naming Redis", async () => {
    const held = new RedisHeldReviews({ url: server.url, prefix: freshPrefix("corrupt") });
    const raw = createClient({ url: server.url });
    await raw.connect();
    try {
      await raw.set(held.keyOf("toolu_1"), "{nope");
      await raw.set(held.keyOf("toolu_2"), JSON.stringify({ request: { agent: "a" }, at: 1 }));
      await expect(held.take("toolu_1")).rejects.toThrow(/^Redis held asks: .* not a held call/);
      await expect(held.take("toolu_2")).rejects.toThrow(/^Redis held asks: .* not a held call/);
    } finally {
      await held.close();
      await raw.close();
    }
  });

  it("rejects, naming Redis, when Redis cannot be reached or does not answer, and closes in bounded time", async () => {
    const nowhere = new RedisHeldReviews({ url: "redis://127.0.0.1:1", timeoutMs: 500 });
    await expect(nowhere.hold("toolu_1", request, Date.now())).rejects.toThrow(/^Redis held asks: hold failed: .*ECONNREFUSED/);
    await expect(nowhere.take("toolu_1")).rejects.toThrow(/^Redis held asks: take failed/);
    await nowhere.close();
    await expect(nowhere.take("toolu_1")).rejects.toThrow(/after close\(\)/);

    const proxy = await startSilentProxy(server.port);
    const wedged = new RedisHeldReviews({ url: proxy.url, prefix: freshPrefix("wedged"), timeoutMs: 300 });
    try {
      await wedged.hold("toolu_1", request, Date.now());
      expect(proxy.silence()).toBe(1);
      await expect(wedged.take("toolu_1")).rejects.toThrow(/^Redis held asks: take got no answer from Redis within 300 ms/);
      const started = Date.now();
      await wedged.close();
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await proxy.close();
    }
  });

  it("never connects when nothing is held or taken", async () => {
    await new RedisHeldReviews({ url: "redis://127.0.0.1:1" }).close();
  });
});

describe.skipIf(!hasRedis)("hook --redis: an approved ask counts against the limits", () => {
  it("settles the review at the call's PostToolUse, once only, and audits who approved", async () => {
    const options = { redis: server.url, redisPrefix: freshPrefix("hook"), audit: "settle-audit.jsonl" };
    expect((await hook("PreToolUse", "toolu_1", options)).decision).toBe("ask");
    expect((await hook("PreToolUse", "toolu_2", options)).decision).toBe("ask"); // nothing consumed yet: `pays` allows 1
    const post = await hook("PostToolUse", "toolu_1", options); // the user approved toolu_1, and it ran
    expect(post).toMatchObject({ code: 0, decision: "", errors: [] });
    const over = await hook("PreToolUse", "toolu_3", options);
    expect(over.decision).toBe("deny"); // `pays` is used up
    expect(over.reason).toMatch(/pays/);
    expect(await hook("PostToolUse", "toolu_1", options)).toMatchObject({ code: 0, decision: "", errors: [] }); // settled once only
    expect(await hook("PostToolUse", "toolu_unknown", options)).toMatchObject({ code: 0, decision: "", errors: [] });
    // another prefix shares neither the held asks nor the limits
    const other = { ...options, redisPrefix: freshPrefix("hook-other"), audit: "other-audit.jsonl" };
    expect(await hook("PostToolUse", "toolu_2", other)).toMatchObject({ code: 0, decision: "", errors: [] });
    expect((await hook("PreToolUse", "toolu_4", other)).decision).toBe("ask");

    const audit = readFileSync(join(dir, "settle-audit.jsonl"), "utf8");
    expect(verifyAuditLog(audit)).toEqual({ ok: true, records: 4 });
    expect(auditedCalls(audit)).toEqual(SETTLED_ASK_AUDIT);
  });

  it("settles once when two hook processes (the built CLI) race on one PostToolUse", async () => {
    const prefix = freshPrefix("cli-race");
    const run = (event: string, id: string, audit: string) =>
      new Promise<{ code: number | null; out: string; err: string }>((done) => {
        const child = spawn(process.execPath, [bin, "hook", "--policy", "p.agentpolicy", "--agent", "a", "--redis", server.url, "--redis-prefix", prefix, "--audit", audit], { cwd: dir });
        let out = "";
        let err = "";
        child.stdout.on("data", (c: Buffer) => (out += c.toString()));
        child.stderr.on("data", (c: Buffer) => (err += c.toString()));
        child.on("close", (code) => done({ code, out, err }));
        child.stdin.end(JSON.stringify({ session_id: "s1", hook_event_name: event, tool_name: "mcp__t__pay", tool_input: { amount: 5 }, tool_use_id: id }));
      });
    const asked = await run("PreToolUse", "toolu_1", "race-pre.jsonl");
    expect(asked.code).toBe(0);
    expect(JSON.parse(asked.out).hookSpecificOutput.permissionDecision).toBe("ask");
    const posts = await Promise.all([run("PostToolUse", "toolu_1", "race-a.jsonl"), run("PostToolUse", "toolu_1", "race-b.jsonl")]);
    for (const p of posts) expect(p).toEqual({ code: 0, out: "", err: "" });
    const settled = ["race-a.jsonl", "race-b.jsonl"].flatMap((f) => {
      try {
        return auditedCalls(readFileSync(join(dir, f), "utf8"));
      } catch {
        return []; // this run took nothing, so decided nothing
      }
    });
    expect(settled.map((r) => [r.call, r.effect])).toEqual([["toolu_1", "allow"]]);
  }, 60_000);

  it("fails closed when Redis cannot be reached: deny at PreToolUse, an error at PostToolUse", async () => {
    const options = { redis: "redis://127.0.0.1:1", redisPrefix: freshPrefix("down") };
    const pre = await hook("PreToolUse", "toolu_1", options);
    expect(pre).toMatchObject({ code: 0, decision: "deny" });
    expect(pre.reason).toMatch(/Redis/);
    const post = await hook("PostToolUse", "toolu_1", options);
    expect(post).toMatchObject({ code: 0, decision: "" });
    expect(post.errors.join("\n")).toMatch(/^agentpolicy hook: Redis held asks: take failed: .*ECONNREFUSED/);
  });

  it("refuses an ask it cannot hold, naming Redis, audited as a rejected review (the limits answered, the held table did not)", async () => {
    const proxy = await startSilentProxy(server.port, { acceptAtMost: 1 }); // the limits' connection only
    try {
      const pre = await hook("PreToolUse", "toolu_1", { redis: proxy.url, redisPrefix: freshPrefix("hold-down"), audit: "hold-down-audit.jsonl" });
      expect(pre).toMatchObject({ code: 0, decision: "deny" });
      expect(pre.reason).toMatch(/rejected in review by agentpolicy hook \(the ask could not be held\): Redis held asks: hold failed/);
      const audit = readFileSync(join(dir, "hold-down-audit.jsonl"), "utf8");
      expect(verifyAuditLog(audit)).toEqual({ ok: true, records: 2 });
      const [asked, refused] = auditedCalls(audit);
      expect(asked).toEqual({ call: "toolu_1", effect: "review" });
      expect(refused).toMatchObject({ call: "toolu_1", effect: "deny", review: { approved: false, by: HOOK_REFUSER } });
    } finally {
      await proxy.close();
    }
  });
});
