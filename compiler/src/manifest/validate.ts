/**
 * Argument validation (LANGUAGE.md §12 "Argument validation"): JSON Schema 2020-12, whatever
 * `$schema` says, every validation keyword except `format` (an annotation only).
 *
 * Two parts live here:
 *  - `planSchema`: reads a schema ONCE into a graph of `SchemaNode`s — keywords checked for
 *    well-formedness, `$ref`s resolved, patterns compiled and classified, cycles and excessive
 *    nesting found, every failure message prepared. Both validators read the plan, never the raw
 *    schema, so they cannot disagree about what a schema means or how a failure is worded.
 *  - `validate`: the reference validator, interpreting the plan. `emit/validator-codegen.ts`
 *    compiles the same plan into straight-line JavaScript that must return the same messages.
 *
 * Contract shared by both validators (the differential tests hold them to it):
 *  - The value is first checked to be JSON: finite numbers, strings, booleans, null, arrays
 *    without holes, plain objects (prototype `Object.prototype`, another realm's, or null); arrays and objects nested at most MAX_VALUE_DEPTH deep.
 *    Otherwise the only message is "`PTR` is not a JSON value" / "`PTR` is nested too deeply".
 *  - Keywords are evaluated in a fixed order (see `check`); failures are collected in that order
 *    and evaluation stops at MAX_ERRORS messages. A message is `PTR SUFFIX` where PTR is the JSON
 *    pointer of the failing value in backticks (or `value` for the whole value) and SUFFIX is
 *    prepared in the plan ("must be an integer", "is required", ...).
 *  - Messages from inside `anyOf`/`oneOf`/`not`/`if`/`contains`/`propertyNames` subschemas are not
 *    reported: those keywords are decided in boolean mode and report one message of their own.
 *  - No coercion; integers are numbers with no fraction (`1.0` is one); string lengths count code
 *    points; `pattern` is unanchored with the `u` flag; a pattern that fails `checkRegex` is
 *    enforced only on strings of at most UNSAFE_PATTERN_MAX_LENGTH code points (longer strings
 *    fail), in linear time (`compileLinearRegex`) when it has a nested quantifier; one with a
 *    nested quantifier that has no linear-time matcher (it also uses a backreference or a
 *    lookaround, or is too large) cannot be enforced safely and fails every string; `multipleOf` is exact on the decimal values (`0.07` is a multiple of `0.01`);
 *    `enum`, `const` and `uniqueItems` compare deeply (`-0` equals `0`).
 *  - Draft-07 tuples are accepted: an array-valued `items` acts as `prefixItems` and then
 *    `additionalItems` as `items`. Keywords whose values are malformed are ignored here (the
 *    loader reports them as errors); a `$ref` that cannot be resolved, a schema that applies
 *    itself to the same value in a cycle, and a schema nested too deeply fail every value.
 *  - `unevaluatedProperties`/`unevaluatedItems` follow 2020-12 annotations: a key (index) is
 *    evaluated by `properties`, `patternProperties`, `additionalProperties`, `prefixItems`,
 *    `items`, matching `contains`, nested `unevaluated*`, and through `$ref`, `allOf`,
 *    `dependentSchemas` (key present), valid `anyOf`/`oneOf` members, and `if`+`then` / `else`.
 */
import { compileLinearRegex } from "@agentpolicy/runtime";
import { checkRegex, hasNestedQuantifier } from "./regex-safety.js";
import type { JsonSchema } from "./types.js";

/** At most this many messages are reported. */
export const MAX_ERRORS = 8;
/** Arrays and objects may nest this deep (the whole value is depth 0). */
export const MAX_VALUE_DEPTH = 100;
/** A pattern failing `checkRegex` is matched only against strings of at most this many code points. */
export const UNSAFE_PATTERN_MAX_LENGTH = 1000;
/** Schemas nested deeper than this (from the root, through `$ref` too) fail every value. */
export const MAX_SCHEMA_DEPTH = 128;
/** Chains of in-place applicators (`$ref`, `allOf`, `anyOf`, ...) longer than this fail every value. */
export const MAX_IN_PLACE_DEPTH = 32;

// ---------------------------------------------------------------------------------------------
// The plan

export interface PatternInfo {
  readonly source: string;
  /** null when the pattern does not compile with the `u` flag (every check against it fails). */
  readonly regex: RegExp | null;
  /** Passes `checkRegex`: matched against strings of any length. */
  readonly safe: boolean;
  /**
   * How a pattern that compiles is matched: `native` by `regex` (safe patterns, and unsafe ones
   * whose only trouble is a backreference or a lookaround), `linear` by `compileLinearRegex`
   * (unsafe ones with a nested quantifier), `refused` not at all (unsafe, nested quantifier, no
   * linear-time matcher: every string fails). `refused` for a pattern that does not compile.
   */
  readonly engine: "native" | "linear" | "refused";
  /** What `test`s strings: `regex`, the linear-time matcher, or null (does not compile, or refused). */
  readonly matcher: { test(s: string): boolean } | null;
}

/** One schema (object or boolean) of a plan. Absent keywords are null. */
export interface SchemaNode {
  /** Unique within its plan; used to name generated code. */
  readonly id: number;
  /** JSON pointer (from the plan's root) where this schema was first reached. */
  readonly pointer: string;
  /** `true`/`false` schemas; null for object schemas. */
  readonly bool: boolean | null;
  /** Set when the node fails every value: the message suffix saying why. */
  readonly broken: string | null;
  readonly types: readonly string[] | null;
  readonly enumValues: readonly unknown[] | null;
  readonly hasConst: boolean;
  readonly constValue: unknown;
  readonly multipleOf: number | null;
  readonly maximum: number | null;
  readonly exclusiveMaximum: number | null;
  readonly minimum: number | null;
  readonly exclusiveMinimum: number | null;
  readonly maxLength: number | null;
  readonly minLength: number | null;
  readonly pattern: PatternInfo | null;
  readonly maxItems: number | null;
  readonly minItems: number | null;
  readonly uniqueItems: boolean;
  readonly prefixItems: readonly SchemaNode[] | null;
  /** Applies to the items after `prefixItems`. */
  readonly items: SchemaNode | null;
  readonly contains: SchemaNode | null;
  /** Meaningful with `contains`: defaults to 1. */
  readonly minContains: number;
  readonly maxContains: number | null;
  readonly maxProperties: number | null;
  readonly minProperties: number | null;
  readonly required: readonly string[] | null;
  readonly dependentRequired: readonly (readonly [string, readonly string[]])[] | null;
  readonly properties: readonly (readonly [string, SchemaNode])[] | null;
  readonly propertySet: ReadonlySet<string>;
  readonly patternProperties: readonly (readonly [PatternInfo, SchemaNode])[] | null;
  readonly additionalProperties: SchemaNode | null;
  readonly propertyNames: SchemaNode | null;
  readonly dependentSchemas: readonly (readonly [string, SchemaNode])[] | null;
  readonly ref: SchemaNode | null;
  /** Set when `$ref` is present but cannot be resolved: the message suffix. */
  readonly refBroken: string | null;
  readonly allOf: readonly SchemaNode[] | null;
  readonly anyOf: readonly SchemaNode[] | null;
  readonly oneOf: readonly SchemaNode[] | null;
  readonly not: SchemaNode | null;
  readonly if: SchemaNode | null;
  readonly then: SchemaNode | null;
  readonly else: SchemaNode | null;
  readonly unevaluatedItems: SchemaNode | null;
  readonly unevaluatedProperties: SchemaNode | null;
  /** Prepared message suffixes. */
  readonly msg: NodeMessages;
}

