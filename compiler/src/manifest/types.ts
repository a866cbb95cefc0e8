/**
 * Internal types: what JSON Schema (manifests) and `context` declarations normalize
 * into, once. The checker never reads raw schema; the validators and generators read
 * the normalized `JsonSchema` kept beside each tool.
 */
import type { Span } from "../syntax/ast.js";

export type LiteralValue = string | number | boolean | null;

export type Type =
  | { readonly kind: "string" }
  | { readonly kind: "number" }
  | { readonly kind: "integer" }
  | { readonly kind: "boolean" }
  | { readonly kind: "null" }
  /** One JSON value (`enum` / `const` members become literal types). */
  | { readonly kind: "literal"; readonly value: LiteralValue }
  | { readonly kind: "list"; readonly element: Type }
  | RecordType
  | { readonly kind: "union"; readonly members: readonly Type[] }
  /** A schema that does not constrain the value (`{}`, `true`, unsupported): any JSON value. */
  | { readonly kind: "any" }
  /** The element type of `[]`: assignable to anything. */
  | { readonly kind: "never" }
  /** Semantic-only types (never from a manifest). */
  | { readonly kind: "url" }
  | { readonly kind: "path" }
  | { readonly kind: "tool" }
  | { readonly kind: "session" }
  | { readonly kind: "agent" }
  | { readonly kind: "label" }
  | { readonly kind: "lambda"; readonly param: Type; readonly result: Type };

export interface RecordType {
  readonly kind: "record";
  readonly fields: ReadonlyMap<string, Field>;
  /** true when other keys are allowed (`additionalProperties` absent or not false). Reading one is still E_UNKNOWN_FIELD. */
  readonly open: boolean;
}

export interface Field {
  readonly name: string;
  readonly type: Type;
  /** Not in `required` (may be missing). Nullability is in `type` (a union with `null`). */
  readonly optional: boolean;
  readonly description: string | null;
  /** `writeOnly: true` or `format: "password"`: redacted in audit records. */
  readonly sensitive: boolean;
  /** Where the property is declared in its manifest (offsets into the manifest text), when known. */
  readonly source: { readonly file: string; readonly span: Span } | null;
}

export const T = {
  string: { kind: "string" } as Type,
  number: { kind: "number" } as Type,
  integer: { kind: "integer" } as Type,
  boolean: { kind: "boolean" } as Type,
  null: { kind: "null" } as Type,
  any: { kind: "any" } as Type,
  never: { kind: "never" } as Type,
  url: { kind: "url" } as Type,
  path: { kind: "path" } as Type,
  list: (element: Type): Type => ({ kind: "list", element }),
  literal: (value: LiteralValue): Type => ({ kind: "literal", value }),
  union: (members: readonly Type[]): Type => (members.length === 1 ? members[0] : { kind: "union", members }),
};

/** JSON Schema as stored after loading: local `$ref`s still present, resolved against `root`. */
export type JsonSchema = boolean | { readonly [key: string]: unknown };

/** MCP annotations with MCP's defaults applied (LANGUAGE.md §6). */
export interface ToolAnnotations {
  readonly readOnly: boolean;
  readonly destructive: boolean;
  readonly idempotent: boolean;
  readonly openWorld: boolean;
}

/** One tool of one manifest, normalized. */
export interface ToolInfo {
  /** The `tools` alias it was loaded under. */
  readonly alias: string;
  /** The bare tool name (`tool.name`). */
  readonly name: string;
  /** `ALIAS.NAME` */
  readonly qualified: string;
  readonly description: string | null;
  /** The type of `args` (a record type). */
  readonly input: RecordType;
  /** The tool's input schema exactly as the manifest gives it (the root for local `$ref`). */
  readonly schema: JsonSchema;
  readonly annotations: ToolAnnotations;
  /** Paths (lists of property names, `*` for any list element) of sensitive fields, for redaction. */
  readonly sensitivePaths: readonly (readonly string[])[];
  /** The manifest file and where this tool's entry stands in it (offsets into the manifest text). */
  readonly source: { readonly file: string; readonly span: Span; readonly nameSpan: Span };
}

/** A problem found in a manifest; the program reports it at the `tools` line. */
export interface ManifestProblem {
  readonly severity: "error" | "warning";
  /** Human text, e.g. "tool `x`: keyword `not` is not used for typing" */
  readonly message: string;
  /** Where in the manifest, when known (offsets into the manifest text). */
  readonly span: Span | null;
}

export interface Manifest {
  /** Absolute path. */
  readonly file: string;
  readonly text: string;
  readonly format: "mcp" | "openai" | "unknown";
  readonly tools: readonly ToolInfo[];
  readonly problems: readonly ManifestProblem[];
}

/** Renders a type the way messages show it: `string`, `"a" | "b"`, `[number]`, `{ id: string, n?: integer }`. */
export function typeToString(t: Type, depth = 0): string {
  switch (t.kind) {
    case "literal":
      return JSON.stringify(t.value);
    case "list":
      return `[${typeToString(t.element, depth + 1)}]`;
    case "record": {
      if (depth > 1) return "{ ... }";
      const fs = [...t.fields.values()].map((f) => `${f.name}${f.optional ? "?" : ""}: ${typeToString(f.type, depth + 1)}`);
      return fs.length ? `{ ${fs.join(", ")} }` : "{}";
    }
    case "union":
      return t.members.map((m) => typeToString(m, depth + 1)).join(" | ");
    case "lambda":
      return `(${typeToString(t.param, depth + 1)}) => ${typeToString(t.result, depth + 1)}`;
    default:
      return t.kind;
  }
}
