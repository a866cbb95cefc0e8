/**
 * Operations on internal types (manifest/types.ts) for the checker: unions, null
 * handling, shapes, comparability, enum values.
 *
 * INVARIANT: every function here is total and terminates on any Type graph, including
 * cyclic ones a recursive `$ref` may produce: recursion is cut at MAX_DEPTH.
 */
import type { LiteralValue, RecordType, Type } from "../manifest/types.js";

const MAX_DEPTH = 24;

export const NEVER: Type = { kind: "never" };
export const ANY: Type = { kind: "any" };
export const NULL: Type = { kind: "null" };
export const STRING: Type = { kind: "string" };
export const NUMBER: Type = { kind: "number" };
export const INTEGER: Type = { kind: "integer" };
export const BOOLEAN: Type = { kind: "boolean" };
export const EMPTY_OPEN_RECORD: RecordType = { kind: "record", fields: new Map(), open: true };

/** What a value of a type looks like, for choosing operations. `mixed`: members of several shapes. */
export type Shape =
  | "any"
  | "never"
  | "string"
  | "number"
  | "boolean"
  | "null"
  | "list"
  | "record"
  | "url"
  | "path"
  | "tool"
  | "session"
  | "agent"
  | "label"
  | "lambda"
  | "mixed";

/** The members of a union (flattened), or the type itself. */
export function membersOf(t: Type): readonly Type[] {
  if (t.kind !== "union") return [t];
  if (!t.members.some((m) => m.kind === "union")) return t.members;
  const out: Type[] = [];
  const walk = (u: Type, depth: number) => {
    if (u.kind === "union" && depth < MAX_DEPTH) for (const m of u.members) walk(m, depth + 1);
    else out.push(u);
  };
  walk(t, 0);
  return out;
}

function shapeOfMember(t: Type): Shape {
  switch (t.kind) {
    case "string":
      return "string";
    case "number":
    case "integer":
      return "number";
    case "boolean":
      return "boolean";
    case "null":
      return "null";
    case "literal":
      return t.value === null ? "null" : typeof t.value === "string" ? "string" : typeof t.value === "number" ? "number" : "boolean";
    case "list":
      return "list";
    case "record":
      return "record";
    case "union":
      return "mixed";
    default:
      return t.kind;
  }
}

/** The shape of a type: the common shape of its members (never ignored), `any` when one member is any. */
export function shapeOf(t: Type): Shape {
  let shape: Shape = "never";
  for (const m of membersOf(t)) {
    const s = shapeOfMember(m);
    if (s === "any") return "any";
    if (s === "never") continue;
    if (shape === "never") shape = s;
    else if (shape !== s) shape = "mixed";
  }
  return shape;
}

/** The set of member shapes (never excluded). */
export function shapesOf(t: Type): Set<Shape> {
  const out = new Set<Shape>();
  for (const m of membersOf(t)) {
    const s = shapeOfMember(m);
    if (s !== "never") out.add(s);
  }
  return out;
}

const keyCache = new WeakMap<object, string>();
const MAX_KEY = 2048;
let nextIdentity = 0;

/** A structural key: equal keys mean equal types. Cycles (recursive `$ref`) are cut with `↺`. */
export function typeKey(t: Type): string {
  return keyCache.get(t) ?? keyOf(t, new Set(), { steps: 0 });
}

function keyOf(t: Type, inProgress: Set<Type>, budget: { steps: number }): string {
  const cached = keyCache.get(t);
  if (cached !== undefined) return cached;
  // INVARIANT: linear work per call: cycles, depth and total steps are all cut.
  if (inProgress.has(t) || inProgress.size > MAX_DEPTH || ++budget.steps > 20_000) return "↺";
  inProgress.add(t);
  let k: string;
  switch (t.kind) {
    case "literal":
      k = `=${JSON.stringify(t.value)}`;
      break;
    case "list":
      k = `[${keyOf(t.element, inProgress, budget)}]`;
      break;
    case "record": {
      const parts: string[] = [];
      for (const f of t.fields.values()) parts.push(`${JSON.stringify(f.name)}${f.optional ? "?" : ""}:${keyOf(f.type, inProgress, budget)}`);
      k = `{${parts.join(",")}${t.open ? ",…" : ""}}`;
      break;
    }
    case "union":
      k = `(${membersOf(t)
        .map((m) => keyOf(m, inProgress, budget))
        .sort()
        .join("|")})`;
      break;
    case "lambda":
      k = `(${keyOf(t.param, inProgress, budget)})=>${keyOf(t.result, inProgress, budget)}`;
      break;
    default:
      k = t.kind;
  }
  inProgress.delete(t);
  // A huge key (a wide type, or a DAG of shared definitions that would expand
  // exponentially as text) is replaced by an identity key: such types then compare
  // equal only to themselves.
  if (k.length > MAX_KEY) k = `#${nextIdentity++}`;
  // A key computed below a cut is partial: cache only keys that saw no cycle.
  if (!k.includes("↺")) keyCache.set(t, k);
  return k;
}

