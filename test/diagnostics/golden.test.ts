/**
 * Golden diagnostics: each folder under cases/ holds `policy.agentpolicy`, the manifests
 * it loads, and `expected.txt` — the parse and check diagnostics of the policy, one
 * `LINE:COL CODE message` line each (related locations indented below). Accept changes
 * with `npx vitest run test/diagnostics -u` and review them as diffs.
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../../compiler/src/diagnostics/diagnostic.js";
import { sortDiagnostics } from "../../compiler/src/diagnostics/diagnostic.js";
import { loadManifest } from "../../compiler/src/manifest/load.js";
import type { Manifest } from "../../compiler/src/manifest/types.js";
import { checkDocument } from "../../compiler/src/semantic/checker.js";
import { parseDocument } from "../../compiler/src/syntax/parse.js";

const CASES = join(dirname(fileURLToPath(import.meta.url)), "cases");

function lineCol(text: string, offset: number): string {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++)
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  return `${line}:${offset - start + 1}`;
}

function render(policyFile: string, texts: ReadonlyMap<string, string>, ds: readonly Diagnostic[]): string {
  const out: string[] = [];
  for (const d of ds) {
    const text = texts.get(d.file) ?? "";
    const where = d.file === policyFile ? lineCol(text, d.span.start) : `${basename(d.file)}:${lineCol(text, d.span.start)}`;
    out.push(`${where} ${d.code} ${d.message}`);
    for (const r of d.related) {
      const rt = texts.get(r.file) ?? "";
      const rw = r.file === policyFile ? lineCol(rt, r.span.start) : `${basename(r.file)}:${lineCol(rt, r.span.start)}`;
      out.push(`    ${rw} ${r.message}`);
    }
  }
  // Messages may quote absolute paths: show them relative to the case folder.
  const dir = dirname(policyFile);
  return out.length ? `${out.join("\n").split(`${dir}/`).join("./")}\n` : "(no diagnostics)\n";
}

/** Parses and checks a policy file from disk, as the CLI would (without the analyses). */
function checkCase(dir: string): string {
  const file = join(dir, "policy.agentpolicy");
  const text = readFileSync(file, "utf8");
  const texts = new Map<string, string>([[file, text]]);
  const parsed = parseDocument(text, file);
  const manifests = new Map<string, Manifest | null>();
  for (const d of parsed.document.declarations) {
    if (d.kind !== "ToolsDecl" || manifests.has(d.alias.name)) continue;
    const path = resolve(dir, d.path.value);
    const m = loadManifest(path, d.alias.name, (p) => readFileSync(p, "utf8"));
    manifests.set(d.alias.name, m);
    if (m) texts.set(m.file, m.text);
  }
  const checked = checkDocument(parsed.document, manifests);
  return render(file, texts, sortDiagnostics([...parsed.diagnostics, ...checked.diagnostics]));
}

describe("golden diagnostics", () => {
  for (const name of readdirSync(CASES).sort()) {
    it(name, async () => {
      const dir = join(CASES, name);
      await expect(checkCase(dir)).toMatchFileSnapshot(join(dir, "expected.txt"));
    });
  }
});
