/**
 * Manifest loading (LANGUAGE.md §6): JSON text with positions → `Manifest` (tools with their
 * normalized argument types, annotations, sources) plus problems. Never throws.
 *
 * Formats, decided per file:
 *  - MCP: a `tools/list` result `{ "tools": [ {name, description?, inputSchema, annotations?} ] }`
 *    or the bare array;
 *  - OpenAI function tools: `[ {type: "function", function: {name, description?, parameters?}} ]`
 *    (also accepted: the same array under `{ "tools": [...] }`, and the flat Responses-API form
 *    `{type: "function", name, description?, parameters?}`).
 *  An array (or `tools` array) is OpenAI when its first entry has `type: "function"`, else MCP.
 *  An empty array is an MCP manifest with no tools.
 *
 * An OpenAI function without `parameters` takes no arguments: its schema is
 * `{ "type": "object", "properties": {} }`. `additionalProperties: false` is NOT added — like any
 * schema without it, extra arguments pass validation (and reading one is still E_UNKNOWN_FIELD),
 * so such a tool behaves exactly like an MCP tool declaring the same empty schema.
 *
 * Problems (`severity: "error"` becomes E_MANIFEST, `"warning"` W_SCHEMA_UNSUPPORTED):
 *  - errors: unreadable file, not JSON, no known format, an entry that is not a tool of the
 *    file's format, a tool without a string `name` or without `inputSchema`/with a non-object
 *    schema root (the root must be an object schema whose `type`, if given, is `"object"`),
 *    two tools with one name (the later one is dropped), and what the schema plan refuses: a
 *    malformed keyword value, an unresolvable or endless `$ref`, an invalid `pattern`;
 *  - warnings: a keyword not used for typing (naming tool, keyword and JSON pointer), enforced at
 *    run time when it is a 2020-12 validation keyword and ignored otherwise; a `pattern` that can
 *    backtrack catastrophically; annotation hints that are not booleans.
 *  Members not listed by §6 (`title`, `outputSchema`, `execution`, `icons`, `_meta`,
 *  `nextCursor`, ...) are ignored silently.
 *
 * Spans are UTF-16 offsets into the manifest text: a tool's entry (the object), its name string
 * (with its quotes), each property's key (`Field.source`), and the key of the member a problem
 * is about.
 */
import { readFileSync } from "node:fs";
import * as jsoncModule from "jsonc-parser";
import type { Node as JsonNode, ParseError } from "jsonc-parser";

// jsonc-parser ships UMD (Node's ESM loader sees one default export) and ESM (bundlers such
// as the VS Code extension's esbuild see named exports): take whichever this load produced.
const jsonc: typeof jsoncModule = (jsoncModule as unknown as Record<string, typeof jsoncModule | undefined>)["default"] ?? jsoncModule;
import type { Span } from "../syntax/ast.js";
import { schemaToRecord, sensitivePathsOf } from "./normalize.js";
import type { JsonSchema, Manifest, ManifestProblem, ToolAnnotations, ToolInfo } from "./types.js";
import { planSchema } from "./validate.js";

/** Manifests nested deeper than this are refused (before anything recursive reads them). */
const MAX_JSON_DEPTH = 256;
/** At most this many schema warnings per manifest, then one summary. */
const MAX_WARNINGS = 50;

/** Keywords used for typing (§6): accepted silently. */
const TYPING_KEYWORDS = new Set([
  "type",
  "properties",
  "required",
  "items",
  "enum",
  "const",
  "anyOf",
  "oneOf",
  "$ref",
  "$defs",
  "definitions",
  "additionalProperties",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "minLength",
  "maxLength",
  "pattern",
  "format",
  "minItems",
  "maxItems",
  "uniqueItems",
]);

/** Annotation keywords (§6): accepted silently. */
const ANNOTATION_KEYWORDS = new Set(["$schema", "$id", "$comment", "title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly"]);

/** 2020-12 validation keywords that the validators enforce but the types do not reflect. */
const ENFORCED_KEYWORDS = new Set([
  "not",
  "if",
  "then",
  "else",
  "allOf",
  "patternProperties",
  "propertyNames",
  "prefixItems",
  "contains",
  "minContains",
  "maxContains",
  "dependentRequired",
  "dependentSchemas",
  "minProperties",
  "maxProperties",
  "unevaluatedItems",
  "unevaluatedProperties",
]);

