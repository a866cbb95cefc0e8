/**
 * JSON Schema → internal `Type`, once per tool (LANGUAGE.md §6). The checker never reads raw
 * schema.
 *
 * Typing rules:
 *  - `true`/`{}` → any; `false` → never.
 *  - `type` (a name or a list: a union) → string, number, integer, boolean, null, list, record.
 *    Without `type`, `properties`/`additionalProperties`/`required` imply a record and `items`/
 *    `prefixItems` a list; otherwise the schema is `any` (constraints like `minLength` alone do not
 *    imply a type).
 *  - `enum`/`const` → a union of literal types, keeping only members that fit `type`. Array or
 *    object members become `[any]` / `{}` (open).
 *  - `items` (a schema) → the element type; `prefixItems` or a draft-07 tuple → `[any]`.
 *  - `properties` + `required` → fields, optional unless required; a required name without a
 *    property is a field typed by `additionalProperties` (or any). `additionalProperties: false`
 *    closes the record; anything else (absent included) leaves it open.
 *  - `anyOf`/`oneOf` → the union of the members, each met (intersected) with the rest of the
 *    schema, so `{type: object, properties, anyOf: [{required: [a]}, ...]}` stays a record.
 *  - `$ref` (local: `#`, `#/$defs/...`, `#/definitions/...`, any local pointer) → the target's
 *    type, met with the sibling keywords. A reference that is already being expanded twice on
 *    the current path (recursion) becomes `any`; unresolvable references are `any` (the loader
 *    reports them).
 *  - Nullable: `type: [T, "null"]` or `anyOf: [T, {type: null}]` → `T | null`.
 *  - Every other keyword (allOf, not, if, patternProperties, ...) does not affect the type.
 *  - Field description: the property's `description`, else its `$ref` target's. Sensitive:
 *    `writeOnly: true` or `format: "password"` on the property, its `$ref` target, or any of its
 *    `anyOf`/`oneOf`/`allOf` members.
 */
import type { Span } from "../syntax/ast.js";
import type { Field, JsonSchema, LiteralValue, RecordType, Type } from "./types.js";
import { escapePointerSegment, hasType, resolveLocalRef } from "./validate.js";

export interface NormalizeOptions {
  /** The manifest file, for `Field.source`. */
  readonly file?: string;
  /**
   * Where the member at a JSON pointer (from the root schema, e.g. `/properties/sku`) stands in
   * the manifest text: the span of its key. Null when unknown.
   */
  readonly locate?: (pointer: string) => Span | null;
}

/** Recursion past this many nested schemas yields `any`. */
const MAX_DEPTH = 64;
/** Work budget per conversion (schemas visited); past it, `any`. */
const MAX_STEPS = 20_000;

const ANY: Type = { kind: "any" };
const NEVER: Type = { kind: "never" };

/**
 * The type of the values `schema` admits; `root` resolves local `$ref`s and `pointer` is where
 * `schema` stands in `root` (for field sources). Never throws.
 */
export function schemaToType(schema: JsonSchema, root: JsonSchema, options: NormalizeOptions = {}, pointer = ""): Type {
  try {
    return new Converter(root, options).convert(schema, pointer, 0);
  } catch {
    return ANY;
  }
}

/** The record type of a tool's arguments: object roots give their record; unions of records are joined. */
export function schemaToRecord(root: JsonSchema, options: NormalizeOptions = {}): RecordType {
  return toRecord(schemaToType(root, root, options));
}

/** The record a value of type `t` must be when it is an object (for `args`). */
export function toRecord(t: Type): RecordType {
  if (t.kind === "record") return t;
  if (t.kind === "union") {
    const records = t.members.filter((m): m is RecordType => m.kind === "record");
    if (records.length === 1) return records[0];
    if (records.length > 1) return joinRecords(records);
  }
  return { kind: "record", fields: new Map(), open: true };
}

/**
 * Paths of sensitive fields (property names, `*` for list elements), for redaction. Bounded: at
 * most 16 levels and 10,000 visited types (types from shared `$defs` are DAGs).
 */
