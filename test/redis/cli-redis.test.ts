/**
 * `--redis URL` on the commands that keep limits (`serve`, `hook`; `mcp-proxy` shares the same
 * `openStore`): processes given the same URL and prefix share one set of limits and labels, and a
 * Redis that cannot be reached turns every decision into a deny naming Redis.
 */

import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runHook } from "../../compiler/src/cli/hook.js";
import type { Io } from "../../compiler/src/cli/io.js";
import { runServe } from "../../compiler/src/cli/serve.js";
import { limitedPolicyDir } from "../../compiler/src/cli/test-support.js";
import { redisAvailable, startRedis } from "./redis-server.js";
import type { RedisServer } from "./redis-server.js";

const hasRedis = redisAvailable();
let server: RedisServer;
let dir: string;

function quietIo(): Io & { errors: string[]; outputs: string[] } {
  const errors: string[] = [];
  const outputs: string[] = [];
  return { out: (t) => outputs.push(t), err: (t) => errors.push(t), color: false, cwd: dir, errors, outputs };
}

beforeAll(async () => {
  if (!hasRedis) return;
  server = await startRedis();
  dir = limitedPolicyDir("cli-redis");
});

afterAll(async () => {
  if (hasRedis) await server?.stop();
});

/** Starts `serve` in this process; resolves its base URL and a function that stops it. */
async function serve(prefix: string, redis = server.url): Promise<{ base: string; stop: () => Promise<number> }> {
  const abort = new AbortController();
  let base = "";
  const listening = new Promise<void>((resolve) => {
    const done = runServe(
      { policy: "p.agentpolicy", port: 0, engine: "interpreter", redis, redisPrefix: prefix, signal: abort.signal, onListening: (url) => ((base = url), resolve()) },
      quietIo(),
    );
    stoppers.push(async () => {
      abort.abort();
      return done;
    });
  });
  await listening;
  const stop = stoppers[stoppers.length - 1];
  return { base, stop };
}
const stoppers: (() => Promise<number>)[] = [];

async function decide(base: string, body: object): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}/v1/decide`, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
  return (await res.json()) as Record<string, unknown>;
}

describe.skipIf(!hasRedis)("--redis: limits shared by every process", () => {
  it("two `serve` instances share one limit and one session's labels", async () => {
    const prefix = `serve-${process.pid}:`;
    const one = await serve(prefix);
    const two = await serve(prefix);
    try {
      const effects: unknown[] = [];
      for (let i = 0; i < 5; i++) effects.push((await decide(i % 2 === 0 ? one.base : two.base, { agent: "a", tool: "t.read", args: { n: i }, session: "s" })).effect);
      expect(effects).toEqual(["allow", "allow", "allow", "deny", "deny"]);
      // the label `seen`, attached through one instance, is seen through the other
      expect(await decide(two.base, { agent: "a", tool: "t.send", session: "s" })).toMatchObject({ effect: "deny", rules: ["a/deny/t.send"] });
      expect((await decide(two.base, { agent: "a", tool: "t.send", session: "other" })).effect).toBe("allow");
    } finally {
      expect(await one.stop()).toBe(0);
      expect(await two.stop()).toBe(0);
    }
  });

  it("hook runs (each a fresh store) share the limit through Redis", async () => {
    const prefix = `hook-${process.pid}:`;
    const run = async (n: number) => {
      const io = quietIo();
      const input = JSON.stringify({ session_id: "s1", hook_event_name: "PreToolUse", tool_name: "mcp__t__read", tool_input: { n } });
      const code = await runHook({ policy: "p.agentpolicy", agent: "a", engine: "interpreter", redis: server.url, redisPrefix: prefix, stdin: Readable.from([input]) }, io);
      expect(code).toBe(0);
      return JSON.parse(io.outputs.join("")).hookSpecificOutput.permissionDecision as string;
    };
    const answers: string[] = [];
    for (let n = 0; n < 4; n++) answers.push(await run(n));
    expect(answers).toEqual(["allow", "allow", "allow", "deny"]);
  });

  it("refuses a URL that is not redis://, and --state with --redis", async () => {
    const io = quietIo();
    expect(await runServe({ policy: "p.agentpolicy", port: 0, engine: "interpreter", redis: "http://localhost:6379" }, io)).toBe(2);
    expect(io.errors.join("\n")).toMatch(/redis:\/\/ or rediss:\/\//);
    const hookIo = quietIo();
    const code = await runHook({ policy: "p.agentpolicy", agent: "a", engine: "interpreter", redis: server.url, state: "s.jsonl", stdin: Readable.from(["{}"]) }, hookIo);
    expect(code).toBe(2);
    expect(hookIo.errors.join("\n")).toMatch(/--state or --redis, not both/);
  });

  it("denies, naming Redis, when Redis cannot be reached", async () => {
    const nowhere = await serve(`down-${process.pid}:`, "redis://127.0.0.1:1");
    try {
      const decision = await decide(nowhere.base, { agent: "a", tool: "t.read", args: { n: 1 }, session: "s" });
      expect(decision.effect).toBe("deny");
      expect(JSON.stringify(decision)).toMatch(/Redis/);
    } finally {
      expect(await nowhere.stop()).toBe(0);
    }
  });
});