export interface NodeMessages {
  readonly type: string;
  readonly enum: string;
  readonly const: string;
  readonly multipleOf: string;
  readonly maximum: string;
  readonly exclusiveMaximum: string;
  readonly minimum: string;
  readonly exclusiveMinimum: string;
  readonly maxLength: string;
  readonly minLength: string;
  readonly pattern: string;
  readonly patternTooLong: string;
  readonly maxItems: string;
  readonly minItems: string;
  readonly uniqueItems: string;
  readonly minContains: string;
  readonly maxContains: string;
  readonly maxProperties: string;
  readonly minProperties: string;
  readonly anyOf: string;
  readonly oneOfNone: string;
  readonly oneOfMany: string;
  readonly not: string;
}

/** Suffixes that do not depend on the node. */
export const FixedMessages = {
  notAllowed: "is not allowed",
  required: "is required",
  propertyName: "is not an allowed property name",
  notJson: "is not a JSON value",
  tooDeep: "is nested too deeply",
  internal: "cannot be validated",
} as const;

/** "is required when `KEY` is present" */
export function dependentRequiredMessage(key: string): string {
  return `is required when \`${truncate(key, 60)}\` is present`;
}

/** The suffix for a key too long to be matched against an unsafe (or invalid) `patternProperties` pattern. */
export function patternPropertyMessage(p: PatternInfo): string {
  if (p.regex === null) return `cannot be checked against the invalid pattern \`${truncate(p.source, 60)}\``;
  if (p.matcher === null) return unenforceablePatternMessage(p.source);
  return `has a name too long to be checked against the pattern \`${truncate(p.source, 60)}\` (at most ${UNSAFE_PATTERN_MAX_LENGTH} characters)`;
}

/** The suffix for every string checked against a pattern that cannot be enforced safely. */
export function unenforceablePatternMessage(source: string): string {
  return `cannot be checked: the pattern \`${truncate(source, 60)}\` cannot be enforced safely`;
}

export interface PlanProblem {
  readonly severity: "error" | "warning";
  /** JSON pointer from the plan's root to the keyword (or schema) concerned. */
  readonly pointer: string;
  readonly message: string;
}