function isIntegerValued(v: LiteralValue): boolean {
  return typeof v === "number" && Number.isInteger(v);
}

/**
 * The union of types, simplified: nested unions flattened, `never` dropped, `any`
 * absorbing, duplicates removed, literals absorbed by their base type, `integer` by
 * `number`, and every list member merged into one list of the union of elements.
 */
export function unionOf(types: readonly Type[]): Type {
  if (types.length === 1 && types[0].kind !== "union") return types[0];
  const flat: Type[] = [];
  for (const t of types) for (const m of membersOf(t)) flat.push(m);
  let hasString = false;
  let hasNumber = false;
  let hasInteger = false;
  let hasBoolean = false;
  const lists: Type[] = [];
  for (const m of flat) {
    if (m.kind === "any") return ANY;
    if (m.kind === "string") hasString = true;
    else if (m.kind === "number") hasNumber = true;
    else if (m.kind === "integer") hasInteger = true;
    else if (m.kind === "boolean") hasBoolean = true;
    else if (m.kind === "list") lists.push(m.element);
  }
  const seen = new Set<string>();
  const out: Type[] = [];
  let listPlaced = false;
  for (const m of flat) {
    if (m.kind === "never") continue;
    if (m.kind === "literal") {
      const v = m.value;
      if (typeof v === "string" && hasString) continue;
      if (typeof v === "number" && (hasNumber || (hasInteger && isIntegerValued(v)))) continue;
      if (typeof v === "boolean" && hasBoolean) continue;
    }
    if (m.kind === "integer" && hasNumber) continue;
    if (m.kind === "list") {
      if (listPlaced) continue;
      listPlaced = true;
      const merged: Type = lists.length === 1 ? m : { kind: "list", element: unionOf(lists) };
      const k = typeKey(merged);
      if (!seen.has(k)) {
        seen.add(k);
        out.push(merged);
      }
      continue;
    }
    const k = typeKey(m);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(m);
  }
  if (out.length === 0) return NEVER;
  if (out.length === 1) return out[0];
  return { kind: "union", members: out };
}

/** true when the type has a `null` member (`any` counts as possibly null only when asked by the caller). */
export function isNullable(t: Type): boolean {
  for (const m of membersOf(t)) if (m.kind === "null" || (m.kind === "literal" && m.value === null)) return true;
  return false;
}

const removeNullCache = new WeakMap<object, Type>();

/** The type without its `null` members (`never` when it was only null). */
export function removeNull(t: Type): Type {
  if (t.kind === "null" || (t.kind === "literal" && t.value === null)) return NEVER;
  if (t.kind !== "union") return t;
  const cached = removeNullCache.get(t);
  if (cached) return cached;
  const ms = membersOf(t).filter((m) => !(m.kind === "null" || (m.kind === "literal" && m.value === null)));
  const r = ms.length === membersOf(t).length ? t : ms.length === 0 ? NEVER : ms.length === 1 ? ms[0] : ({ kind: "union", members: ms } as Type);
  removeNullCache.set(t, r);
  return r;
}

/** The type plus `null`. */
export function addNull(t: Type): Type {
  return isNullable(t) ? t : unionOf([t, NULL]);
}

/** true when the type is exactly null (the literal `null` or a `null` schema). */
export function isOnlyNull(t: Type): boolean {
  const ms = membersOf(t).filter((m) => m.kind !== "never");
  return ms.length > 0 && ms.every((m) => m.kind === "null" || (m.kind === "literal" && m.value === null));
}

/**
 * The literal values a type can take when it is an enum (every non-null member a
 * literal), else null. `null` itself is not listed.
 */
export function enumValues(t: Type): LiteralValue[] | null {
  const out: LiteralValue[] = [];
  let any = false;
  for (const m of membersOf(t)) {
    if (m.kind === "never" || m.kind === "null") continue;
    if (m.kind !== "literal") return null;
    if (m.value === null) continue;
    any = true;
    out.push(m.value);
  }
  return any ? out : null;
}

/** true when every value of the type is an integer (integer, integer literals). */
export function isIntegerType(t: Type): boolean {
  const ms = membersOf(t).filter((m) => m.kind !== "never");
  return ms.length > 0 && ms.every((m) => m.kind === "integer" || (m.kind === "literal" && isIntegerValued(m.value)));
}

/** The element type of a list-shaped type (the union of every list member's element). */
export function elementOf(t: Type): Type {
  const els: Type[] = [];
  for (const m of membersOf(t)) {
    if (m.kind === "list") els.push(m.element);
    else if (m.kind === "any") return ANY;
  }
  return els.length === 0 ? NEVER : unionOf(els);
}

/** Shapes that `==` can compare: plain JSON values. */
const COMPARABLE_SHAPES: ReadonlySet<Shape> = new Set<Shape>(["string", "number", "boolean", "null", "list", "record"]);

/**
 * Whether values of `a` and `b` can ever be compared meaningfully with `==`: they share
 * a shape (lists: their elements are comparable). `any` and `never` compare with all.
 */