export function sensitivePathsOf(t: Type): string[][] {
  const out = new Map<string, string[]>();
  let budget = 10_000;
  const walk = (x: Type, path: string[], depth: number): void => {
    if (depth > 16 || --budget < 0) return;
    if (x.kind === "record") {
      for (const f of x.fields.values()) {
        const p = [...path, f.name];
        if (f.sensitive) out.set(JSON.stringify(p), p);
        walk(f.type, p, depth + 1);
      }
    } else if (x.kind === "list") walk(x.element, [...path, "*"], depth + 1);
    else if (x.kind === "union") for (const m of x.members) walk(m, path, depth + 1);
  };
  walk(t, [], 0);
  return [...out.values()];
}

class Converter {
  private steps = 0;
  private truncations = 0;
  private readonly refStack: string[] = [];
  private readonly refCache = new Map<string, Type>();

  constructor(
    private readonly root: JsonSchema,
    private readonly options: NormalizeOptions,
  ) {}

  convert(schema: unknown, ptr: string, depth: number): Type {
    if (++this.steps > MAX_STEPS || depth > MAX_DEPTH) {
      this.truncations++;
      return ANY;
    }
    if (schema === true) return ANY;
    if (schema === false) return NEVER;
    if (!isObject(schema)) return ANY;
    let t = this.base(schema, ptr, depth);
    const ref = own(schema, "$ref");
    if (typeof ref === "string") t = meet(t, this.refType(ref, depth));
    for (const k of ["anyOf", "oneOf"] as const) {
      const members = own(schema, k);
      if (Array.isArray(members)) {
        const types = members.map((m, i) => this.convert(m, `${ptr}/${k}/${i}`, depth + 1));
        t = meet(t, unionOf(types));
      }
    }
    return t;
  }

  private refType(ref: string, depth: number): Type {
    const target = resolveLocalRef(this.root, ref);
    if (target === null) return ANY;
    const key = target.pointer;
    const cached = this.refCache.get(key);
    if (cached !== undefined) return cached;
    if (this.refStack.filter((r) => r === key).length >= 2) {
      this.truncations++;
      return ANY;
    }
    const before = this.truncations;
    this.refStack.push(key);
    const t = this.convert(target.value, key, depth + 1);
    this.refStack.pop();
    if (this.truncations === before) this.refCache.set(key, t);
    return t;
  }

  /** The type from `type`, `enum`, `const` and the structural keywords (not `$ref`/`anyOf`/`oneOf`). */
  private base(s: Record<string, unknown>, ptr: string, depth: number): Type {
    const declared = own(s, "type");
    let types: string[] | null =
      typeof declared === "string" ? [declared] : Array.isArray(declared) && declared.every((t) => typeof t === "string") ? (declared as string[]) : null;
    if (types === null) {
      if (["properties", "additionalProperties", "required"].some((k) => Object.hasOwn(s, k))) types = ["object"];
      else if (["items", "prefixItems"].some((k) => Object.hasOwn(s, k))) types = ["array"];
    }
    const en = own(s, "enum");
    if (Array.isArray(en)) return unionOf(en.filter((v) => fits(v, types)).map(valueType));
    if (Object.hasOwn(s, "const")) {
      const c = own(s, "const");
      return fits(c, types) ? valueType(c) : NEVER;
    }
    if (types === null) return ANY;
    return unionOf([...new Set(types)].map((t) => this.typeNamed(t, s, ptr, depth)));
  }

  private typeNamed(t: string, s: Record<string, unknown>, ptr: string, depth: number): Type {
    switch (t) {
      case "string":
      case "number":
      case "integer":
      case "boolean":
      case "null":
        return { kind: t };
      case "array": {
        const items = own(s, "items");
        if (Object.hasOwn(s, "prefixItems") || Array.isArray(items) || items === undefined) return { kind: "list", element: ANY };
        return { kind: "list", element: this.convert(items, `${ptr}/items`, depth + 1) };
      }
      case "object":
        return this.record(s, ptr, depth);
      default:
        return NEVER;
    }
  }

