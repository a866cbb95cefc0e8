/**
 * LANGUAGE.md §7: "N concurrent requests against a limit with R remaining are allowed exactly R
 * times, on one process or many sharing a store." Several node processes, each with its own Redis
 * client, store and guard, race on one limit.
 */

import { execFileSync, fork } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisStore } from "@agentpolicy/runtime/redis";
import { redisAvailable, startRedis } from "./redis-server.js";
import type { RedisServer } from "./redis-server.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const root = join(here, "..", "..");
const hasRedis = redisAvailable();

/** The children import runtime/dist; build it when it is missing or older than the sources. */
function ensureRuntimeBuilt(): void {
  const built = join(root, "runtime", "dist", "redis.js");
  const newest = (dir: string): number =>
    Math.max(
      0,
      ...readdirSync(dir, { withFileTypes: true }).map((entry) =>
        entry.isDirectory() ? newest(join(dir, entry.name)) : statSync(join(dir, entry.name)).mtimeMs,
      ),
    );
  if (existsSync(built) && statSync(built).mtimeMs >= newest(join(root, "runtime", "src"))) return;
  execFileSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-b", join(root, "runtime")], { stdio: "inherit" });
}

let server: RedisServer;

beforeAll(async () => {
  if (!hasRedis) return;
  ensureRuntimeBuilt();
  server = await startRedis();
});

afterAll(async () => {
  if (hasRedis) await server?.stop();
});

interface Report {
  readonly allowed: number;
  readonly denied: number;
  readonly errors: string[];
}

describe.skipIf(!hasRedis)("many processes sharing one Redis store", () => {
  it("allow exactly the R remaining calls of a limit, in total", async () => {
    const PROCESSES = 6;
    const CALLS = 12;
    const MAX = 40;
    const REMAINING = 23;
    const prefix = `race-${process.pid}:`;

    // use up MAX − REMAINING from this process first
    const local = new RedisStore({ url: server.url, prefix });
    const shared = { id: "shared", kind: "calls" as const, key: "agent:racer", window: 3_600_000, max: MAX, amount: 1 };
    for (let i = 0; i < MAX - REMAINING; i++) {
      expect((await local.admit({ checks: [shared], session: "race", tool: "t.x", labels: [], now: Date.now() })).ok).toBe(true);
    }

    const children: ChildProcess[] = [];
    try {
      const ready: Promise<void>[] = [];
      const reports: Promise<Report>[] = [];
      for (let p = 0; p < PROCESSES; p++) {
        const child = fork(join(here, "race-child.mjs"), [server.url, prefix, String(CALLS), String(MAX)], { stdio: "inherit" });
        children.push(child);
        ready.push(new Promise((resolve, reject) => {
          child.once("error", reject);
          child.on("message", (m) => (m as { ready?: boolean }).ready === true && resolve());
        }));
        reports.push(new Promise((resolve, reject) => {
          child.on("message", (m) => typeof (m as Report).allowed === "number" && resolve(m as Report));
          child.once("exit", (code) => reject(new Error(`racer exited with ${code} before reporting`)));
        }));
      }
      await Promise.all(ready);
      for (const child of children) child.send("go");
      const results = await Promise.all(reports);

      expect(results.flatMap((r) => r.errors)).toEqual([]);
      const allowed = results.reduce((n, r) => n + r.allowed, 0);
      const denied = results.reduce((n, r) => n + r.denied, 0);
      expect(allowed).toBe(REMAINING);
      expect(denied).toBe(PROCESSES * CALLS - REMAINING);
      // more than one process won some calls: the race was real
      expect(results.filter((r) => r.allowed > 0).length).toBeGreaterThan(1);

      // the store recorded exactly MAX allowed calls, and nothing more is allowed
      const view = await local.sessionView("race");
      expect((view.counts as ReadonlyMap<string, number>).get("t.x")).toBe(MAX);
      expect((await local.check({ checks: [shared], session: "race", tool: "t.x", labels: [], now: Date.now() })).ok).toBe(false);
      const raw = createClient({ url: server.url });
      await raw.connect();
      expect(await raw.zCard(`${prefix}c:${JSON.stringify(["shared", "agent:racer"])}`)).toBe(MAX);
      await raw.close();
    } finally {
      for (const child of children) if (child.exitCode === null) child.kill();
      await local.close();
    }
  });
});
