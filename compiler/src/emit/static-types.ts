/**
 * What the code generator knows statically about a value: its schema type (after
 * argument and context validation) and whether it may be missing. Used only to drop
 * run-time checks that cannot fail; never to change what an expression means.
 *
 * INVARIANT: for a validated request, a value whose `Shape` is `definitely(K)` and that is
 * not `missing` is a JavaScript value of kind K at run time.
 */
import type { Type } from "../manifest/types.js";

export type ValueKind = "string" | "number" | "boolean" | "list" | "record";

export interface Shape {
  /** The kinds a non-null value may have. */
  readonly kinds: ReadonlySet<ValueKind>;
  /** May be `null`. */
  readonly nullable: boolean;
  /** Unconstrained (`any`, opaque or unknown types): nothing is known. */
  readonly unknown: boolean;
}

const ALL: ReadonlySet<ValueKind> = new Set(["string", "number", "boolean", "list", "record"]);

export function shapeOf(t: Type): Shape {
  switch (t.kind) {
    case "string":
      return one("string");
    case "number":
    case "integer":
      return one("number");
    case "boolean":
      return one("boolean");
    case "null":
      return { kinds: new Set(), nullable: true, unknown: false };
    case "literal":
      if (t.value === null) return { kinds: new Set(), nullable: true, unknown: false };
      return one(typeof t.value as "string" | "number" | "boolean");
    case "list":
      return one("list");
    case "record":
      return one("record");
    case "never":
      return { kinds: new Set(), nullable: false, unknown: false };
    case "union": {
      const kinds = new Set<ValueKind>();
      let nullable = false;
      for (const m of t.members) {
        const s = shapeOf(m);
        if (s.unknown) return { kinds: ALL, nullable: true, unknown: true };
        for (const k of s.kinds) kinds.add(k);
        nullable ||= s.nullable;
      }
      return { kinds, nullable, unknown: false };
    }
    default:
      return { kinds: ALL, nullable: true, unknown: true };
  }
}

function one(kind: ValueKind): Shape {
  return { kinds: new Set([kind]), nullable: false, unknown: false };
}

/** The non-null values of the shape are all of kind `k` (null may still be possible). */
export function onlyKind(s: Shape, k: ValueKind): boolean {
  return !s.unknown && s.kinds.size === 1 && s.kinds.has(k);
}

/** Every possible value is a primitive (string, number, boolean or null): `===` is deep equality. */
export function primitiveOnly(s: Shape): boolean {
  return !s.unknown && !s.kinds.has("list") && !s.kinds.has("record");
}

/** The type without its `null` members. */
export function stripNull(t: Type): Type {
  if (t.kind === "null" || (t.kind === "literal" && t.value === null)) return { kind: "never" };
  if (t.kind !== "union") return t;
  const members = t.members.map(stripNull).filter((m) => m.kind !== "never");
  if (members.length === 0) return { kind: "never" };
  return members.length === 1 ? members[0] : { kind: "union", members };
}

export function unionOf(types: readonly Type[]): Type {
  const flat: Type[] = [];
  for (const t of types) {
    if (t.kind === "never") continue;
    if (t.kind === "union") flat.push(...t.members);
    else flat.push(t);
  }
  if (flat.some((t) => t.kind === "any")) return { kind: "any" };
  if (flat.length === 0) return { kind: "never" };
  return flat.length === 1 ? flat[0] : { kind: "union", members: flat };
}

/** The element type of a list type (any when unknown). */
export function elementOf(t: Type): Type {
  if (t.kind === "list") return t.element;
  if (t.kind === "union") {
    const els = t.members.filter((m) => m.kind === "list").map((m) => (m as { element: Type }).element);
    return els.length === 0 ? { kind: "any" } : unionOf(els);
  }
  return { kind: "any" };
}

/**
 * The type of field `name` of a record-typed value, and whether it may be missing.
 * An undeclared field (open record, or a field absent from one union member) is `any`
 * and may be missing.
 */
export function fieldOf(t: Type, name: string): { readonly type: Type; readonly optional: boolean } {
  const records: Type[] = t.kind === "union" ? t.members.map(stripNull).filter((m) => m.kind !== "never") : [stripNull(t)];
  if (records.length === 0 || records.some((r) => r.kind !== "record")) return { type: { kind: "any" }, optional: true };
  const types: Type[] = [];
  let optional = false;
  for (const r of records) {
    if (r.kind !== "record") continue;
    const f = r.fields.get(name);
    if (f === undefined) return { type: { kind: "any" }, optional: true };
    types.push(f.type);
    optional ||= f.optional;
  }
  return { type: unionOf(types), optional };
}

/** The static type of a JSON value (folded constants). */
export function typeOfValue(v: unknown): Type {
  if (v === null) return { kind: "null" };
  if (typeof v === "string") return { kind: "string" };
  if (typeof v === "number") return { kind: "number" };
  if (typeof v === "boolean") return { kind: "boolean" };
  if (Array.isArray(v)) return { kind: "list", element: unionOf(v.map(typeOfValue)) };
  if (typeof v === "object") {
    const fields = new Map<string, { name: string; type: Type; optional: boolean; description: null; sensitive: boolean; source: null }>();
    for (const k of Object.keys(v)) {
      const fv = (v as Record<string, unknown>)[k];
      if (fv === undefined) continue;
      fields.set(k, { name: k, type: typeOfValue(fv), optional: false, description: null, sensitive: false, source: null });
    }
    return { kind: "record", fields, open: false };
  }
  return { kind: "any" };
}
