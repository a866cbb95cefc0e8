/**
 * The facade of the compiler: a policy file (and the manifests it loads) in,
 * diagnostics and a checked model out. Commands, tests and the language server go
 * through here; nothing below it reads files.
 */
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { analyze } from "./analysis/index.js";
import type { Diagnostic } from "./diagnostics/diagnostic.js";
import { hasErrors, sortDiagnostics } from "./diagnostics/diagnostic.js";
import { loadManifest } from "./manifest/load.js";
import type { Manifest } from "./manifest/types.js";
import type { PolicyModel } from "./semantic/model.js";
import { checkDocument } from "./semantic/checker.js";
import type { Document } from "./syntax/ast.js";
import { parseDocument } from "./syntax/parse.js";

/** How the compiler reads files; the language server substitutes open editor buffers. */
export interface CompilerHost {
  /** Throws when the file cannot be read. */
  readFile(absPath: string): string;
}

export const nodeHost: CompilerHost = { readFile: (p) => readFileSync(p, "utf8") };

export interface CheckedPolicy {
  /** Absolute path of the policy file. */
  readonly file: string;
  readonly text: string;
  readonly document: Document;
  /** Manifests by alias (null when the file could not be loaded), keyed by the first declaration of each alias. */
  readonly manifests: ReadonlyMap<string, Manifest | null>;
  readonly model: PolicyModel;
  /** Parse and check diagnostics, sorted. */
  readonly diagnostics: readonly Diagnostic[];
  readonly ok: boolean;
  /** The text of the policy or of one of its manifests, by absolute path (for code frames). */
  source(file: string): string | undefined;
}

/** Parses and checks policy text that lives (or would live) at `file`. Never throws. */
export function checkSource(text: string, file: string, host: CompilerHost = nodeHost): CheckedPolicy {
  const abs = isAbsolute(file) ? file : resolve(file);
  const parsed = parseDocument(text, abs);
  const manifests = new Map<string, Manifest | null>();
  for (const decl of parsed.document.declarations) {
    if (decl.kind !== "ToolsDecl" || manifests.has(decl.alias.name)) continue;
    const path = resolve(dirname(abs), decl.path.value);
    manifests.set(decl.alias.name, decl.path.value === "" ? null : loadManifest(path, decl.alias.name, (p) => host.readFile(p)));
  }
  const checked = checkDocument(parsed.document, manifests);
  const found = [...parsed.diagnostics, ...checked.diagnostics];
  // The analyses read a complete model only: on a broken policy they would report noise.
  if (!hasErrors(found)) found.push(...analyze(checked.model));
  const diagnostics = sortDiagnostics(found);
  const byFile = new Map<string, string>([[abs, text]]);
  for (const m of manifests.values()) if (m) byFile.set(m.file, m.text);
  return {
    file: abs,
    text,
    document: parsed.document,
    manifests,
    model: checked.model,
    diagnostics,
    ok: !hasErrors(diagnostics),
    source: (f) => byFile.get(f),
  };
}

export type LoadResult = { readonly ok: true; readonly policy: CheckedPolicy } | { readonly ok: false; readonly error: string };

/** Reads and checks a policy file; a file that cannot be read is an error for the caller (usage), not a diagnostic. */
export function checkFile(file: string, host: CompilerHost = nodeHost): LoadResult {
  const abs = resolve(file);
  let text: string;
  try {
    text = host.readFile(abs);
  } catch (e) {
    return { ok: false, error: `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  }
  return { ok: true, policy: checkSource(text, abs, host) };
}
