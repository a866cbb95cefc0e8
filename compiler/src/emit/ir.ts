/**
 * The expression IR of the guard plan: JavaScript-shaped, plain data, produced by
 * `lower-expr.ts` from the checked AST and printed by `render-expr.ts`.
 *
 * INVARIANT: an IR tree means exactly what the reference interpreter computes for the
 * expression it came from; every check the interpreter makes at run time is either an
 * explicit helper call here or was proved unnecessary from the validated schema.
 * `ts` is the TypeScript type the printed expression has, so the printer knows where a
 * cast (`x as string`) states what validation or a check already guarantees.
 */

/** Coarse TypeScript types of printed expressions. */
export type TsType = "unknown" | "string" | "number" | "boolean" | "null" | "undefined" | "list" | "record" | "url" | "never";

export type JsBinaryOp = "&&" | "||" | "===" | "!==" | "<" | "<=" | ">" | ">=" | "+" | "-" | "*" | "??";

export type Ex =
  /** A literal; `undefined` is a missing value. */
  | { readonly k: "lit"; readonly value: string | number | boolean | null | undefined }
  /**
   * A local variable (`args`, `ctx`, `request`, `session`, a lambda parameter) or a
   * module constant. `ref` is true for variables that TypeScript could narrow.
   */
  | { readonly k: "name"; readonly name: string; readonly ts: TsType; readonly ref: boolean }
  /** `obj.name` (or `obj["name"]`) on a record or url value known to carry `name` as own data. */
  | { readonly k: "member"; readonly obj: Ex; readonly name: string; readonly ts: TsType }
  /** A call of a module-level function (runtime built-in, local helper, hoisted lambda). */
  | { readonly k: "call"; readonly fn: string; readonly args: readonly Ex[]; readonly ts: TsType }
  /** A JavaScript method call on a value of the right type (`s.startsWith(x)`, `RE.test(s)`). */
  | { readonly k: "method"; readonly obj: Ex; readonly name: string; readonly args: readonly Ex[]; readonly ts: TsType }
  | { readonly k: "not"; readonly x: Ex }
  | { readonly k: "neg"; readonly x: Ex }
  | { readonly k: "bin"; readonly op: JsBinaryOp; readonly l: Ex; readonly r: Ex; readonly ts: TsType }
  /** `x == null` (missing or null), negated for `!=`. */
  | { readonly k: "absent"; readonly x: Ex; readonly negate: boolean }
  /** Static knowledge: `x` has type `ts` here (printed as `x as T` where TypeScript needs it). */
  | { readonly k: "cast"; readonly x: Ex; readonly ts: TsType }
  | { readonly k: "array"; readonly items: readonly Ex[] }
  | { readonly k: "object"; readonly entries: readonly (readonly [string, Ex])[] };

export function tsOf(e: Ex): TsType {
  switch (e.k) {
    case "lit":
      return e.value === undefined ? "undefined" : e.value === null ? "null" : (typeof e.value as "string" | "number" | "boolean");
    case "name":
    case "member":
    case "call":
    case "method":
    case "bin":
    case "cast":
      return e.ts;
    case "not":
    case "absent":
      return "boolean";
    case "neg":
      return "number";
    case "array":
      return "list";
    case "object":
      return "record";
  }
}

/** A variable or property chain: TypeScript narrows these, so the printer always casts them in typed positions. */
export function isReference(e: Ex): boolean {
  return (e.k === "name" && e.ref) || e.k === "member";
}

export const lit = (value: string | number | boolean | null | undefined): Ex => ({ k: "lit", value });
export const call = (fn: string, args: readonly Ex[], ts: TsType): Ex => ({ k: "call", fn, args, ts });
/** `x` known to have type `ts`; a no-op where the expression's own type already says so (literals stay foldable). */
export const cast = (x: Ex, ts: TsType): Ex => {
  const inner = x.k === "cast" ? x.x : x;
  return tsOf(inner) === ts ? inner : { k: "cast", x: inner, ts };
};