  private record(s: Record<string, unknown>, ptr: string, depth: number): RecordType {
    const fields = new Map<string, Field>();
    const req = own(s, "required");
    const required = Array.isArray(req) ? req.filter((r): r is string => typeof r === "string") : [];
    const requiredSet = new Set(required);
    const props = own(s, "properties");
    const ap = own(s, "additionalProperties");
    if (isObject(props)) {
      for (const name of Object.keys(props)) {
        const sub = props[name];
        const p = `${ptr}/properties/${escapePointerSegment(name)}`;
        fields.set(name, {
          name,
          type: this.convert(sub, p, depth + 1),
          optional: !requiredSet.has(name),
          description: this.description(sub),
          sensitive: this.sensitive(sub, 0),
          source: this.source(p),
        });
      }
    }
    required.forEach((name, i) => {
      if (fields.has(name)) return;
      fields.set(name, {
        name,
        type: isObject(ap) ? this.convert(ap, `${ptr}/additionalProperties`, depth + 1) : ANY,
        optional: false,
        description: null,
        sensitive: false,
        source: this.source(`${ptr}/required/${i}`),
      });
    });
    return { kind: "record", fields, open: ap !== false };
  }

  private source(pointer: string): Field["source"] {
    const locate = this.options.locate;
    if (locate === undefined || this.options.file === undefined) return null;
    const span = locate(pointer);
    return span === null ? null : { file: this.options.file, span };
  }

  private description(sub: unknown): string | null {
    if (!isObject(sub)) return null;
    const d = own(sub, "description");
    if (typeof d === "string") return d;
    const ref = own(sub, "$ref");
    if (typeof ref === "string") {
      const target = resolveLocalRef(this.root, ref);
      if (target !== null && isObject(target.value)) {
        const td = own(target.value, "description");
        if (typeof td === "string") return td;
      }
    }
    return null;
  }