export function comparable(a: Type, b: Type, depth = 0): boolean {
  if (depth > MAX_DEPTH) return true;
  const sa = shapesOf(a);
  const sb = shapesOf(b);
  if (sa.has("any") || sb.has("any") || sa.size === 0 || sb.size === 0) return true;
  for (const s of sa) {
    if (!COMPARABLE_SHAPES.has(s) || !sb.has(s)) continue;
    if (s !== "list") return true;
    if (comparable(elementOf(a), elementOf(b), depth + 1)) return true;
  }
  return false;
}

/** true when the type holds only opaque values that no operator accepts (url, tool, ...). */
export function isOpaqueShape(s: Shape): boolean {
  return !COMPARABLE_SHAPES.has(s) && s !== "any" && s !== "never" && s !== "mixed";
}

/** A scalar: string, number, integer, boolean (or literals of them), possibly with null. */
export function isScalarType(t: Type): boolean {
  for (const s of shapesOf(t)) if (s !== "string" && s !== "number" && s !== "boolean" && s !== "null" && s !== "any") return false;
  return true;
}

/** Whether a JSON-ish value conforms to a type (for test records). Deep; never throws. */
export function valueConforms(v: unknown, t: Type, depth = 0): boolean {
  if (depth > MAX_DEPTH) return true;
  for (const m of membersOf(t)) {
    switch (m.kind) {
      case "any":
        return true;
      case "never":
        break;
      case "string":
        if (typeof v === "string") return true;
        break;
      case "number":
        if (typeof v === "number") return true;
        break;
      case "integer":
        if (typeof v === "number" && Number.isInteger(v)) return true;
        break;
      case "boolean":
        if (typeof v === "boolean") return true;
        break;
      case "null":
        if (v === null) return true;
        break;
      case "literal":
        if (v === m.value) return true;
        break;
      case "list":
        if (Array.isArray(v) && v.every((e) => valueConforms(e, m.element, depth + 1))) return true;
        break;
      case "record": {
        if (typeof v !== "object" || v === null || Array.isArray(v)) break;
        const rec = v as Record<string, unknown>;
        let ok = true;
        for (const f of m.fields.values()) {
          if (!Object.hasOwn(rec, f.name)) {
            if (!f.optional) ok = false;
          } else if (!valueConforms(rec[f.name], f.type, depth + 1)) ok = false;
          if (!ok) break;
        }
        if (ok && !m.open) for (const k of Object.keys(rec)) if (!m.fields.has(k)) ok = false;
        if (ok) return true;
        break;
      }
      default:
        break;
    }
  }
  return false;
}

/** The type of a compile-time value (literals for scalars). */
export function typeOfValue(v: unknown, depth = 0): Type {
  if (v === null) return NULL;
  if (typeof v === "string" || typeof v === "boolean" || typeof v === "number") return { kind: "literal", value: v };
  if (depth > MAX_DEPTH) return ANY;
  if (Array.isArray(v)) return { kind: "list", element: unionOf(v.map((e) => typeOfValue(e, depth + 1))) };
  if (typeof v === "object") {
    const fields = new Map<string, import("../manifest/types.js").Field>();
    for (const [k, e] of Object.entries(v as Record<string, unknown>))
      fields.set(k, { name: k, type: typeOfValue(e, depth + 1), optional: false, description: null, sensitive: false, source: null });
    return { kind: "record", fields, open: false };
  }
  return ANY;
}

/** Widens literal types to their base (`"a"` → string), for messages and joins. */
export function widen(t: Type): Type {
  if (t.kind === "literal") {
    const v = t.value;
    return v === null ? NULL : typeof v === "string" ? STRING : typeof v === "boolean" ? BOOLEAN : Number.isInteger(v) ? INTEGER : NUMBER;
  }
  return t;
}

/**
 * Renders a type for messages, like `typeToString` but bounded: depth and width are
 * cut (`...`), so cyclic and huge types print in bounded space.
 */
export function showType(t: Type, depth = 0): string {
  if (depth > 3) return "...";
  switch (t.kind) {
    case "literal":
      return JSON.stringify(t.value);
    case "list":
      return `[${showType(t.element, depth + 1)}]`;
    case "record": {
      if (depth > 1) return "{ ... }";
      const fs: string[] = [];
      for (const f of t.fields.values()) {
        if (fs.length === 6) {
          fs.push("...");
          break;
        }
        fs.push(`${f.name}${f.optional ? "?" : ""}: ${showType(f.type, depth + 1)}`);
      }
      return fs.length ? `{ ${fs.join(", ")} }` : "{}";
    }
    case "union": {
      const ms = membersOf(t);
      const shown = ms.slice(0, 8).map((m) => showType(m, depth + 1));
      if (ms.length > 8) shown.push("...");
      return shown.join(" | ");
    }
    case "lambda":
      return `(${showType(t.param, depth + 1)}) => ${showType(t.result, depth + 1)}`;
    default:
      return t.kind;
  }
}