export interface SchemaPlan {
  readonly root: SchemaNode;
  /** Every node reachable from the root (the root first). */
  readonly nodes: readonly SchemaNode[];
  readonly problems: readonly PlanProblem[];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type MutableNode = Mutable<SchemaNode>;

const planCache = new WeakMap<object, SchemaPlan>();

/** Reads a schema into a plan. Total: malformed parts become problems (and are ignored or fail closed). */
export function planSchema(root: JsonSchema): SchemaPlan {
  if (typeof root === "object" && root !== null) {
    const cached = planCache.get(root);
    if (cached !== undefined) return cached;
    const plan = buildPlan(root);
    planCache.set(root, plan);
    return plan;
  }
  return buildPlan(root);
}

function emptyMessages(): NodeMessages {
  return {
    type: "",
    enum: "",
    const: "",
    multipleOf: "",
    maximum: "",
    exclusiveMaximum: "",
    minimum: "",
    exclusiveMinimum: "",
    maxLength: "",
    minLength: "",
    pattern: "",
    patternTooLong: "",
    maxItems: "",
    minItems: "",
    uniqueItems: "must not contain duplicate items",
    minContains: "",
    maxContains: "",
    maxProperties: "",
    minProperties: "",
    anyOf: "",
    oneOfNone: "must match exactly one of the schemas in `oneOf` (it matches none)",
    oneOfMany: "must match exactly one of the schemas in `oneOf` (it matches several)",
    not: "must not match the schema in `not`",
  };
}

function newNode(id: number, pointer: string, bool: boolean | null): MutableNode {
  return {
    id,
    pointer,
    bool,
    broken: null,
    types: null,
    enumValues: null,
    hasConst: false,
    constValue: undefined,
    multipleOf: null,
    maximum: null,
    exclusiveMaximum: null,
    minimum: null,
    exclusiveMinimum: null,
    maxLength: null,
    minLength: null,
    pattern: null,
    maxItems: null,
    minItems: null,
    uniqueItems: false,
    prefixItems: null,
    items: null,
    contains: null,
    minContains: 1,
    maxContains: null,
    maxProperties: null,
    minProperties: null,
    required: null,
    dependentRequired: null,
    properties: null,
    propertySet: new Set(),
    patternProperties: null,
    additionalProperties: null,
    propertyNames: null,
    dependentSchemas: null,
    ref: null,
    refBroken: null,
    allOf: null,
    anyOf: null,
    oneOf: null,
    not: null,
    if: null,
    then: null,
    else: null,
    unevaluatedItems: null,
    unevaluatedProperties: null,
    msg: emptyMessages(),
  };
}

function isSchemaValue(v: unknown): v is JsonSchema {
  return typeof v === "boolean" || (typeof v === "object" && v !== null && !Array.isArray(v));
}

function own(o: object, key: string): unknown {
  return Object.hasOwn(o, key) ? (o as Record<string, unknown>)[key] : undefined;
}

/** Escapes one JSON pointer segment. */
export function escapePointerSegment(s: string): string {
  return s.replace(/~/g, "~0").replace(/\//g, "~1");
}

/** Resolves a local `$ref` ("#", "#/$defs/a", percent-encoded or not) against the root. */
export function resolveLocalRef(root: JsonSchema, ref: string): { value: unknown; pointer: string } | null {
  if (!ref.startsWith("#")) return null;
  let fragment: string;
  try {
    fragment = decodeURIComponent(ref.slice(1));
  } catch {
    return null;
  }
  if (fragment === "") return { value: root, pointer: "" };
  if (!fragment.startsWith("/")) return null;
  let cur: unknown = root;
  for (const raw of fragment.slice(1).split("/")) {
    const seg = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(cur)) {
      if (!/^(0|[1-9]\d*)$/.test(seg) || Number(seg) >= cur.length) return null;
      cur = cur[Number(seg)];
    } else if (typeof cur === "object" && cur !== null) {
      if (!Object.hasOwn(cur, seg)) return null;
      cur = (cur as Record<string, unknown>)[seg];
    } else {
      return null;
    }
  }
  return { value: cur, pointer: fragment };
}

function buildPlan(root: JsonSchema): SchemaPlan {
  const problems: PlanProblem[] = [];
  const nodes: MutableNode[] = [];
  const byObject = new Map<object, MutableNode>();
  const levels: number[] = [];
  const queue: MutableNode[] = [];
  const raw = new Map<MutableNode, object>();
  const trueNode = newNode(-1, "", true);
  const falseNode = newNode(-2, "", false);
  let trueUsed = false;
  let falseUsed = false;

  const nodeFor = (value: unknown, pointer: string, level: number): MutableNode | null => {
    if (value === true) {
      trueUsed = true;
      return trueNode;
    }
    if (value === false) {
      falseUsed = true;
      return falseNode;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
    const existing = byObject.get(value);
    if (existing !== undefined) return existing;
    const node = newNode(nodes.length, pointer, null);
    nodes.push(node);
    levels.push(level);
    byObject.set(value, node);
    raw.set(node, value);
    queue.push(node);
    return node;
  };

  const rootNode = isSchemaValue(root) ? nodeFor(root, "", 0) : null;
  if (rootNode === null) problems.push({ severity: "error", pointer: "", message: "the schema must be an object or a boolean" });

  // Breadth first, so `levels` are shortest distances from the root.
  for (let qi = 0; qi < queue.length; qi++) {
    const node = queue[qi];
    const schema = raw.get(node)!;
    const level = levels[node.id];
    if (level > MAX_SCHEMA_DEPTH) {
      node.broken = "cannot be validated: its schema is nested too deeply";
      problems.push({ severity: "error", pointer: node.pointer, message: "the schema is nested too deeply" });
      continue;
    }
    fillNode(node, schema, root, level, nodeFor, problems);
  }

  const result = rootNode ?? falseNode;
  const all: SchemaNode[] = [...nodes];
  if (trueUsed) trueNode.id = nodes.length;
  if (falseUsed || rootNode === null) falseNode.id = nodes.length + 1;
  if (trueUsed) all.push(trueNode);
  if (falseUsed || rootNode === null) all.push(falseNode);
  markCyclesAndHeights(nodes, problems);
  return { root: result, nodes: all, problems };
}

type NodeFor = (value: unknown, pointer: string, level: number) => MutableNode | null;

function fillNode(node: MutableNode, s: object, root: JsonSchema, level: number, nodeFor: NodeFor, problems: PlanProblem[]): void {
  const ptr = node.pointer;
  const msg = node.msg as Mutable<NodeMessages>;
  const bad = (keyword: string, what: string): void => {
    problems.push({ severity: "error", pointer: `${ptr}/${escapePointerSegment(keyword)}`, message: `\`${keyword}\` ${what}` });
  };
  const sub = (keyword: string, value: unknown, suffix = ""): MutableNode | null => {
    const p = `${ptr}/${escapePointerSegment(keyword)}${suffix}`;
    const n = nodeFor(value, p, level + 1);
    if (n === null) problems.push({ severity: "error", pointer: p, message: "a schema must be an object or a boolean" });
    return n;
  };
  const subList = (keyword: string, value: unknown): MutableNode[] | null => {
    if (!Array.isArray(value)) {
      bad(keyword, "must be an array of schemas");
      return null;
    }
    const out: MutableNode[] = [];
    value.forEach((v, i) => {
      const n = sub(keyword, v, `/${i}`);
      if (n !== null) out.push(n);
    });
    return out;
  };
  const subMap = (keyword: string, value: unknown): [string, MutableNode][] | null => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      bad(keyword, "must be an object of schemas");
      return null;
    }
    const out: [string, MutableNode][] = [];
    for (const k of Object.keys(value)) {
      const n = sub(keyword, (value as Record<string, unknown>)[k], `/${escapePointerSegment(k)}`);
      if (n !== null) out.push([k, n]);
    }
    return out;
  };
  const nonNegInt = (keyword: string): number | null => {
    const v = own(s, keyword);
    if (v === undefined) return null;
    if (typeof v === "number" && Number.isInteger(v) && v >= 0) return v;
    bad(keyword, "must be a non-negative integer");
    return null;
  };
  const finite = (keyword: string): number | null => {
    const v = own(s, keyword);
    if (v === undefined) return null;
    if (typeof v === "number" && Number.isFinite(v)) return v;
    bad(keyword, "must be a finite number");
    return null;
  };
  const patternInfo = (source: string, pointer: string): PatternInfo => {
    const check = checkRegex(source);
    if (check.ok) {
      const regex = new RegExp(source, "u");
      return { source, regex, safe: true, engine: "native", matcher: regex };
    }
    if (check.kind === "invalid") {
      problems.push({ severity: "error", pointer, message: `pattern \`${truncate(source, 60)}\` is not a valid regular expression: ${check.reason}` });
      return { source, regex: null, safe: false, engine: "refused", matcher: null };
    }
    const regex = new RegExp(source, "u");
    const linear = compileLinearRegex(source);
    const nested = hasNestedQuantifier(source);
    const refused = linear === null && nested;
    problems.push({
      severity: "warning",
      pointer,
      message: refused
        ? `pattern \`${truncate(source, 60)}\` can backtrack catastrophically (${check.reason}) and has no linear-time matcher; it cannot be enforced safely, so every string fails it`
        : `pattern \`${truncate(source, 60)}\` can backtrack catastrophically (${check.reason}); it is enforced only on strings of at most ${UNSAFE_PATTERN_MAX_LENGTH} characters`,
    });
    if (linear !== null) return { source, regex, safe: false, engine: "linear", matcher: linear };
    if (refused) return { source, regex, safe: false, engine: "refused", matcher: null };
    return { source, regex, safe: false, engine: "native", matcher: regex };
  };