/** Reads and parses a manifest file. Never throws: an unreadable file is a problem. */
export function loadManifest(absPath: string, alias: string, readFile: (p: string) => string = (p) => readFileSync(p, "utf8")): Manifest {
  let text: string;
  try {
    text = readFile(absPath);
    if (typeof text !== "string") throw new Error("the file is not text");
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { file: absPath, text: "", format: "unknown", tools: [], problems: [{ severity: "error", message: `cannot read the file: ${reason}`, span: null }] };
  }
  return parseManifest(text, absPath, alias);
}

/** Parses manifest text. Never throws. */
export function parseManifest(text: string, file: string, alias: string): Manifest {
  try {
    return new ManifestParser(text, file, alias).parse();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { file, text, format: "unknown", tools: [], problems: [{ severity: "error", message: `the manifest could not be read: ${reason}`, span: null }] };
  }
}

const spanOf = (n: JsonNode): Span => ({ start: n.offset, end: n.offset + n.length });

/** The value node of member `key` of an object node (the last one when a key repeats). */
function member(obj: JsonNode | undefined, key: string): JsonNode | undefined {
  if (obj === undefined || obj.type !== "object" || obj.children === undefined) return undefined;
  let found: JsonNode | undefined;
  for (const prop of obj.children) {
    const [k, v] = prop.children ?? [];
    if (k !== undefined && k.value === key) found = v;
  }
  return found;
}

/** The key node of member `key` (last one). */
function memberKey(obj: JsonNode | undefined, key: string): JsonNode | undefined {
  if (obj === undefined || obj.type !== "object" || obj.children === undefined) return undefined;
  let found: JsonNode | undefined;
  for (const prop of obj.children) {
    const k = prop.children?.[0];
    if (k !== undefined && k.value === key) found = k;
  }
  return found;
}

