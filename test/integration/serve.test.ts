/** `agentpolicy serve` over real HTTP on 127.0.0.1 with an ephemeral port (the built CLI). */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { verifyAuditLog } from "@agentpolicy/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const bin = join(root, "compiler/bin/agentpolicy.js");
const policy = join(root, "examples/inventory/inventory.agentpolicy");

const reader = (user: string) => ({ user: { id: user, role: "viewer" }, tenant: "t1" });

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: Record<string, unknown>;
}

/** One HTTP request with a raw body (node:http, so malformed bodies go out as they are). */
function send(base: string, method: string, path: string, body?: string | Buffer): Promise<Reply> {
  return new Promise((resolvePromise, reject) => {
    const req = httpRequest(new URL(path, base), { method, headers: body === undefined ? {} : { "content-type": "application/json" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, json: text === "" ? {} : JSON.parse(text) });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

function startServe(args: string[]): Promise<{ child: ChildProcess; base: string; stderr: () => string }> {
  const child = spawn(process.execPath, [bin, "serve", ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${err}`)), 30_000);
    child.stderr?.on("data", (c: Buffer) => {
      err += c.toString("utf8");
      const m = /listening on (http:\/\/[^\s]+)/.exec(err);
      if (m !== null) {
        clearTimeout(timer);
        resolvePromise({ child, base: m[1], stderr: () => err });
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}:\n${err}`));
    });
  });
}

