// The installed entry point: `agentpolicy-lsp --stdio` (lsp/bin → lsp/dist/server.js), built
// with `tsc -b lsp` when the build is older than the sources.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureCopy, LSP_DIR, TestClient } from "./harness.js";

const ROOT = join(LSP_DIR, "..");

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith(".ts") && !e.name.endsWith(".test.ts")) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function builtAt(): number {
  try {
    return statSync(join(LSP_DIR, "dist", "server.js")).mtimeMs;
  } catch {
    return 0;
  }
}

const fixture = fixtureCopy("shop");
let client: TestClient;
const previous = process.env.AGENTPOLICY_LSP_SERVER;

beforeAll(async () => {
  const sources = Math.max(...["lsp", "compiler", "runtime"].map((p) => newestSource(join(ROOT, p, "src"))));
  if (builtAt() < sources) {
    const r = spawnSync(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-b", "lsp"], { cwd: ROOT, encoding: "utf8" });
    // `tsc -b` emits even when a project has type errors; only a missing output is fatal here.
    if (builtAt() === 0) throw new Error(`tsc -b lsp produced no server:\n${r.stdout}${r.stderr}`);
  }
  process.env.AGENTPOLICY_LSP_SERVER = "bin";
  client = await TestClient.start({ rootDir: fixture.dir });
}, 180_000);

afterAll(async () => {
  if (previous === undefined) delete process.env.AGENTPOLICY_LSP_SERVER;
  else process.env.AGENTPOLICY_LSP_SERVER = previous;
  const code = await client?.stop();
  fixture.remove();
  expect(code).toBe(0);
});

describe("agentpolicy-lsp --stdio", () => {
  it("initializes and publishes diagnostics for an opened policy", async () => {
    expect(client.initializeResult.serverInfo?.name).toBe("agentpolicy-lsp");
    const uri = pathToFileURL(join(fixture.dir, "shop.agentpolicy")).href;
    await client.open(uri, 'policy p\ntools orders from "./orders.tools.json"\nallow orders.serch\n');
    const published = await client.diagnosticsFor(uri);
    expect(published.diagnostics.map((d) => d.code)).toEqual(["E_UNKNOWN_TOOL"]);
    expect(client.errors).toEqual([]);
  });
});
