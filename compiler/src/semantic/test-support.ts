/**
 * Test support for the semantic layer's tests (not part of the public API): a policy
 * checked from text against in-memory manifests, with diagnostics rendered as
 * `line:col CODE message` lines, and a small manifest with every kind of field.
 */
import { dirname, resolve } from "node:path";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { sortDiagnostics } from "../diagnostics/diagnostic.js";
import { loadManifest } from "../manifest/load.js";
import type { Manifest } from "../manifest/types.js";
import { parseDocument } from "../syntax/parse.js";
import { checkDocument } from "./checker.js";
import type { PolicyModel } from "./model.js";

const POLICY_FILE = "/virtual/policy.agentpolicy";

export interface Checked {
  readonly model: PolicyModel;
  /** Parse and check diagnostics, sorted. */
  readonly diagnostics: readonly Diagnostic[];
  /** Only the checker's diagnostics, sorted. */
  readonly semantic: readonly Diagnostic[];
  readonly text: string;
}

/** Parses and checks `policy`; `manifests` maps a path (relative to the policy) to its JSON text or value. */
export function checkText(policy: string, manifests: Readonly<Record<string, unknown>> = {}, file = POLICY_FILE): Checked {
  const files = new Map<string, string>();
  for (const [p, v] of Object.entries(manifests)) files.set(resolve(dirname(file), p), typeof v === "string" ? v : JSON.stringify(v, null, 2));
  const parsed = parseDocument(policy, file);
  const loaded = new Map<string, Manifest | null>();
  for (const d of parsed.document.declarations) {
    if (d.kind !== "ToolsDecl" || loaded.has(d.alias.name)) continue;
    const path = resolve(dirname(file), d.path.value);
    loaded.set(
      d.alias.name,
      loadManifest(path, d.alias.name, (p) => {
        const t = files.get(p);
        if (t === undefined) throw new Error(`ENOENT: ${p}`);
        return t;
      }),
    );
  }
  const checked = checkDocument(parsed.document, loaded);
  return {
    model: checked.model,
    diagnostics: sortDiagnostics([...parsed.diagnostics, ...checked.diagnostics]),
    semantic: sortDiagnostics(checked.diagnostics),
    text: policy,
  };
}

/** 1-based line and column (UTF-16) of an offset. */
export function lineCol(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

/** `line:col CODE message` per diagnostic of the policy file (related and manifest diagnostics omitted). */
export function render(text: string, ds: readonly Diagnostic[]): string {
  return ds
    .map((d) => {
      const { line, column } = lineCol(text, d.span.start);
      return `${line}:${column} ${d.code} ${d.message}`;
    })
    .join("\n");
}

/** The codes of the diagnostics, in order. */
export const codes = (ds: readonly Diagnostic[]): string[] => ds.map((d) => d.code);

/** The text a diagnostic's span covers. */
export const spanText = (text: string, d: Diagnostic): string => text.slice(d.span.start, d.span.end);

const str = { type: "string" };

/** `fs`: tools with every shape of field (enum, optional, nullable, lists, nested records). */
export const FS_MANIFEST = {
  tools: [
    {
      name: "read_file",
      description: "Read a file.",
      inputSchema: {
        type: "object",
        properties: {
          path: str,
          encoding: { enum: ["utf8", "base64"] },
          limit: { type: "integer", minimum: 1 },
          head: { type: ["integer", "null"] },
        },
        required: ["path"],
      },
      annotations: { readOnlyHint: true },
    },
    {
      name: "write_file",
      description: "Write a file.",
      inputSchema: {
        type: "object",
        properties: {
          path: str,
          content: str,
          mode: { enum: ["create", "overwrite", "append"] },
          tags: { type: "array", items: str },
          cc: { anyOf: [{ type: "array", items: str }, { type: "null" }] },
          options: {
            type: "object",
            properties: { backup: { type: "boolean" }, owner: { type: "object", properties: { name: str } } },
            required: ["backup"],
          },
          size: { type: "number" },
        },
        required: ["path", "content", "mode"],
      },
    },
    {
      name: "list_directory",
      description: "List a directory.",
      inputSchema: {
        type: "object",
        properties: { path: str, depth: { type: "integer" }, page: { type: "integer" }, ratio: { type: "number" } },
        required: ["path", "page", "ratio"],
      },
      annotations: { readOnlyHint: true },
    },
  ],
};

/** A policy header plus `tools fs from "./fs.json"`. */
export const FS_HEADER = 'policy t\ntools fs from "./fs.json"\n';

/** Checks `FS_HEADER + body` against FS_MANIFEST. */
export function checkFs(body: string, extra: Readonly<Record<string, unknown>> = {}): Checked {
  return checkText(FS_HEADER + body, { "./fs.json": FS_MANIFEST, ...extra });
}
