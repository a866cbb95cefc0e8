/**
 * Module-scope constants of a generated guard: folded lists and records, membership
 * sets, regexes, globs and tool lists, each created once when the module loads and
 * shared by every call.
 *
 * INVARIANT: equal constants get one name (deduplicated by content); names are valid,
 * unique JavaScript identifiers chosen from readable hints.
 */

export type HoistedValue =
  | { readonly kind: "json"; readonly name: string; readonly value: unknown }
  /** `new Set([...])` of primitive values (for `x in CONST`). */
  | { readonly kind: "set"; readonly name: string; readonly values: readonly (string | number | boolean | null)[] }
  | { readonly kind: "regex"; readonly name: string; readonly pattern: string }
  | { readonly kind: "glob"; readonly name: string; readonly pattern: string }
  /** Qualified tool names (the argument of `sessionCount`). */
  | { readonly kind: "tools"; readonly name: string; readonly tools: readonly string[] };

/** A stable text key of a JSON value (distinguishes `-0`, keeps key order). */
export function valueKey(v: unknown): string {
  if (v === undefined) return "u";
  if (typeof v === "number") return Object.is(v, -0) ? "n-0" : `n${v}`;
  if (typeof v !== "object" || v === null) return JSON.stringify(v) ?? "?";
  if (Array.isArray(v)) return `[${v.map(valueKey).join(",")}]`;
  return `{${Object.keys(v)
    .map((k) => `${JSON.stringify(k)}:${valueKey((v as Record<string, unknown>)[k])}`)
    .join(",")}}`;
}

export class Hoister {
  private readonly byKey = new Map<string, HoistedValue>();
  private readonly names: NameTable;

  constructor(names: NameTable) {
    this.names = names;
  }

  get values(): readonly HoistedValue[] {
    return [...this.byKey.values()];
  }

  json(value: unknown, hint: string): string {
    return this.add(`json:${valueKey(value)}`, () => ({ kind: "json", name: this.names.unique(constName(hint)), value })).name;
  }

  set(values: readonly (string | number | boolean | null)[], hint: string): string {
    return this.add(`set:${valueKey(values)}`, () => ({ kind: "set", name: this.names.unique(constName(hint)), values })).name;
  }

  regex(pattern: string): string {
    return this.add(`re:${pattern}`, () => ({ kind: "regex", name: this.names.unique("RE"), pattern })).name;
  }

  glob(pattern: string): string {
    return this.add(`glob:${pattern}`, () => ({ kind: "glob", name: this.names.unique("GLOB"), pattern })).name;
  }

  tools(tools: readonly string[]): string {
    return this.add(`tools:${JSON.stringify(tools)}`, () => ({ kind: "tools", name: this.names.unique("TOOLS"), tools })).name;
  }

  private add(key: string, make: () => HoistedValue): HoistedValue {
    let h = this.byKey.get(key);
    if (h === undefined) {
      h = make();
      this.byKey.set(key, h);
    }
    return h;
  }
}

const JS_RESERVED = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false finally for function if " +
    "import in instanceof new null return super switch this throw true try typeof var void while with yield let static implements " +
    "interface package private protected public await arguments eval undefined NaN Infinity Object Array Set Map String Number " +
    "Boolean Math JSON Error RegExp Symbol Promise Reflect Proxy globalThis"
  ).split(" "),
);

/** Identifiers in use in one module; hands out fresh readable ones. */
export class NameTable {
  private readonly used = new Set<string>(JS_RESERVED);

  /** Marks names as taken (imports, helpers, fixed exports). */
  reserve(...names: string[]): void {
    for (const n of names) this.used.add(n);
  }

  has(name: string): boolean {
    return this.used.has(name);
  }

  unique(hint: string): string {
    const base = identifier(hint);
    let name = base;
    for (let i = 2; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }
}

/** A JavaScript identifier close to `text`: `inventory-reader/allow/inv.get_item` → `inventory_reader_allow_inv_get_item`. */
export function identifier(text: string, max = 48): string {
  let s = text
    .replace(/[^A-Za-z0-9_]+/g, "_")
    .replace(/_+/g, "_")
    .replace(/^_+|_+$/g, "");
  if (s.length > max) s = s.slice(0, max).replace(/_+$/, "");
  if (s === "") s = "x";
  if (/^[0-9]/.test(s)) s = `_${s}`;
  return s;
}

function constName(hint: string): string {
  return identifier(hint).toUpperCase();
}

/** `PascalCase` of a name: `create_purchase_order` → `CreatePurchaseOrder`. */
export function pascal(text: string): string {
  const parts = text.split(/[^A-Za-z0-9]+/).filter((p) => p !== "");
  const s = parts.map((p) => p[0].toUpperCase() + p.slice(1)).join("");
  return s === "" ? "X" : /^[0-9]/.test(s) ? `T${s}` : s;
}