  // type
  const type = own(s, "type");
  if (type !== undefined) {
    const list = typeof type === "string" ? [type] : Array.isArray(type) && type.every((t) => typeof t === "string") ? (type as string[]) : null;
    if (list === null) bad("type", "must be a type name or an array of type names");
    else {
      const unknown = list.filter((t) => !TYPE_NAMES.has(t));
      if (unknown.length > 0) bad("type", `names an unknown type \`${truncate(unknown[0], 40)}\``);
      node.types = [...new Set(list)];
      msg.type = typeMessage(node.types);
    }
  }
  // enum, const
  const en = own(s, "enum");
  if (en !== undefined) {
    if (Array.isArray(en)) {
      node.enumValues = en;
      msg.enum = enumMessage(en);
    } else bad("enum", "must be an array");
  }
  if (Object.hasOwn(s, "const")) {
    node.hasConst = true;
    node.constValue = own(s, "const");
    msg.const = `must be ${show(node.constValue)}`;
  }
  // numbers
  const mo = own(s, "multipleOf");
  if (mo !== undefined) {
    if (typeof mo === "number" && Number.isFinite(mo) && mo > 0) {
      node.multipleOf = mo;
      msg.multipleOf = `must be a multiple of ${String(mo)}`;
    } else bad("multipleOf", "must be a number greater than 0");
  }
  node.maximum = finite("maximum");
  if (node.maximum !== null) msg.maximum = `must be at most ${String(node.maximum)}`;
  node.exclusiveMaximum = finite("exclusiveMaximum");
  if (node.exclusiveMaximum !== null) msg.exclusiveMaximum = `must be less than ${String(node.exclusiveMaximum)}`;
  node.minimum = finite("minimum");
  if (node.minimum !== null) msg.minimum = `must be at least ${String(node.minimum)}`;
  node.exclusiveMinimum = finite("exclusiveMinimum");
  if (node.exclusiveMinimum !== null) msg.exclusiveMinimum = `must be greater than ${String(node.exclusiveMinimum)}`;
  // strings
  node.maxLength = nonNegInt("maxLength");
  if (node.maxLength !== null) msg.maxLength = `must be at most ${plural(node.maxLength, "character")} long`;
  node.minLength = nonNegInt("minLength");
  if (node.minLength !== null) msg.minLength = `must be at least ${plural(node.minLength, "character")} long`;
  const pat = own(s, "pattern");
  if (pat !== undefined) {
    if (typeof pat === "string") {
      node.pattern = patternInfo(pat, `${ptr}/pattern`);
      msg.pattern =
        node.pattern.regex === null
          ? `cannot be checked against the invalid pattern \`${truncate(pat, 60)}\``
          : node.pattern.matcher === null
            ? unenforceablePatternMessage(pat)
            : `must match the pattern \`${truncate(pat, 60)}\``;
      msg.patternTooLong = `is too long to be checked against the pattern \`${truncate(pat, 60)}\` (at most ${UNSAFE_PATTERN_MAX_LENGTH} characters)`;
    } else bad("pattern", "must be a string");
  }
  // arrays
  node.maxItems = nonNegInt("maxItems");
  if (node.maxItems !== null) msg.maxItems = `must have at most ${plural(node.maxItems, "item")}`;
  node.minItems = nonNegInt("minItems");
  if (node.minItems !== null) msg.minItems = `must have at least ${plural(node.minItems, "item")}`;
  const ui = own(s, "uniqueItems");
  if (ui !== undefined) {
    if (typeof ui === "boolean") node.uniqueItems = ui;
    else bad("uniqueItems", "must be a boolean");
  }
  const prefix = own(s, "prefixItems");
  if (prefix !== undefined) node.prefixItems = subList("prefixItems", prefix);
  const items = own(s, "items");
  if (items !== undefined) {
    if (Array.isArray(items)) {
      // Draft-07 tuple form: `items` as `prefixItems`, then `additionalItems` as `items`.
      const tuple = subList("items", items);
      if (node.prefixItems === null) node.prefixItems = tuple;
      else bad("items", "cannot be an array when `prefixItems` is present");
      const additional = own(s, "additionalItems");
      if (additional !== undefined) node.items = sub("additionalItems", additional);
    } else node.items = sub("items", items);
  }
  const contains = own(s, "contains");
  if (contains !== undefined) node.contains = sub("contains", contains);
  const minC = nonNegInt("minContains");
  if (minC !== null) node.minContains = minC;
  node.maxContains = nonNegInt("maxContains");
  msg.minContains = `must contain at least ${plural(node.minContains, "item")} matching \`contains\``;
  if (node.maxContains !== null) msg.maxContains = `must contain at most ${plural(node.maxContains, "item")} matching \`contains\``;
  // objects
  node.maxProperties = nonNegInt("maxProperties");
  if (node.maxProperties !== null) msg.maxProperties = `must have at most ${plural(node.maxProperties, "property", "properties")}`;
  node.minProperties = nonNegInt("minProperties");
  if (node.minProperties !== null) msg.minProperties = `must have at least ${plural(node.minProperties, "property", "properties")}`;
  const req = own(s, "required");
  if (req !== undefined) {
    if (Array.isArray(req) && req.every((r) => typeof r === "string")) node.required = [...new Set(req as string[])];
    else bad("required", "must be an array of strings");
  }
  const dr = own(s, "dependentRequired");
  if (dr !== undefined) {
    if (typeof dr === "object" && dr !== null && !Array.isArray(dr)) {
      const out: [string, string[]][] = [];
      for (const k of Object.keys(dr)) {
        const deps = (dr as Record<string, unknown>)[k];
        if (Array.isArray(deps) && deps.every((d) => typeof d === "string")) out.push([k, [...new Set(deps as string[])]]);
        else bad("dependentRequired", `member \`${truncate(k, 40)}\` must be an array of strings`);
      }
      node.dependentRequired = out;
    } else bad("dependentRequired", "must be an object");
  }
  const props = own(s, "properties");
  if (props !== undefined) {
    node.properties = subMap("properties", props);
    if (node.properties !== null) node.propertySet = new Set(node.properties.map(([k]) => k));
  }
  const pp = own(s, "patternProperties");
  if (pp !== undefined) {
    const entries = subMap("patternProperties", pp);
    if (entries !== null) {
      node.patternProperties = entries.map(([k, n]) => [patternInfo(k, `${ptr}/patternProperties/${escapePointerSegment(k)}`), n] as const);
    }
  }
  const ap = own(s, "additionalProperties");
  if (ap !== undefined) node.additionalProperties = sub("additionalProperties", ap);
  const pn = own(s, "propertyNames");
  if (pn !== undefined) node.propertyNames = sub("propertyNames", pn);
  const ds = own(s, "dependentSchemas");
  if (ds !== undefined) node.dependentSchemas = subMap("dependentSchemas", ds);
  // $ref
  const ref = own(s, "$ref");
  if (ref !== undefined) {
    if (typeof ref !== "string") {
      bad("$ref", "must be a string");
      node.refBroken = "cannot be validated: its `$ref` is not a string";
    } else {
      const target = resolveLocalRef(root, ref);
      const n = target !== null && isSchemaValue(target.value) ? nodeFor(target.value, target.pointer, level + 1) : null;
      if (n === null) {
        problems.push({ severity: "error", pointer: `${ptr}/$ref`, message: `\`$ref\` \`${truncate(ref, 80)}\` cannot be resolved (only local references to schemas are supported)` });
        node.refBroken = `cannot be validated: its \`$ref\` \`${truncate(ref, 60)}\` cannot be resolved`;
      } else node.ref = n;
    }
  }
  // in-place applicators
  const allOf = own(s, "allOf");
  if (allOf !== undefined) node.allOf = subList("allOf", allOf);
  const anyOf = own(s, "anyOf");
  if (anyOf !== undefined) {
    node.anyOf = subList("anyOf", anyOf);
    if (node.anyOf !== null) msg.anyOf = anyOfMessage(anyOf as unknown[]);
  }
  const oneOf = own(s, "oneOf");
  if (oneOf !== undefined) node.oneOf = subList("oneOf", oneOf);
  const not = own(s, "not");
  if (not !== undefined) node.not = sub("not", not);
  const iff = own(s, "if");
  if (iff !== undefined) node.if = sub("if", iff);
  const then = own(s, "then");
  if (then !== undefined) node.then = sub("then", then);
  const els = own(s, "else");
  if (els !== undefined) node.else = sub("else", els);
  const ui2 = own(s, "unevaluatedItems");
  if (ui2 !== undefined) node.unevaluatedItems = sub("unevaluatedItems", ui2);
  const up = own(s, "unevaluatedProperties");
  if (up !== undefined) node.unevaluatedProperties = sub("unevaluatedProperties", up);
}