  private sensitive(sub: unknown, depth: number): boolean {
    if (depth > 8 || !isObject(sub)) return false;
    if (own(sub, "writeOnly") === true || own(sub, "format") === "password") return true;
    const ref = own(sub, "$ref");
    if (typeof ref === "string") {
      const target = resolveLocalRef(this.root, ref);
      if (target !== null && this.sensitive(target.value, depth + 1)) return true;
    }
    for (const k of ["anyOf", "oneOf", "allOf"]) {
      const members = own(sub, k);
      if (Array.isArray(members) && members.some((m) => this.sensitive(m, depth + 1))) return true;
    }
    return false;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function own(o: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

/** Does a JSON value fit a `type` list (null = no constraint)? */
function fits(v: unknown, types: readonly string[] | null): boolean {
  if (types === null) return true;
  return types.some((t) => hasType(v, t));
}

/** The type of one `enum`/`const` member. */
function valueType(v: unknown): Type {
  if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") return { kind: "literal", value: v as LiteralValue };
  if (Array.isArray(v)) return { kind: "list", element: ANY };
  return { kind: "record", fields: new Map(), open: true };
}

/** A flattened, de-duplicated union; `any` absorbs; empty is `never`. */
export function unionOf(types: readonly Type[]): Type {
  const out: Type[] = [];
  const seen = new Set<string>();
  const add = (t: Type): boolean => {
    if (t.kind === "any") return true;
    if (t.kind === "never") return false;
    if (t.kind === "union") {
      for (const m of t.members) if (add(m)) return true;
      return false;
    }
    const key = typeKey(t);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(t);
    }
    return false;
  };
  if (types.length === 1 && types[0].kind !== "union") return types[0];
  for (const t of types) if (add(t)) return ANY;
  if (out.length === 0) return NEVER;
  return out.length === 1 ? out[0] : { kind: "union", members: out };
}

/**
 * The values both types admit (as far as types can say). Past a few levels the left side is kept
 * as it is (an over-approximation), so meeting types that share sub-terms stays cheap.
 */
export function meet(a: Type, b: Type, depth = 0): Type {
  if (a.kind === "any") return b;
  if (b.kind === "any") return a;
  if (a.kind === "never" || b.kind === "never") return NEVER;
  if (depth > 6) return a;
  if (a.kind === "union") return unionOf(a.members.map((m) => meet(m, b, depth + 1)));
  if (b.kind === "union") return unionOf(b.members.map((m) => meet(a, m, depth + 1)));
  if (a.kind === "literal" && b.kind === "literal") return Object.is(a.value, b.value) || a.value === b.value ? a : NEVER;
  if (a.kind === "literal") return literalFits(a.value, b) ? a : NEVER;
  if (b.kind === "literal") return literalFits(b.value, a) ? b : NEVER;
  if (a.kind === b.kind) {
    if (a.kind === "list" && b.kind === "list") return { kind: "list", element: meet(a.element, b.element, depth + 1) };
    if (a.kind === "record" && b.kind === "record") return meetRecords(a, b, depth + 1);
    return a;
  }
  if ((a.kind === "integer" && b.kind === "number") || (a.kind === "number" && b.kind === "integer")) return { kind: "integer" };
  return NEVER;
}

function literalFits(v: LiteralValue, t: Type): boolean {
  switch (t.kind) {
    case "string":
      return typeof v === "string";
    case "number":
      return typeof v === "number";
    case "integer":
      return typeof v === "number" && Number.isInteger(v);
    case "boolean":
      return typeof v === "boolean";
    case "null":
      return v === null;
    default:
      return false;
  }
}

function meetRecords(a: RecordType, b: RecordType, depth: number): RecordType {
  const fields = new Map<string, Field>(a.fields);
  for (const [name, fb] of b.fields) {
    const fa = fields.get(name);
    if (fa === undefined) {
      fields.set(name, fb);
      continue;
    }
    fields.set(name, {
      name,
      type: meet(fa.type, fb.type, depth),
      optional: fa.optional && fb.optional,
      description: fa.description ?? fb.description,
      sensitive: fa.sensitive || fb.sensitive,
      source: fa.source ?? fb.source,
    });
  }
  return { kind: "record", fields, open: a.open && b.open };
}

/** One record for a union of records: every field of any member; optional unless required in all. */
function joinRecords(records: readonly RecordType[]): RecordType {
  const fields = new Map<string, Field>();
  const names = new Set<string>();
  for (const r of records) for (const n of r.fields.keys()) names.add(n);
  for (const name of names) {
    const present = records.map((r) => r.fields.get(name)).filter((f): f is Field => f !== undefined);
    fields.set(name, {
      name,
      type: unionOf(present.map((f) => f.type)),
      optional: present.length < records.length || present.some((f) => f.optional),
      description: present.find((f) => f.description !== null)?.description ?? null,
      sensitive: present.some((f) => f.sensitive),
      source: present.find((f) => f.source !== null)?.source ?? null,
    });
  }
  return { kind: "record", fields, open: records.some((r) => r.open) };
}

const identities = new WeakMap<object, number>();
let nextIdentity = 0;

function identityOf(t: object): number {
  let id = identities.get(t);
  if (id === undefined) {
    id = ++nextIdentity;
    identities.set(t, id);
  }
  return id;
}

/**
 * A key for de-duplicating union members: equal keys mean equal types (descriptions and sources
 * aside). Structure is spelled out three levels deep; deeper lists, records and unions are keyed by
 * identity, so keys stay small on types that share sub-terms (a DAG read as a tree is exponential).
 */
export function typeKey(t: Type, depth = 0): string {
  if ((t.kind === "list" || t.kind === "record" || t.kind === "union" || t.kind === "lambda") && depth > 2) return `#${identityOf(t)}`;
  switch (t.kind) {
    case "literal":
      return `literal:${typeof t.value}:${JSON.stringify(t.value)}`;
    case "list":
      return `list(${typeKey(t.element, depth + 1)})`;
    case "record":
      return `record${t.open ? "+" : ""}{${[...t.fields.values()]
        .map((f) => `${JSON.stringify(f.name)}${f.optional ? "?" : ""}:${typeKey(f.type, depth + 1)}`)
        .sort()
        .join(",")}}`;
    case "union":
      return `union(${t.members.map((m) => typeKey(m, depth + 1)).join("|")})`;
    case "lambda":
      return `lambda(${typeKey(t.param, depth + 1)}=>${typeKey(t.result, depth + 1)})`;
    default:
      return t.kind;
  }
}