describe("agentpolicy serve", () => {
  let dir: string;
  let audit: string;
  let server: { child: ChildProcess; base: string; stderr: () => string };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "agentpolicy-serve-"));
    audit = join(dir, "audit.jsonl");
    server = await startServe(["--policy", policy, "--port", "0", "--engine", "interpreter", "--audit", audit, "--max-body", "4096"]);
  });

  afterAll(() => {
    if (server?.child.exitCode === null) server.child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers /healthz with the policy and its hash", async () => {
    const r = await send(server.base, "GET", "/healthz");
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ ok: true, policy: "inventory", policyHash: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    expect(server.base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("decides request lines like eval does", async () => {
    const allow = await send(server.base, "POST", "/v1/decide", JSON.stringify({ agent: "inventory-reader", tool: "inv.get_item", args: { sku: "A-1" }, context: reader("u1"), session: "s1" }));
    expect(allow.status).toBe(200);
    expect(allow.json).toEqual({
      effect: "allow",
      rules: ["inventory-reader/allow/inv.get_item,inv.search"],
      reasons: [],
      limit: null,
      errors: [],
      policy: "inventory",
      policyHash: expect.stringMatching(/^sha256:/),
    });
    const deny = await send(server.base, "POST", "/v1/decide", JSON.stringify({ agent: "inventory-reader", tool: "inv.create_purchase_order", args: { sku: "A-1", qty: 1, unit_price: 3 }, context: reader("u1") }));
    expect(deny.json).toMatchObject({ effect: "deny", rules: ["no-purchases"], reasons: ["inventory-reader is read-only"] });
    const buyer = await send(server.base, "POST", "/v1/decide", JSON.stringify({ agent: "buyer", tool: "create_purchase_order", args: { sku: "A-1", qty: 2, unit_price: 3 }, context: { user: { id: "u9", role: "buyer" }, tenant: "t1" } }));
    expect(buyer.json).toMatchObject({ effect: "allow", rules: ["small-orders"] });
    const unknown = await send(server.base, "POST", "/v1/decide", JSON.stringify({ agent: "inventory-reader", tool: "inv.drop_table", args: {} }));
    expect(unknown.status).toBe(200);
    expect(unknown.json).toMatchObject({ effect: "deny", rules: ["unknown_tool"] });
  });

  it("answers malformed bodies with 400 and an invalid_request deny", async () => {
    for (const body of ["{not json", "[1,2]", '{"agent": 1, "tool": "inv.search"}', '{"agent": "a"}', "", '{"usage": {"agent": "a", "inputTokens": 1, "outputTokens": 1}}']) {
      const r = await send(server.base, "POST", "/v1/decide", body);
      expect(r.status, body).toBe(400);
      expect(r.json, body).toMatchObject({ effect: "deny", rules: ["invalid_request"], limit: null, policy: "inventory", error: expect.any(String) });
      expect((r.json.reasons as string[])[0]).toBe(r.json.error);
    }
    const binary = await send(server.base, "POST", "/v1/decide", Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
    expect(binary.status).toBe(400);
    expect(binary.json.error).toContain("UTF-8");
  });

  it("refuses bodies over the limit, unknown routes and wrong methods", async () => {
    const big = await send(server.base, "POST", "/v1/decide", JSON.stringify({ agent: "a", tool: "inv.search", args: { query: "x".repeat(10_000) } }));
    expect(big.status).toBe(413);
    expect(big.json).toMatchObject({ rules: ["invalid_request"], error: expect.stringContaining("4096") });
    const missing = await send(server.base, "GET", "/v2/nothing");
    expect(missing.status).toBe(404);
    expect(missing.json.error).toEqual(expect.any(String));
    const wrong = await send(server.base, "GET", "/v1/decide");
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe("POST");
    const wrongHealth = await send(server.base, "POST", "/healthz", "{}");
    expect(wrongHealth.status).toBe(405);
  });

  it("admits exactly the calls a limit has room for, under concurrency, on its own clock", async () => {
    // inv.search: 60 calls per minute per agent; a far-future `at` in the body does not reset the window.
    const calls = Array.from({ length: 61 }, (_, i) =>
      send(server.base, "POST", "/v1/decide", JSON.stringify({ agent: "inventory-reader", tool: "inv.search", args: { query: `q${i}` }, context: reader(`user-${i}`), session: `c${i}` })),
    );
    const replies = await Promise.all(calls);
    const effects = replies.map((r) => r.json.effect);
    expect(effects.filter((e) => e === "allow")).toHaveLength(60);
    const denied = replies.find((r) => r.json.effect === "deny");
    expect(denied?.json).toMatchObject({ rules: ["inventory-reader/limit/calls/inv.search"], limit: { kind: "calls", window: 60_000, max: 60 } });
    const later = await send(server.base, "POST", "/v1/decide", JSON.stringify({ agent: "inventory-reader", tool: "inv.search", args: { query: "later" }, context: reader("u-late"), at: Date.now() + 3_600_000 }));
    expect(later.json).toMatchObject({ effect: "deny", rules: ["inventory-reader/limit/calls/inv.search"] });
  });

  it("charges usage reports to token limits", async () => {
    const bare = await send(server.base, "POST", "/v1/usage", JSON.stringify({ agent: "buyer", session: "u", model: "m", inputTokens: 150_000, outputTokens: 50_000 }));
    expect(bare.status).toBe(200);
    expect(bare.json).toEqual({ ok: true, charges: expect.any(Number) });
    expect(bare.json.charges).toBeGreaterThan(0);
    const decided = await send(server.base, "POST", "/v1/decide", JSON.stringify({ agent: "buyer", tool: "inv.get_item", args: { sku: "A-1" }, context: { user: { id: "u7", role: "buyer" }, tenant: "t1" } }));
    expect(decided.json).toMatchObject({ effect: "deny", limit: { kind: "tokens", max: 200_000 } });
    const line = await send(server.base, "POST", "/v1/usage", JSON.stringify({ usage: { agent: "inventory-reader", inputTokens: 1, outputTokens: 2 } }));
    expect(line.status).toBe(200);
    for (const body of ["nope", JSON.stringify({ agent: "a", inputTokens: -1, outputTokens: 0 }), JSON.stringify({ usage: 3 }), JSON.stringify([])]) {
      const r = await send(server.base, "POST", "/v1/usage", body);
      expect(r.status, body).toBe(400);
      expect(r.json.error, body).toEqual(expect.any(String));
    }
  });

  it("shuts down gracefully on SIGTERM with exit 0 and an audit log that verifies", async () => {
    const exited = new Promise<number | null>((r) => server.child.on("exit", (code) => r(code)));
    server.child.kill("SIGTERM");
    expect(await exited).toBe(0);
    const log = readFileSync(audit, "utf8");
    const verified = verifyAuditLog(log);
    expect(verified).toMatchObject({ ok: true });
    // Every decided request is audited; malformed bodies are not requests.
    expect(log.trim().split("\n").length).toBeGreaterThanOrEqual(66);
    expect(server.stderr()).toContain("shutting down");
  });
});

describe("agentpolicy serve usage errors", () => {
  it("exits 2 on a bad port and 1 on a policy with errors", async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; err: string }>((r) => {
        const c = spawn(process.execPath, [bin, "serve", ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
        let err = "";
        c.stderr.on("data", (d: Buffer) => (err += d.toString()));
        c.on("exit", (code) => r({ code, err }));
      });
    expect((await run(["--policy", policy, "--port", "70000"])).code).toBe(2);
    const dir = mkdtempSync(join(tmpdir(), "agentpolicy-serve-bad-"));
    const bad = join(dir, "bad.agentpolicy");
    writeFileSync(bad, "policy p\nallow nope.x\n");
    const broken = await run(["--policy", bad, "--port", "0", "--engine", "interpreter"]);
    expect(broken.code).toBe(1);
    expect(broken.err).toContain("E_");
    rmSync(dir, { recursive: true, force: true });
  });
});