/** The in-place children of a node: applied to the very same value. */
export function inPlaceChildren(n: SchemaNode): SchemaNode[] {
  const out: SchemaNode[] = [];
  if (n.ref !== null) out.push(n.ref);
  if (n.allOf !== null) out.push(...n.allOf);
  if (n.anyOf !== null) out.push(...n.anyOf);
  if (n.oneOf !== null) out.push(...n.oneOf);
  if (n.not !== null) out.push(n.not);
  if (n.if !== null) out.push(n.if);
  if (n.then !== null) out.push(n.then);
  if (n.else !== null) out.push(n.else);
  if (n.dependentSchemas !== null) for (const [, d] of n.dependentSchemas) out.push(d);
  return out;
}

/**
 * Marks nodes that apply themselves to the same value in a cycle (Tarjan's algorithm, iterative),
 * and nodes whose in-place chains are longer than MAX_IN_PLACE_DEPTH.
 */
function markCyclesAndHeights(nodes: MutableNode[], problems: PlanProblem[]): void {
  const count = nodes.length;
  const index = new Array<number>(count).fill(-1);
  const low = new Array<number>(count).fill(0);
  const onStack = new Array<boolean>(count).fill(false);
  const stack: number[] = [];
  const children = nodes.map((n) => inPlaceChildren(n).filter((c) => c.bool === null).map((c) => c.id));
  let next = 0;
  const cyclic = new Array<boolean>(count).fill(false);
  for (let start = 0; start < count; start++) {
    if (index[start] !== -1) continue;
    const work: [number, number][] = [[start, 0]];
    index[start] = low[start] = next++;
    stack.push(start);
    onStack[start] = true;
    while (work.length > 0) {
      const top = work[work.length - 1];
      const [v, ci] = top;
      if (ci < children[v].length) {
        top[1]++;
        const w = children[v][ci];
        if (index[w] === -1) {
          index[w] = low[w] = next++;
          stack.push(w);
          onStack[w] = true;
          work.push([w, 0]);
        } else if (onStack[w]) low[v] = Math.min(low[v], index[w]);
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1][0];
        low[parent] = Math.min(low[parent], low[v]);
      }
      if (low[v] === index[v]) {
        const members: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = false;
          members.push(w);
        } while (w !== v);
        if (members.length > 1 || children[v].includes(v)) for (const m of members) cyclic[m] = true;
      }
    }
  }
  let reported = false;
  for (let i = 0; i < count; i++) {
    if (!cyclic[i] || nodes[i].broken !== null) continue;
    nodes[i].broken = "cannot be validated: its schema applies itself to the same value without end";
    if (!reported) {
      problems.push({ severity: "error", pointer: nodes[i].pointer, message: "the schema refers to itself without consuming the value (an endless `$ref` cycle)" });
      reported = true;
    }
  }
  // Heights over the acyclic rest (children of a broken node do not count).
  const height = new Array<number>(count).fill(-1);
  for (let start = 0; start < count; start++) {
    if (height[start] !== -1) continue;
    const work: [number, number][] = [[start, 0]];
    while (work.length > 0) {
      const top = work[work.length - 1];
      const v = top[0];
      if (nodes[v].broken !== null) {
        height[v] = 0;
        work.pop();
        continue;
      }
      if (top[1] < children[v].length) {
        const w = children[v][top[1]++];
        if (height[w] === -1 && !work.some(([x]) => x === w)) work.push([w, 0]);
        continue;
      }
      let h = 0;
      for (const w of children[v]) h = Math.max(h, (height[w] === -1 ? 0 : height[w]) + 1);
      height[v] = h;
      work.pop();
    }
  }
  let reportedDepth = false;
  for (let i = 0; i < count; i++) {
    if (height[i] > MAX_IN_PLACE_DEPTH && nodes[i].broken === null) {
      nodes[i].broken = "cannot be validated: its schema is nested too deeply";
      if (!reportedDepth) {
        problems.push({ severity: "error", pointer: nodes[i].pointer, message: "the schema nests `$ref`/`allOf`/`anyOf`/... too deeply" });
        reportedDepth = true;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Messages

const TYPE_NAMES = new Set(["string", "number", "integer", "boolean", "null", "array", "object"]);

const TYPE_WORDS: Record<string, string> = {
  string: "a string",
  number: "a number",
  integer: "an integer",
  boolean: "a boolean",
  null: "null",
  array: "an array",
  object: "an object",
};

function typeWord(t: string): string {
  return Object.hasOwn(TYPE_WORDS, t) ? TYPE_WORDS[t] : `of type \`${truncate(t, 40)}\``;
}

function joinOr(words: readonly string[]): string {
  if (words.length <= 1) return words[0] ?? "";
  return `${words.slice(0, -1).join(", ")} or ${words[words.length - 1]}`;
}

function typeMessage(types: readonly string[]): string {
  return types.length === 0 ? "cannot be any value (its `type` list is empty)" : `must be ${joinOr(types.map(typeWord))}`;
}

function enumMessage(values: readonly unknown[]): string {
  if (values.length === 0) return "cannot be any value (its `enum` is empty)";
  if (values.length === 1) return `must be ${show(values[0])}`;
  const shown = values.slice(0, 10).map(show);
  return `must be one of ${shown.join(", ")}${values.length > 10 ? ", ..." : ""}`;
}

/** "must be a string or null" when every member is a bare `{type}`; otherwise a generic text. */
function anyOfMessage(members: readonly unknown[]): string {
  const words: string[] = [];
  for (const m of members) {
    if (typeof m !== "object" || m === null || Array.isArray(m)) return "must match at least one of the schemas in `anyOf`";
    const keys = Object.keys(m).filter((k) => !ANNOTATION_ONLY.has(k));
    const t = (m as Record<string, unknown>).type;
    if (keys.length !== 1 || keys[0] !== "type" || typeof t !== "string") return "must match at least one of the schemas in `anyOf`";
    words.push(typeWord(t));
  }
  return words.length === 0 ? "cannot be any value (its `anyOf` is empty)" : `must be ${joinOr([...new Set(words)])}`;
}

const ANNOTATION_ONLY = new Set(["$schema", "$id", "$comment", "title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly", "format"]);

function plural(n: number, word: string, pluralWord = `${word}s`): string {
  return `${n} ${n === 1 ? word : pluralWord}`;
}

function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}...` : s;
}

function show(v: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(v) ?? String(v);
  } catch {
    text = String(v);
  }
  return truncate(text, 40);
}

/** The longest pointer shown in a message, in UTF-16 units. */
export const MAX_POINTER_SHOWN = 200;

/** A whole message: "`/qty` must be an integer", "value must be an object". */
export function formatMessage(pointer: string, suffix: string): string {
  const shown = pointer.length > MAX_POINTER_SHOWN ? `${pointer.slice(0, MAX_POINTER_SHOWN)}...` : pointer;
  return `${pointer === "" ? "value" : `\`${shown}\``} ${suffix}`;
}

// ---------------------------------------------------------------------------------------------
// Shared run-time semantics (the generated code carries the same algorithms as source text)

/** Code points of a string (a lone surrogate counts as one). */
export function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** Deep equality of JSON values; numbers by `===` (so `-0` equals `0`). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  const aa = Array.isArray(a);
  if (aa !== Array.isArray(b)) return false;
  if (aa) {
    const x = a as unknown[];
    const y = b as unknown[];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!jsonEqual(x[i], y[i])) return false;
    return true;
  }
  const xk = Object.keys(a);
  if (xk.length !== Object.keys(b).length) return false;
  for (const k of xk) {
    if (!Object.hasOwn(b, k) || !jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/** `v` is an exact multiple of `m` (> 0) as decimal numbers: both are read as their shortest decimal texts. */
export function isMultipleOf(v: number, m: number): boolean {
  if (Number.isSafeInteger(v) && Number.isSafeInteger(m)) return v % m === 0;
  const a = decimalOf(v);
  const b = decimalOf(m);
  const e = Math.min(a.exp, b.exp);
  const ten = BigInt(10);
  const am = a.digits * ten ** BigInt(a.exp - e);
  const bm = b.digits * ten ** BigInt(b.exp - e);
  return am % bm === BigInt(0);
}

function decimalOf(x: number): { digits: bigint; exp: number } {
  const s = String(Math.abs(x));
  const ei = s.indexOf("e");
  const mant = ei < 0 ? s : s.slice(0, ei);
  const exp = ei < 0 ? 0 : Number(s.slice(ei + 1));
  const dot = mant.indexOf(".");
  const digits = dot < 0 ? mant : mant.slice(0, dot) + mant.slice(dot + 1);
  return { digits: BigInt(digits), exp: exp - (dot < 0 ? 0 : mant.length - dot - 1) };
}

/** A string that is equal for two JSON values exactly when `jsonEqual` holds. */
export function canonicalKey(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "number") return String(v);
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  if (Array.isArray(v)) {
    let out = "[";
    for (let i = 0; i < v.length; i++) out += (i > 0 ? "," : "") + canonicalKey(v[i]);
    return `${out}]`;
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).sort();
  let out = "{";
  for (let i = 0; i < keys.length; i++) out += (i > 0 ? "," : "") + JSON.stringify(keys[i]) + ":" + canonicalKey(o[keys[i]]);
  return `${out}}`;
}

/** Arrays up to this length are checked pairwise for `uniqueItems`; longer ones through canonical keys. */
export const UNIQUE_PAIRWISE_MAX = 32;

/** No two items are deeply equal. Linear (plus sorting keys) for long arrays. */
export function itemsUnique(a: readonly unknown[]): boolean {
  if (a.length <= UNIQUE_PAIRWISE_MAX) {
    for (let i = 1; i < a.length; i++) for (let j = 0; j < i; j++) if (jsonEqual(a[i], a[j])) return false;
    return true;
  }
  const seen = new Set<string>();
  for (const x of a) {
    const k = canonicalKey(x);
    if (seen.has(k)) return false;
    seen.add(k);
  }
  return true;
}

/** Does the pattern match? `null` (cannot tell: fail) for a pattern with no matcher, and for an unsafe pattern and a string past the limit. */
export function patternMatches(p: PatternInfo, s: string): boolean | null {
  if (p.matcher === null) return null;
  if (!p.safe && s.length > UNSAFE_PATTERN_MAX_LENGTH && codePoints(s) > UNSAFE_PATTERN_MAX_LENGTH) return null;
  return p.matcher.test(s);
}

/**
 * The first part of a value that is not JSON, as [pointer, suffix], or null. Recursion is bounded
 * by MAX_VALUE_DEPTH.
 */
export function nonJsonPart(v: unknown, depth: number): [string, string] | null {
  if (v === null) return null;
  const t = typeof v;
  if (t === "string" || t === "boolean") return null;
  if (t === "number") return Number.isFinite(v) ? null : ["", FixedMessages.notJson];
  if (t !== "object") return ["", FixedMessages.notJson];
  if (depth >= MAX_VALUE_DEPTH) return ["", FixedMessages.tooDeep];
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const r = nonJsonPart(v[i], depth + 1);
      if (r !== null) {
        r[0] = `/${i}${r[0]}`;
        return r;
      }
    }
    return null;
  }
  // Plain objects only (from this realm or another): a Date, Map or class instance is not JSON.
  const proto = Object.getPrototypeOf(v);
  if (proto !== null && proto !== Object.prototype && Object.getPrototypeOf(proto) !== null) return ["", FixedMessages.notJson];
  const o = v as Record<string, unknown>;
  for (const k in o) {
    if (!Object.hasOwn(o, k)) continue;
    const r = nonJsonPart(o[k], depth + 1);
    if (r !== null) {
      r[0] = `/${escapePointerSegment(k)}${r[0]}`;
      return r;
    }
  }
  return null;
}

/** Does `v` have JSON type `t`? (`v` is known to be JSON.) */
export function hasType(v: unknown, t: string): boolean {
  switch (t) {
    case "string":
      return typeof v === "string";
    case "number":
      return typeof v === "number";
    case "integer":
      return Number.isInteger(v);
    case "boolean":
      return typeof v === "boolean";
    case "null":
      return v === null;
    case "array":
      return Array.isArray(v);
    case "object":
      return isObject(v);
    default:
      return false;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// ---------------------------------------------------------------------------------------------
// The reference validator

interface PathLink {
  readonly parent: PathLink | null;
  /** One escaped pointer segment. */
  readonly seg: string;
}

function pointerOf(path: PathLink | null): string {
  const segs: string[] = [];
  for (let p = path; p !== null; p = p.parent) segs.push(p.seg);
  let out = "";
  for (let i = segs.length - 1; i >= 0; i--) out += `/${segs[i]}`;
  return out;
}

class Sink {
  readonly items: [string, string][] = [];
  /** Records a failure; true when the sink is full (stop evaluating). */
  add(path: PathLink | null, suffix: string): boolean {
    this.items.push([pointerOf(path), suffix]);
    return this.items.length >= MAX_ERRORS;
  }
  get full(): boolean {
    return this.items.length >= MAX_ERRORS;
  }
}

/**
 * Validates a JSON value against a schema (the schema is also the root for local `$ref`s).
 * Returns [] when valid, else up to MAX_ERRORS messages. Never throws.
 */
export function validate(schema: JsonSchema, value: unknown): string[] {
  try {
    const bad = nonJsonPart(value, 0);
    if (bad !== null) return [formatMessage(bad[0], bad[1])];
    const plan = planSchema(schema);
    const sink = new Sink();
    check(plan.root, value, null, sink);
    return sink.items.map(([p, s]) => formatMessage(p, s));
  } catch {
    return [formatMessage("", FixedMessages.internal)];
  }
}

const link = (parent: PathLink | null, seg: string): PathLink => ({ parent, seg });

/**
 * Checks one value against one node. With a sink (collect mode) failures are recorded and
 * evaluation goes on until the sink is full; without one (boolean mode) the first failure returns
 * false. The keyword order here is the contract the code generator follows.
 */
function check(n: SchemaNode, v: unknown, path: PathLink | null, out: Sink | null): boolean {
  if (n.bool !== null) {
    if (n.bool) return true;
    if (out !== null) out.add(path, FixedMessages.notAllowed);
    return false;
  }
  if (n.broken !== null) {
    if (out !== null) out.add(path, n.broken);
    return false;
  }
  let ok = true;
  // `fail` records and says whether to stop: in boolean mode, or when the sink is full.
  const fail = (p: PathLink | null, suffix: string): boolean => {
    ok = false;
    return out === null || out.add(p, suffix);
  };
  const sub = (child: SchemaNode, x: unknown, p: PathLink | null): boolean => {
    if (check(child, x, p, out)) return false;
    ok = false;
    return out === null || out.full;
  };

  if (n.types !== null) {
    let matched = false;
    for (const t of n.types) if (hasType(v, t)) matched = true;
    if (!matched && fail(path, n.msg.type)) return false;
  }
  if (n.enumValues !== null) {
    let found = false;
    for (const e of n.enumValues) {
      if (jsonEqual(e, v)) {
        found = true;
        break;
      }
    }
    if (!found && fail(path, n.msg.enum)) return false;
  }
  if (n.hasConst && !jsonEqual(n.constValue, v) && fail(path, n.msg.const)) return false;

  if (typeof v === "number") {
    if (n.multipleOf !== null && !isMultipleOf(v, n.multipleOf) && fail(path, n.msg.multipleOf)) return false;
    if (n.maximum !== null && !(v <= n.maximum) && fail(path, n.msg.maximum)) return false;
    if (n.exclusiveMaximum !== null && !(v < n.exclusiveMaximum) && fail(path, n.msg.exclusiveMaximum)) return false;
    if (n.minimum !== null && !(v >= n.minimum) && fail(path, n.msg.minimum)) return false;
    if (n.exclusiveMinimum !== null && !(v > n.exclusiveMinimum) && fail(path, n.msg.exclusiveMinimum)) return false;
  } else if (typeof v === "string") {
    if (n.maxLength !== null && v.length > n.maxLength && codePoints(v) > n.maxLength && fail(path, n.msg.maxLength)) return false;
    if (n.minLength !== null && v.length < 2 * n.minLength && codePoints(v) < n.minLength && fail(path, n.msg.minLength)) return false;
    if (n.pattern !== null) {
      const m = patternMatches(n.pattern, v);
      if (m !== true && fail(path, m === null && n.pattern.matcher !== null ? n.msg.patternTooLong : n.msg.pattern)) return false;
    }
  } else if (Array.isArray(v)) {
    if (n.maxItems !== null && v.length > n.maxItems && fail(path, n.msg.maxItems)) return false;
    if (n.minItems !== null && v.length < n.minItems && fail(path, n.msg.minItems)) return false;
    if (n.uniqueItems && !itemsUnique(v) && fail(path, n.msg.uniqueItems)) return false;
    const prefixCount = n.prefixItems === null ? 0 : n.prefixItems.length;
    if (n.prefixItems !== null) {
      for (let i = 0; i < n.prefixItems.length && i < v.length; i++) if (sub(n.prefixItems[i], v[i], link(path, String(i)))) return false;
    }
    if (n.items !== null) {
      for (let i = prefixCount; i < v.length; i++) if (sub(n.items, v[i], link(path, String(i)))) return false;
    }
    if (n.contains !== null) {
      let count = 0;
      for (let i = 0; i < v.length; i++) {
        if (check(n.contains, v[i], null, null)) {
          count++;
          if (n.maxContains === null ? count >= n.minContains : count > n.maxContains) break;
        }
      }
      if (count < n.minContains && fail(path, n.msg.minContains)) return false;
      if (n.maxContains !== null && count > n.maxContains && fail(path, n.msg.maxContains)) return false;
    }
  } else if (isObject(v)) {
    if (n.maxProperties !== null || n.minProperties !== null) {
      let count = 0;
      for (const k in v) if (Object.hasOwn(v, k)) count++;
      if (n.maxProperties !== null && count > n.maxProperties && fail(path, n.msg.maxProperties)) return false;
      if (n.minProperties !== null && count < n.minProperties && fail(path, n.msg.minProperties)) return false;
    }
    if (n.required !== null) {
      for (const r of n.required) if (!Object.hasOwn(v, r) && fail(link(path, escapePointerSegment(r)), FixedMessages.required)) return false;
    }
    if (n.dependentRequired !== null) {
      for (const [key, deps] of n.dependentRequired) {
        if (!Object.hasOwn(v, key)) continue;
        for (const d of deps) {
          if (!Object.hasOwn(v, d) && fail(link(path, escapePointerSegment(d)), dependentRequiredMessage(key))) return false;
        }
      }
    }
    if (n.properties !== null) {
      for (const [key, child] of n.properties) {
        if (Object.hasOwn(v, key) && sub(child, v[key], link(path, escapePointerSegment(key)))) return false;
      }
    }
    if (n.propertyNames !== null || n.patternProperties !== null || n.additionalProperties !== null) {
      for (const k in v) {
        if (!Object.hasOwn(v, k)) continue;
        const p = link(path, escapePointerSegment(k));
        if (n.propertyNames !== null && !check(n.propertyNames, k, null, null) && fail(p, FixedMessages.propertyName)) return false;
        let matched = false;
        if (n.patternProperties !== null) {
          for (const [pi, child] of n.patternProperties) {
            const m = patternMatches(pi, k);
            if (m === null) {
              if (fail(p, patternPropertyMessage(pi))) return false;
            } else if (m) {
              matched = true;
              if (sub(child, v[k], p)) return false;
            }
          }
        }
        if (n.additionalProperties !== null && !matched && !n.propertySet.has(k) && sub(n.additionalProperties, v[k], p)) return false;
      }
    }
    if (n.dependentSchemas !== null) {
      for (const [key, child] of n.dependentSchemas) if (Object.hasOwn(v, key) && sub(child, v, path)) return false;
    }
  }

  if (n.refBroken !== null && fail(path, n.refBroken)) return false;
  if (n.ref !== null && sub(n.ref, v, path)) return false;
  if (n.allOf !== null) {
    for (const m of n.allOf) if (sub(m, v, path)) return false;
  }
  if (n.anyOf !== null) {
    let any = false;
    for (const m of n.anyOf) {
      if (check(m, v, null, null)) {
        any = true;
        break;
      }
    }
    if (!any && fail(path, n.msg.anyOf)) return false;
  }
  if (n.oneOf !== null) {
    let count = 0;
    for (const m of n.oneOf) {
      if (check(m, v, null, null)) {
        count++;
        if (count > 1) break;
      }
    }
    if (count !== 1 && fail(path, count === 0 ? n.msg.oneOfNone : n.msg.oneOfMany)) return false;
  }
  if (n.not !== null && check(n.not, v, null, null) && fail(path, n.msg.not)) return false;
  if (n.if !== null) {
    if (check(n.if, v, null, null)) {
      if (n.then !== null && sub(n.then, v, path)) return false;
    } else if (n.else !== null && sub(n.else, v, path)) return false;
  }
  if (n.unevaluatedItems !== null && Array.isArray(v)) {
    const memo = new Map<SchemaNode, boolean>();
    for (let i = 0; i < v.length; i++) {
      if (itemEvaluated(n, v, i, memo, new Map())) continue;
      if (sub(n.unevaluatedItems, v[i], link(path, String(i)))) return false;
    }
  }
  if (n.unevaluatedProperties !== null && isObject(v)) {
    const memo = new Map<SchemaNode, boolean>();
    for (const k in v) {
      if (!Object.hasOwn(v, k)) continue;
      if (propertyEvaluated(n, v, k, memo, new Map())) continue;
      if (sub(n.unevaluatedProperties, v[k], link(path, escapePointerSegment(k)))) return false;
    }
  }
  return ok;
}

function validOn(n: SchemaNode, v: unknown, memo: Map<SchemaNode, boolean>): boolean {
  let r = memo.get(n);
  if (r === undefined) {
    r = check(n, v, null, null);
    memo.set(n, r);
  }
  return r;
}

/**
 * Is key `k` of object `v` evaluated by node `n` or its in-place subschemas (leaving aside `n`'s own
 * `unevaluatedProperties`, which asks)? See the module comment for the rule. `valid` memoizes
 * validity on `v`, `seen` answers for this key (so shared subschemas are visited once).
 */
export function propertyEvaluated(n: SchemaNode, v: Record<string, unknown>, k: string, valid: Map<SchemaNode, boolean>, seen: Map<SchemaNode, boolean>): boolean {
  let r = seen.get(n);
  if (r !== undefined) return r;
  r = false;
  if (n.bool !== null || n.broken !== null) r = false;
  else if (n.additionalProperties !== null || n.propertySet.has(k)) r = true;
  else {
    if (n.patternProperties !== null) for (const [pi] of n.patternProperties) if (patternMatches(pi, k) === true) r = true;
    if (!r) r = inPlaceEvaluated(n, v, valid, (c) => c.unevaluatedProperties !== null || propertyEvaluated(c, v, k, valid, seen));
  }
  seen.set(n, r);
  return r;
}

/** Is index `i` of array `v` evaluated by node `n` or its in-place subschemas? */
export function itemEvaluated(n: SchemaNode, v: readonly unknown[], i: number, valid: Map<SchemaNode, boolean>, seen: Map<SchemaNode, boolean>): boolean {
  let r = seen.get(n);
  if (r !== undefined) return r;
  if (n.bool !== null || n.broken !== null) r = false;
  else if (n.items !== null || (n.prefixItems !== null && i < n.prefixItems.length)) r = true;
  else if (n.contains !== null && check(n.contains, v[i], null, null)) r = true;
  else r = inPlaceEvaluated(n, v, valid, (c) => c.unevaluatedItems !== null || itemEvaluated(c, v, i, valid, seen));
  seen.set(n, r);
  return r;
}

function inPlaceEvaluated(n: SchemaNode, v: unknown, memo: Map<SchemaNode, boolean>, by: (c: SchemaNode) => boolean): boolean {
  const live = (c: SchemaNode): boolean => c.bool === null && c.broken === null && by(c);
  if (n.ref !== null && live(n.ref)) return true;
  if (n.allOf !== null) for (const m of n.allOf) if (live(m)) return true;
  if (n.anyOf !== null) for (const m of n.anyOf) if (validOn(m, v, memo) && live(m)) return true;
  if (n.oneOf !== null) for (const m of n.oneOf) if (validOn(m, v, memo) && live(m)) return true;
  if (n.if !== null) {
    if (validOn(n.if, v, memo)) {
      if (live(n.if) || (n.then !== null && live(n.then))) return true;
    } else if (n.else !== null && live(n.else)) return true;
  }
  if (n.dependentSchemas !== null && isObject(v)) {
    for (const [key, d] of n.dependentSchemas) if (Object.hasOwn(v, key) && live(d)) return true;
  }
  return false;
}
