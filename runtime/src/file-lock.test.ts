import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { withFileLock } from "./file-lock.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "agentpolicy-lock-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("withFileLock", () => {
  it("holds the lock (with this pid) while fn runs, and leaves none behind, even when fn throws", async () => {
    const lock = join(dir, "f.lock");
    expect(await withFileLock(lock, () => readFileSync(lock, "utf8"))).toBe(String(process.pid));
    expect(existsSync(lock)).toBe(false);
    await expect(withFileLock(lock, () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(existsSync(lock)).toBe(false);
  });

  it("runs the calls of one process one after another", async () => {
    const lock = join(dir, "q.lock");
    let inside = 0;
    let most = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        withFileLock(lock, async () => {
          most = Math.max(most, ++inside);
          await new Promise((r) => setTimeout(r, 2));
          order.push(i);
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("takes over at once a lock whose process is gone", async () => {
    const lock = join(dir, "dead.lock");
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout;
    writeFileSync(lock, dead);
    expect(await withFileLock(lock, () => "ran", { waitMs: 60_000 })).toBe("ran");
    expect(existsSync(lock)).toBe(false);
  });

  it("waits for a live holder, then fails naming the lock; takes over a stale one", async () => {
    const lock = join(dir, "live.lock");
    writeFileSync(lock, String(process.pid)); // held by a live process (this one, outside withFileLock)
    await expect(withFileLock(lock, () => "ran", { waitMs: 200 })).rejects.toThrow(`${lock} is held by another run`);
    expect(await withFileLock(lock, () => "ran", { waitMs: 5_000, staleMs: 100 })).toBe("ran");
  });
});
