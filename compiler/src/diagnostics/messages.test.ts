import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Messages } from "./messages.js";

const src = join(import.meta.dirname, "..");
const readme = readFileSync(join(src, "..", "README.md"), "utf8");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return f === "__fixtures__" ? [] : sources(p);
    return p.endsWith(".ts") && !p.endsWith(".test.ts") && !p.endsWith("test-support.ts") ? [p] : [];
  });
}
const code = sources(src)
  .filter((p) => !p.endsWith("messages.ts"))
  .map((p) => readFileSync(p, "utf8"))
  .join("\n");

describe("the diagnostics table", () => {
  const entries = Object.entries(Messages);

  it("gives each code one severity, read from its prefix", () => {
    for (const [, def] of entries) {
      expect(def.severity).toBe(def.code.startsWith("E_") ? "error" : def.code.startsWith("W_") ? "warning" : "info");
    }
  });

  it("has unique message templates", () => {
    const seen = new Set<string>();
    for (const [, def] of entries) {
      const key = `${def.code} ${def.template}`;
      expect(seen.has(key), key).toBe(false);
      seen.add(key);
    }
  });

  it.each(entries.map(([name]) => name))("Messages.%s is reported by some check", (name) => {
    expect(code).toMatch(new RegExp(`Messages\\.${name}\\b`));
  });

  it.each([...new Set(entries.map(([, d]) => d.code))])("%s is documented in the compiler README", (c) => {
    expect(readme).toContain(`\`${c}\``);
  });

  it("covers every code of LANGUAGE.md §9", () => {
    const codes = new Set(entries.map(([, d]) => d.code));
    for (const c of ["E_SYNTAX", "E_UNKNOWN_TOOL", "E_UNKNOWN_ALIAS", "E_MANIFEST", "E_UNKNOWN_FIELD", "E_TYPE", "E_ENUM", "E_DUPLICATE_ID", "E_UNKNOWN_NAME", "E_CYCLE", "E_REGEX", "E_REGEX_UNSAFE", "W_OPTIONAL", "W_SHADOWED", "W_UNREACHABLE", "W_DEFAULT_ALLOW", "I_UNCOVERED", "W_SCHEMA_UNSUPPORTED"]) {
      expect(codes.has(c as never), c).toBe(true);
    }
  });
});
