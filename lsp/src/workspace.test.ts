import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Scheduler } from "./scheduler.js";
import { SHOP_DIR, SHOP_FILE, SHOP_TEXT } from "./test-support.js";
import { type FileSystem, Workspace } from "./workspace.js";

/** An in-memory file system over the shop fixture's manifests, counting reads. */
function memoryFs(): FileSystem & { files: Map<string, string>; reads: string[]; touch(p: string, text: string): void } {
  const real = (name: string) => require("node:fs").readFileSync(join(SHOP_DIR, name), "utf8") as string;
  const files = new Map<string, string>([
    [join(SHOP_DIR, "orders.tools.json"), real("orders.tools.json")],
    [join(SHOP_DIR, "mail.tools.json"), real("mail.tools.json")],
  ]);
  const mtimes = new Map<string, number>();
  const reads: string[] = [];
  return {
    files,
    reads,
    readFile: (p) => {
      reads.push(p);
      const t = files.get(p);
      if (t === undefined) throw Object.assign(new Error(`ENOENT ${p}`), { code: "ENOENT" });
      return t;
    },
    stat: (p) => (files.has(p) ? { size: files.get(p)!.length, mtimeMs: mtimes.get(p) ?? 1 } : null),
    touch(p, text) {
      files.set(p, text);
      mtimes.set(p, (mtimes.get(p) ?? 1) + 1);
    },
  };
}
// `require` for the fixture reads above (ESM test file).
import { createRequire } from "node:module";
const require = createRequire(import.meta.url);

const uri = pathToFileURL(SHOP_FILE).href;
const orders = join(SHOP_DIR, "orders.tools.json");

describe("Workspace", () => {
  it("checks each version once and serves the same snapshot for it", () => {
    const ws = new Workspace(memoryFs());
    ws.update(uri, 1, SHOP_TEXT);
    const a = ws.snapshot(uri)!;
    expect(ws.snapshot(uri)).toBe(a);
    ws.update(uri, 2, `${SHOP_TEXT}\n`);
    const b = ws.snapshot(uri)!;
    expect(b).not.toBe(a);
    expect(b.version).toBe(2);
    ws.update(uri, 1, "stale");
    expect(ws.snapshot(uri)).toBe(b);
  });

  it("reads unchanged manifests once, and again after they change on disk", () => {
    const fs = memoryFs();
    const ws = new Workspace(fs);
    ws.update(uri, 1, SHOP_TEXT);
    ws.snapshot(uri);
    ws.update(uri, 2, `${SHOP_TEXT} `);
    ws.snapshot(uri);
    expect(fs.reads.filter((p) => p === orders)).toHaveLength(1);
    fs.touch(orders, fs.files.get(orders)!.replace('"name": "refund"', '"name": "refund_order"'));
    expect(ws.filesChanged([orders])).toEqual([uri]);
    const after = ws.snapshot(uri)!;
    expect(after.checked.diagnostics.map((d) => d.code)).toContain("E_UNKNOWN_TOOL");
    expect(fs.reads.filter((p) => p === orders)).toHaveLength(2);
  });

  it("re-checks only the policies that load a changed file", () => {
    const ws = new Workspace(memoryFs());
    const other = pathToFileURL(join(SHOP_DIR, "other.agentpolicy")).href;
    ws.update(uri, 1, SHOP_TEXT);
    ws.update(other, 1, 'policy other\ntools mail from "./mail.tools.json"\n');
    ws.snapshot(uri);
    ws.snapshot(other);
    expect(ws.filesChanged([orders])).toEqual([uri]);
    expect(ws.filesChanged([join(SHOP_DIR, "mail.tools.json")]).sort()).toEqual([other, uri].sort());
    expect(ws.filesChanged([join(SHOP_DIR, "unrelated.json")])).toEqual([]);
  });

  it("reports a manifest that disappears, and keeps the last clean check for completion", () => {
    const fs = memoryFs();
    const ws = new Workspace(fs);
    ws.update(uri, 1, SHOP_TEXT);
    const clean = ws.snapshot(uri)!;
    fs.files.delete(orders);
    ws.filesChanged([orders]);
    ws.update(uri, 2, `${SHOP_TEXT}\nallow orders.`);
    const broken = ws.snapshot(uri)!;
    expect(broken.checked.diagnostics.map((d) => d.code)).toEqual(expect.arrayContaining(["E_MANIFEST", "E_SYNTAX"]));
    expect(broken.lastGood).toBe(clean.checked);
  });

  it("gives unsaved documents a path in the root folder", () => {
    const ws = new Workspace(memoryFs(), SHOP_DIR);
    ws.update("untitled:Untitled-1", 1, SHOP_TEXT);
    const s = ws.snapshot("untitled:Untitled-1")!;
    expect(s.file).toBe(join(SHOP_DIR, "Untitled-1.agentpolicy"));
    expect(s.checked.ok).toBe(true);
  });
});

describe("Scheduler", () => {
  afterEach(() => vi.useRealTimers());

  it("checks an isolated edit after the settle time, and a burst once, `delay` ms after its last edit", () => {
    vi.useFakeTimers();
    let now = 0;
    const runs: number[] = [];
    const s = new Scheduler(150, () => runs.push(now), () => now, 25);
    s.schedule("a");
    now = 25;
    vi.advanceTimersByTime(25);
    expect(runs).toEqual([25]);
    // Typing: an edit every 30 ms for 300 ms.
    for (let t = 30; t <= 300; t += 30) {
      now = 25 + t;
      s.schedule("a");
      vi.advanceTimersByTime(30);
    }
    expect(runs).toEqual([25]);
    now = 325 + 150;
    vi.advanceTimersByTime(150);
    expect(runs).toEqual([25, 475]);
    // Documents are independent.
    s.schedule("b");
    vi.advanceTimersByTime(25);
    expect(runs).toHaveLength(3);
    s.dispose();
  });
});
