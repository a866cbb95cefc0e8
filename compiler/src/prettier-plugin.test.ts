import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as prettier from "prettier";
import { afterAll, describe, expect, it } from "vitest";
import { formatText } from "./format/format.js";
import plugin from "./prettier-plugin.js";

const EXAMPLE = readFileSync(new URL("../../examples/inventory/inventory.agentpolicy", import.meta.url), "utf8");
const MESSY = 'policy   p\ncontext { user: {id: string} }\nallow inv.get when (args.qty<=20) // small\n@id("x") deny inv.put\n';

describe("the Prettier plugin", () => {
  it("formats exactly like formatText", async () => {
    for (const text of [EXAMPLE, MESSY]) {
      const expected = formatText(text);
      expect(expected.ok).toBe(true);
      const out = await prettier.format(text, { parser: "agentpolicy", plugins: [plugin] });
      expect(out).toBe(expected.ok ? expected.text : "");
    }
  });

  it("ignores Prettier's layout options: there is one canonical layout", async () => {
    const expected = formatText(MESSY);
    const out = await prettier.format(MESSY, { parser: "agentpolicy", plugins: [plugin], printWidth: 20, tabWidth: 8, useTabs: true });
    expect(out).toBe(expected.ok ? expected.text : "");
  });

  it("refuses a file with syntax errors with a located SyntaxError", async () => {
    const error: unknown = await prettier.format("policy p\nallow inv.get when\n", { parser: "agentpolicy", plugins: [plugin] }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SyntaxError);
    expect((error as Error).message).toMatch(/^E_SYNTAX: expected an expression/);
    expect((error as { loc?: unknown }).loc).toEqual({ start: { line: 2, column: 19 }, end: { line: 2, column: 19 } });
  });

  describe("prettier --check on a folder (through the API)", () => {
    const dir = mkdtempSync(join(tmpdir(), "agentpolicy-prettier-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const formatted = formatText(MESSY);
    writeFileSync(join(dir, "clean.agentpolicy"), formatted.ok ? formatted.text : "");
    writeFileSync(join(dir, "messy.agentpolicy"), MESSY);

    it("infers the agentpolicy parser from the .agentpolicy extension", async () => {
      const info = await prettier.getFileInfo(join(dir, "messy.agentpolicy"), { plugins: [plugin] });
      expect(info.inferredParser).toBe("agentpolicy");
    });

    it("passes formatted files and flags the others", async () => {
      const check = async (name: string) => {
        const path = join(dir, name);
        return prettier.check(readFileSync(path, "utf8"), { filepath: path, plugins: [plugin] });
      };
      expect(await check("clean.agentpolicy")).toBe(true);
      expect(await check("messy.agentpolicy")).toBe(false);
    });
  });
});
