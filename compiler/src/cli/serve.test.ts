/** `serve` in process: `--token-file` (a bearer token on every route but `/healthz`) and reviews settled by an `approval` in the body. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type { Io } from "./io.js";
import { runServe } from "./serve.js";

const root = resolve(import.meta.dirname, "../../..");
const policy = join(root, "examples/inventory/inventory.agentpolicy");
const TOKEN = "s3cret-token-0123456789";

function io(): Io & { errors: string[] } {
  const errors: string[] = [];
  return { out: () => undefined, err: (t) => errors.push(t), color: false, cwd: root, errors };
}

async function withServer(options: { tokenFile?: string; host?: string }, body: (base: string) => Promise<void>, out = io()): Promise<void> {
  const abort = new AbortController();
  let base = "";
  let listening!: () => void;
  const ready = new Promise<void>((r) => (listening = r));
  const done = runServe({ policy, port: 0, engine: "interpreter", signal: abort.signal, onListening: (url) => ((base = url), listening()), ...options }, out);
  await Promise.race([ready, done.then((code) => Promise.reject(new Error(`serve exited with ${code}: ${out.errors.join("\n")}`)))]);
  try {
    await body(base);
  } finally {
    abort.abort();
    expect(await done).toBe(0);
  }
}

const request = { agent: "inventory-reader", tool: "inv.search", args: { query: "bolts" }, context: { user: { id: "u1", role: "viewer" }, tenant: "t1" } };
const post = (base: string, path: string, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, { method: "POST", body: JSON.stringify(request), headers: { "content-type": "application/json", ...headers } });

describe("serve --token-file", () => {
  it("answers only requests with the bearer token; /healthz stays open", async () => {
    const dir = mkdtempSync(join(tmpdir(), "agentpolicy-token-"));
    const file = join(dir, "token");
    writeFileSync(file, `${TOKEN}\n`);
    await withServer({ tokenFile: file }, async (base) => {
      const none = await post(base, "/v1/decide");
      expect(none.status).toBe(401);
      expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect((await post(base, "/v1/decide", { authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
      expect((await post(base, "/v1/usage", { authorization: "Basic abc" })).status).toBe(401);
      const ok = await post(base, "/v1/decide", { authorization: `Bearer ${TOKEN}` });
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as { effect: string }).effect).toBe("allow");
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
    });
  });

  it("refuses a missing or weak token file, and warns about a public address without one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "agentpolicy-token-"));
    const weak = join(dir, "weak");
    writeFileSync(weak, "short");
    for (const tokenFile of [join(dir, "absent"), weak]) {
      const out = io();
      expect(await runServe({ policy, port: 0, engine: "interpreter", tokenFile }, out)).toBe(2);
      expect(out.errors.join("\n")).toMatch(/--token-file/);
    }
    const out = io();
    await withServer({ host: "0.0.0.0" }, async () => undefined, out);
    expect(out.errors.join("\n")).toMatch(/without --token-file/);
  });
});

describe("serve: a review settled by the caller's human", () => {
  it("answers review, then allow (consuming the limit, audited) once the body carries the approval", async () => {
    const buyer = { agent: "buyer", tool: "inv.create_purchase_order", args: { sku: "A-1", qty: 100, unit_price: 100 }, context: { user: { id: "u2", role: "buyer" }, tenant: "t1" }, session: "s1" };
    const dir = mkdtempSync(join(tmpdir(), "agentpolicy-approval-"));
    const audit = join(dir, "audit.jsonl");
    await withServer({ audit } as never, async (base) => {
      const decide = async (body: object) => (await (await fetch(`${base}/v1/decide`, { method: "POST", body: JSON.stringify(body) })).json()) as Record<string, unknown>;
      expect((await decide(buyer)).effect).toBe("review");
      expect(await decide({ ...buyer, approval: { approved: true, by: "ops" } })).toMatchObject({ effect: "allow", rules: ["big-orders"] });
      expect(await decide({ ...buyer, approval: { approved: false, by: "ops", note: "no" } })).toMatchObject({ effect: "deny" });
      expect((await decide({ ...buyer, approval: "yes" })).effect).toBe("deny");
    });
    const { readFileSync } = await import("node:fs");
    const records = readFileSync(audit, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { review?: unknown });
    expect(records[1]?.review).toEqual({ status: "approved", by: "ops" });
  });
});
