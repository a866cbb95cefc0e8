// The TextMate grammar, checked two ways:
// 1. vscode-tmgrammar-test runs the caret assertions in test/grammar/*.agentpolicy (exit 0 = all
//    hold; it exits 255 on a failed assertion);
// 2. every real policy in the repository (examples/, the spec's whole example) tokenizes with no
//    `invalid.*` scope and ends with every begin/end region closed.
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { extensionDir, grammarPath, scan } from "./textmate.js";

const repoDir = join(extensionDir, "..");
const require = createRequire(import.meta.url);

describe("grammar assertions (vscode-tmgrammar-test)", () => {
  it("every caret assertion in test/grammar/*.agentpolicy holds", async () => {
    const bin = require.resolve("vscode-tmgrammar-test/dist/unit.js");
    const run = promisify(execFile);
    const result = await run(
      process.execPath,
      [bin, "--compact", "--grammar", grammarPath, "test/grammar/*.agentpolicy"],
      { cwd: extensionDir, timeout: 60_000 },
    ).then(
      ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
      (error: { code?: number; stdout?: string; stderr?: string }) => ({
        code: typeof error.code === "number" ? error.code : -1,
        output: `${error.stdout ?? ""}${error.stderr ?? ""}`,
      }),
    );
    expect(result.output, result.output).not.toMatch(/ERROR|failed/);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/run successfuly/);
  });
});

function policyFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === "node_modules" || name === "dist") return [];
    if (statSync(path).isDirectory()) return policyFiles(path);
    return name.endsWith(".agentpolicy") ? [path] : [];
  });
}

describe("real policies", () => {
  const files = [join(extensionDir, "test", "fixtures", "spec-example.agentpolicy"), ...policyFiles(join(repoDir, "examples"))];

  it.each(files.map((file) => [relative(repoDir, file), file]))("%s has no invalid token and closes every region", async (_name, file) => {
    // A trailing selector list may legitimately run to the end of the file; the declaration
    // appended here closes it, and anything still open after it would have swallowed that line.
    const result = await scan(`${readFileSync(file, "utf8")}\nconst after = 1\n`);
    expect(result.invalid).toEqual([]);
    expect(result.closed).toBe(true);
  });
});