/** The JSON value of a node; `__proto__` keys become own properties, like JSON.parse. */
export function valueOf(node: JsonNode): unknown {
  switch (node.type) {
    case "object": {
      const out: Record<string, unknown> = {};
      for (const prop of node.children ?? []) {
        const [k, v] = prop.children ?? [];
        if (k === undefined || v === undefined) continue;
        Object.defineProperty(out, String(k.value), { value: valueOf(v), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    case "array":
      return (node.children ?? []).map(valueOf);
    default:
      return node.value;
  }
}

function depthOf(root: JsonNode): number {
  let max = 0;
  const stack: [JsonNode, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [n, d] = stack.pop()!;
    if (d > max) max = d;
    if (max > MAX_JSON_DEPTH) return max;
    for (const c of n.children ?? []) stack.push([c, n.type === "property" ? d : d + 1]);
  }
  return max;
}

/** A node of the fast tree (the shape of jsonc-parser's, without `parent`). */
interface TreeNode {
  type: JsonNode["type"];
  offset: number;
  length: number;
  value?: unknown;
  children?: TreeNode[];
  colonOffset?: number;
}

/** Thrown inside `parseJsonTree` (never out of it) when the text leaves its fast path. */
const NOT_FAST: unique symbol = Symbol("not fast");

/**
 * The tree `jsonc.parseTree` builds — same node types, offsets, lengths, values, children
 * and `colonOffset`s (no `parent` links: nothing here reads them) — for strict RFC 8259
 * JSON nested at most MAX_JSON_DEPTH levels (as `depthOf` counts); undefined for any other
 * text (a syntax error, whitespace other than space, tab, CR and LF, a deeper value), which
 * jsonc-parser then reads and diagnoses. A single linear scan. Exported for its tests.
 */
export function parseJsonTree(text: string): JsonNode | undefined {
  const n = text.length;
  let i = 0;

  const skipSpace = (): void => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else return;
    }
  };

  const string = (): TreeNode => {
    const start = i;
    i++;
    let chunk = i;
    let decoded: string | null = null;
    for (;;) {
      if (i >= n) throw NOT_FAST;
      const c = text.charCodeAt(i);
      if (c === 34) break;
      if (c < 32) throw NOT_FAST;
      if (c !== 92) {
        i++;
        continue;
      }
      decoded = (decoded ?? "") + text.slice(chunk, i);
      const e = text.charCodeAt(i + 1);
      switch (e) {
        case 34:
          decoded += '"';
          break;
        case 92:
          decoded += "\\";
          break;
        case 47:
          decoded += "/";
          break;
        case 98:
          decoded += "\b";
          break;
        case 102:
          decoded += "\f";
          break;
        case 110:
          decoded += "\n";
          break;
        case 114:
          decoded += "\r";
          break;
        case 116:
          decoded += "\t";
          break;
        case 117: {
          let code = 0;
          for (let k = i + 2; k < i + 6; k++) {
            const h = text.charCodeAt(k);
            const d = h >= 48 && h <= 57 ? h - 48 : h >= 97 && h <= 102 ? h - 87 : h >= 65 && h <= 70 ? h - 55 : -1;
            if (d < 0) throw NOT_FAST;
            code = code * 16 + d;
          }
          decoded += String.fromCharCode(code);
          i += 4;
          break;
        }
        default:
          throw NOT_FAST;
      }
      i += 2;
      chunk = i;
    }
    const value = decoded === null ? text.slice(start + 1, i) : decoded + text.slice(chunk, i);
    i++;
    return { type: "string", offset: start, length: i - start, value };
  };

  const isDigit = (c: number): boolean => c >= 48 && c <= 57;

  const number = (): TreeNode => {
    const start = i;
    if (text.charCodeAt(i) === 45) i++;
    const first = text.charCodeAt(i);
    if (first === 48) i++;
    else if (first >= 49 && first <= 57) while (isDigit(text.charCodeAt(i))) i++;
    else throw NOT_FAST;
    if (text.charCodeAt(i) === 46) {
      i++;
      if (!isDigit(text.charCodeAt(i))) throw NOT_FAST;
      while (isDigit(text.charCodeAt(i))) i++;
    }
    const e = text.charCodeAt(i);
    if (e === 101 || e === 69) {
      i++;
      const sign = text.charCodeAt(i);
      if (sign === 43 || sign === 45) i++;
      if (!isDigit(text.charCodeAt(i))) throw NOT_FAST;
      while (isDigit(text.charCodeAt(i))) i++;
    }
    return { type: "number", offset: start, length: i - start, value: Number(text.slice(start, i)) };
  };

  const word = (w: string, value: boolean | null): TreeNode => {
    if (!text.startsWith(w, i)) throw NOT_FAST;
    const start = i;
    i += w.length;
    return { type: value === null ? "null" : "boolean", offset: start, length: w.length, value };
  };

  /** A value nested in `depth` containers. */
  const value = (depth: number): TreeNode => {
    const c = text.charCodeAt(i);
    let node: TreeNode;
    if (c === 123) node = object(depth);
    else if (c === 91) node = array(depth);
    else if (c === 34) node = string();
    else if (c === 45 || isDigit(c)) node = number();
    else if (c === 116) node = word("true", true);
    else if (c === 102) node = word("false", false);
    else if (c === 110) node = word("null", null);
    else throw NOT_FAST;
    // A value ends at a delimiter (jsonc would read `truex` or `1x` as one bad token).
    const next = text.charCodeAt(i);
    if (i < n && next !== 44 && next !== 93 && next !== 125 && next !== 58 && next !== 32 && next !== 10 && next !== 13 && next !== 9) throw NOT_FAST;
    return node;
  };

  const object = (depth: number): TreeNode => {
    if (depth + 1 > MAX_JSON_DEPTH) throw NOT_FAST;
    const start = i;
    const children: TreeNode[] = [];
    i++;
    skipSpace();
    if (text.charCodeAt(i) === 125) {
      i++;
      return { type: "object", offset: start, length: i - start, children };
    }
    for (;;) {
      if (text.charCodeAt(i) !== 34) throw NOT_FAST;
      const key = string();
      skipSpace();
      if (text.charCodeAt(i) !== 58) throw NOT_FAST;
      const colonOffset = i;
      i++;
      skipSpace();
      const v = value(depth + 1);
      children.push({ type: "property", offset: key.offset, length: v.offset + v.length - key.offset, children: [key, v], colonOffset });
      skipSpace();
      const c = text.charCodeAt(i);
      i++;
      if (c === 125) return { type: "object", offset: start, length: i - start, children };
      if (c !== 44) throw NOT_FAST;
      skipSpace();
    }
  };

  const array = (depth: number): TreeNode => {
    if (depth + 1 > MAX_JSON_DEPTH) throw NOT_FAST;
    const start = i;
    const children: TreeNode[] = [];
    i++;
    skipSpace();
    if (text.charCodeAt(i) === 93) {
      i++;
      return { type: "array", offset: start, length: i - start, children };
    }
    for (;;) {
      children.push(value(depth + 1));
      skipSpace();
      const c = text.charCodeAt(i);
      i++;
      if (c === 93) return { type: "array", offset: start, length: i - start, children };
      if (c !== 44) throw NOT_FAST;
      skipSpace();
    }
  };

  try {
    skipSpace();
    const root = value(0);
    skipSpace();
    return i === n ? (root as JsonNode) : undefined;
  } catch (e) {
    if (e === NOT_FAST) return undefined;
    return undefined;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function decodeSegment(s: string): string {
  return s.replace(/~1/g, "/").replace(/~0/g, "~");
}

/** One entry of the tools array, read in its format. */
interface Entry {
  readonly node: JsonNode;
  readonly index: number;
  readonly name: string;
  readonly nameNode: JsonNode;
  readonly description: string | null;
  /** The schema node, or null for an OpenAI function without `parameters`. */
  readonly schemaNode: JsonNode | null;
  readonly annotationsNode: JsonNode | undefined;
}

class ManifestParser {
  private readonly problems: ManifestProblem[] = [];
  private warnings = 0;
  private droppedWarnings = 0;
  /** The text as parsed (a byte-order mark blanked) when it is strict JSON (the fast tree), else null. */
  private strict: string | null = null;

  constructor(
    private readonly text: string,
    private readonly file: string,
    private readonly alias: string,
  ) {}

  parse(): Manifest {
    // A byte-order mark is not JSON; blank it without moving offsets.
    const source = this.text.charCodeAt(0) === 0xfeff ? ` ${this.text.slice(1)}` : this.text;
    // Strict, shallow-enough JSON (every valid manifest) takes the fast tree; anything else
    // goes through jsonc-parser, which names the first problem.
    let root: JsonNode | undefined = parseJsonTree(source);
    if (root !== undefined) this.strict = source;
    else {
      const errors: ParseError[] = [];
      try {
        root = jsonc.parseTree(source, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
      } catch {
        return this.result("unknown", [], { message: "the manifest is nested too deeply to be read", span: null });
      }
      if (errors.length > 0 || root === undefined) {
        const first = errors[0];
        const what = first === undefined ? "no JSON value" : jsonc.printParseErrorCode(first.error);
        const span = first === undefined ? null : { start: first.offset, end: first.offset + Math.max(first.length, 1) };
        return this.result("unknown", [], { message: `not valid JSON (${what})`, span });
      }
      if (depthOf(root) > MAX_JSON_DEPTH) return this.result("unknown", [], { message: `the manifest is nested more than ${MAX_JSON_DEPTH} levels deep`, span: null });
    }

    let list: JsonNode | undefined;
    if (root.type === "array") list = root;
    else if (root.type === "object") {
      list = member(root, "tools");
      if (list === undefined || list.type !== "array") {
        return this.result("unknown", [], {
          message: "not a known manifest format: expected an MCP `tools/list` result (`{ \"tools\": [...] }`), an array of MCP tools, or an array of OpenAI function tools",
          span: spanOf(list ?? root),
        });
      }
    } else {
      return this.result("unknown", [], { message: "not a known manifest format: the top level must be an object or an array", span: spanOf(root) });
    }
    const entries = list.children ?? [];
    const first = entries[0];
    const format: "mcp" | "openai" = first !== undefined && first.type === "object" && member(first, "type")?.value === "function" ? "openai" : "mcp";

    const tools: ToolInfo[] = [];
    const byName = new Map<string, number>();
    entries.forEach((node, index) => {
      const entry = format === "mcp" ? this.mcpEntry(node, index) : this.openaiEntry(node, index);
      if (entry === null) return;
      const earlier = byName.get(entry.name);
      if (earlier !== undefined) {
        this.error(`two tools are named \`${entry.name}\` (entries ${earlier + 1} and ${index + 1}); the later one is ignored`, spanOf(entry.nameNode));
        return;
      }
      byName.set(entry.name, index);
      const tool = this.tool(entry);
      if (tool !== null) tools.push(tool);
    });
    if (this.droppedWarnings > 0) {
      this.problems.push({ severity: "warning", message: `${this.droppedWarnings} more schema keyword warnings are not shown`, span: null });
    }
    return { file: this.file, text: this.text, format, tools, problems: this.problems };
  }

  /**
   * The JSON value of a node. In strict JSON, `JSON.parse` of the node's text gives exactly
   * `valueOf`'s value (keys in the same order, a repeated key keeping its first position and
   * last value, `__proto__` an own property) without walking the tree.
   */
  private jsonValue(node: JsonNode): unknown {
    return this.strict === null ? valueOf(node) : JSON.parse(this.strict.slice(node.offset, node.offset + node.length));
  }

  private result(format: Manifest["format"], tools: ToolInfo[], error: { message: string; span: Span | null }): Manifest {
    this.problems.push({ severity: "error", ...error });
    return { file: this.file, text: this.text, format, tools, problems: this.problems };
  }

  private error(message: string, span: Span | null): void {
    this.problems.push({ severity: "error", message, span });
  }

  private warning(message: string, span: Span | null): void {
    if (this.warnings >= MAX_WARNINGS) {
      this.droppedWarnings++;
      return;
    }
    this.warnings++;
    this.problems.push({ severity: "warning", message, span });
  }

  private entryName(node: JsonNode, index: number, nameNode: JsonNode | undefined, where: string): { name: string; nameNode: JsonNode } | null {
    if (nameNode === undefined) {
      this.error(`entry ${index + 1} has no \`name\`${where}`, spanOf(node));
      return null;
    }
    if (nameNode.type !== "string" || typeof nameNode.value !== "string" || nameNode.value === "") {
      this.error(`entry ${index + 1}: \`name\` must be a non-empty string`, spanOf(nameNode));
      return null;
    }
    return { name: nameNode.value, nameNode };
  }

  private mcpEntry(node: JsonNode, index: number): Entry | null {
    if (node.type !== "object") {
      this.error(`entry ${index + 1} is not an MCP tool (an object with \`name\` and \`inputSchema\`)`, spanOf(node));
      return null;
    }
    const named = this.entryName(node, index, member(node, "name"), "");
    if (named === null) return null;
    const schemaNode = member(node, "inputSchema");
    if (schemaNode === undefined) {
      this.error(`tool \`${named.name}\` has no \`inputSchema\``, spanOf(named.nameNode));
      return null;
    }
    const desc = member(node, "description");
    return {
      node,
      index,
      ...named,
      description: desc?.type === "string" ? (desc.value as string) : null,
      schemaNode,
      annotationsNode: member(node, "annotations"),
    };
  }

  private openaiEntry(node: JsonNode, index: number): Entry | null {
    if (node.type !== "object" || member(node, "type")?.value !== "function") {
      this.error(`entry ${index + 1} is not an OpenAI function tool (\`{ "type": "function", "function": {...} }\`)`, spanOf(node));
      return null;
    }
    const fn = member(node, "function");
    let holder: JsonNode = node;
    if (fn !== undefined) {
      if (fn.type !== "object") {
        this.error(`entry ${index + 1}: \`function\` must be an object`, spanOf(fn));
        return null;
      }
      holder = fn;
    }
    const named = this.entryName(node, index, member(holder, "name"), fn === undefined ? " (and no `function` object)" : " in its `function`");
    if (named === null) return null;
    const desc = member(holder, "description");
    return {
      node,
      index,
      ...named,
      description: desc?.type === "string" ? (desc.value as string) : null,
      schemaNode: member(holder, "parameters") ?? null,
      annotationsNode: undefined,
    };
  }

  private tool(entry: Entry): ToolInfo | null {
    const { name, schemaNode } = entry;
    const schema: JsonSchema = schemaNode === null ? { type: "object", properties: {} } : (this.jsonValue(schemaNode) as JsonSchema);
    if (!isObject(schema)) {
      this.error(`tool \`${name}\`: its input schema must be an object schema (\`{ "type": "object", ... }\`)`, spanOf(schemaNode!));
      return null;
    }
    const type = schema.type;
    if (type !== undefined && type !== "object" && !(Array.isArray(type) && type.length === 1 && type[0] === "object")) {
      const typeKey = memberKey(schemaNode ?? undefined, "type");
      this.error(`tool \`${name}\`: its input schema must describe an object (\`"type": "object"\`), not ${JSON.stringify(type)}`, typeKey ? spanOf(typeKey) : null);
      return null;
    }
    const locate = (pointer: string): Span | null => (schemaNode === null ? null : this.locate(schemaNode, pointer));
    this.checkSchema(name, schema, locate);
    const input = schemaToRecord(schema, { file: this.file, locate });
    return {
      alias: this.alias,
      name,
      qualified: `${this.alias}.${name}`,
      description: entry.description,
      input,
      schema,
      annotations: this.annotations(name, entry.annotationsNode),
      sensitivePaths: sensitivePathsOf(input),
      source: { file: this.file, span: spanOf(entry.node), nameSpan: spanOf(entry.nameNode) },
    };
  }

  /** The span of the member at `pointer` below `schemaNode`: its key for object members, else the value. */
  private locate(schemaNode: JsonNode, pointer: string): Span | null {
    if (pointer === "") return spanOf(schemaNode);
    let cur: JsonNode | undefined = schemaNode;
    let key: JsonNode | undefined;
    for (const raw of pointer.slice(1).split("/")) {
      const seg = decodeSegment(raw);
      if (cur === undefined) return null;
      if (cur.type === "object") {
        key = memberKey(cur, seg);
        cur = member(cur, seg);
      } else if (cur.type === "array") {
        key = undefined;
        cur = /^(0|[1-9]\d*)$/.test(seg) ? cur.children?.[Number(seg)] : undefined;
      } else return null;
    }
    if (cur === undefined) return null;
    return spanOf(key ?? cur);
  }

  /** Plan problems (errors, unsafe patterns) and keyword warnings for one tool's schema. */
  private checkSchema(tool: string, schema: JsonSchema, locate: (pointer: string) => Span | null): void {
    const plan = planSchema(schema);
    for (const p of plan.problems) {
      const message = `tool \`${tool}\`: ${p.message} (at \`#${p.pointer}\`)`;
      if (p.severity === "error") this.error(message, locate(p.pointer));
      else this.warning(message, locate(p.pointer));
    }
    // Keyword warnings, once per reachable schema object (unreferenced `$defs` entries do not matter).
    for (const node of plan.nodes) {
      if (node.bool !== null) continue;
      const s = resolvePointer(schema, node.pointer);
      if (!isObject(s)) continue;
      for (const k of Object.keys(s)) {
        if (ANNOTATION_KEYWORDS.has(k)) continue;
        const at = `${node.pointer}/${k.replace(/~/g, "~0").replace(/\//g, "~1")}`;
        let what: string | null = null;
        if (k === "items" && Array.isArray(s.items)) what = "in its draft-07 tuple form is not used for typing (it is enforced as `prefixItems`)";
        else if (k === "additionalItems") what = Array.isArray(s.items) ? "is not used for typing (it is still enforced)" : "is not a 2020-12 keyword here and is ignored";
        else if (TYPING_KEYWORDS.has(k)) continue;
        else if (ENFORCED_KEYWORDS.has(k)) what = "is not used for typing (it is still enforced)";
        else what = "is not supported and is ignored";
        this.warning(`tool \`${tool}\`: keyword \`${k}\` at \`#${node.pointer}\` ${what}`, locate(at));
      }
    }
  }

  private annotations(tool: string, node: JsonNode | undefined): ToolAnnotations {
    const hint = (key: string): boolean | undefined => {
      const v = member(node, key);
      if (v === undefined || v.type === "null") return undefined;
      if (v.type === "boolean") return v.value as boolean;
      this.warning(`tool \`${tool}\`: annotation \`${key}\` is not a boolean and is ignored`, spanOf(v));
      return undefined;
    };
    if (node !== undefined && node.type !== "object" && node.type !== "null") {
      this.warning(`tool \`${tool}\`: \`annotations\` is not an object and is ignored`, spanOf(node));
      node = undefined;
    }
    const readOnly = hint("readOnlyHint") ?? false;
    return {
      readOnly,
      destructive: hint("destructiveHint") ?? !readOnly,
      idempotent: hint("idempotentHint") ?? false,
      openWorld: hint("openWorldHint") ?? true,
    };
  }
}

function resolvePointer(root: unknown, pointer: string): unknown {
  if (pointer === "") return root;
  let cur = root;
  for (const raw of pointer.slice(1).split("/")) {
    const seg = decodeSegment(raw);
    if (Array.isArray(cur)) cur = cur[Number(seg)];
    else if (isObject(cur) && Object.hasOwn(cur, seg)) cur = cur[seg];
    else return undefined;
  }
  return cur;
}
